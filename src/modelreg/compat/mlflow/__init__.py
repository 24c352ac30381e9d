"""MLflow's model-registry REST API and artifact proxy, as a thin adapter over the services.

Mounted under ``/api/2.0/mlflow/`` and its ``/ajax-api/2.0/mlflow/`` twin (MLflow's UI
calls the latter), plus ``/api/2.0/mlflow-artifacts/``, so that ``MlflowClient`` and
``mlflow.pyfunc.load_model("models:/name@alias")`` work unchanged against modelreg.
"""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import APIRouter, FastAPI, HTTPException, Request
from pydantic import BaseModel
from starlette.responses import Response
from starlette.routing import BaseRoute

from modelreg.api.routes.common import api_router
from modelreg.compat.mlflow import artifacts, models, versions
from modelreg.compat.mlflow.errors import MlflowRoute, mlflow_error, to_response

PREFIXES = ("/api/2.0/mlflow", "/ajax-api/2.0/mlflow")
MLFLOW_PATHS = ("/api/2.0/mlflow/", "/api/2.0/mlflow-artifacts/")


def _unknown_endpoint(prefix: str) -> APIRouter:
    """Anything else under an MLflow prefix: ENDPOINT_NOT_FOUND, as MLflow answers."""
    router = api_router(prefix, route_class=MlflowRoute)

    @router.api_route(
        "/{rest:path}",
        methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
        include_in_schema=False,
    )
    def unknown(rest: str) -> None:
        raise HTTPException(404, f"no MLflow endpoint {rest[:100]!r} here")

    return router


def install(app: FastAPI) -> None:
    """Make failures under the MLflow prefixes answer in MLflow's shape on ``app`` (its
    routes come from ``routes()``, which the app includes)."""
    shapes = app.state.error_shapes = getattr(app.state, "error_shapes", {})
    for prefix in (*PREFIXES, "/api/2.0/mlflow-artifacts", "/api/3.0/mlflow"):
        shapes[prefix] = to_response


def routes() -> list[BaseRoute]:
    """The MLflow surface's routes, complete (the app mounts them as they are)."""
    routers = []
    for prefix in PREFIXES:
        public = prefix == PREFIXES[0]  # the ajax-api twin is the same API: document it once
        routers.append(models.build_router(prefix, "mlflow: registered models", public))
        routers.append(versions.build_router(prefix, "mlflow: model versions", public))
    routers.append(artifacts.build_router("/api/2.0/mlflow-artifacts", "mlflow: artifacts"))
    routers.append(_openapi(PREFIXES[0]))
    routers.append(_server_info("/api/3.0/mlflow", "mlflow: server"))
    routers.extend(_unknown_endpoint(p) for p in (*PREFIXES, "/api/2.0/mlflow-artifacts"))
    return [route for router in routers for route in router.routes]


def _refs(node: Any, found: set[str]) -> None:
    """Every ``#/components/schemas/X`` that ``node`` refers to, directly."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            ref = item.get("$ref")
            if isinstance(ref, str):
                found.add(ref.rsplit("/", 1)[-1])
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def mlflow_openapi(full: dict[str, Any]) -> dict[str, Any]:
    """The app's OpenAPI document cut down to the MLflow paths and the schemas they use."""
    paths = {p: v for p, v in full["paths"].items() if p.startswith(MLFLOW_PATHS)}
    schemas = full.get("components", {}).get("schemas", {})
    used: set[str] = set()
    _refs(paths, used)
    pending = list(used)
    while pending:  # schemas referring to other schemas
        more: set[str] = set()
        _refs(schemas.get(pending.pop(), {}), more)
        pending.extend(more - used)
        used |= more
    return {
        "openapi": full["openapi"],
        "info": {
            "title": "modelreg: MLflow-compatible API",
            "version": full["info"]["version"],
            "description": "MLflow's model-registry REST API and artifact proxy, served by "
            "modelreg over its own registry (MLflow publishes no description of its own).",
        },
        "paths": paths,
        "components": {"schemas": {k: v for k, v in schemas.items() if k in used}},
    }


class ServerInfo(BaseModel):
    workspaces_enabled: bool = True


def _server_info(prefix: str, tag: str) -> APIRouter:
    """What MLflow 3 clients ask before sending X-MLFLOW-WORKSPACE: workspaces are on."""
    router = api_router(prefix, [tag], route_class=MlflowRoute)

    @router.get("/server-info", response_model=ServerInfo)
    def server_info() -> Response:
        """Features of this server, as MLflow 3 clients probe them."""
        return Response(orjson.dumps({"workspaces_enabled": True}), media_type="application/json")

    return router


def _openapi(prefix: str) -> APIRouter:
    """``/api/2.0/mlflow/openapi.json``: the MLflow-compatible surface alone. The app's
    /openapi.json describes it too, beside the native API."""
    router = api_router(prefix, route_class=MlflowRoute)

    @router.get("/openapi.json", include_in_schema=False)
    def openapi_document(request: Request) -> Response:
        # The serving app's document: the route is shared by every app built in a process.
        full = request.app.openapi()
        return Response(orjson.dumps(mlflow_openapi(full)), media_type="application/json")

    return router


__all__ = ["install", "mlflow_error", "routes"]
