"""MLflow's model-registry REST API and artifact proxy, as a thin adapter over the services.

Mounted under ``/api/2.0/mlflow/`` and its ``/ajax-api/2.0/mlflow/`` twin (MLflow's UI
calls the latter), plus ``/api/2.0/mlflow-artifacts/``, so that ``MlflowClient`` and
``mlflow.pyfunc.load_model("models:/name@alias")`` work unchanged against modelreg.
"""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import APIRouter, FastAPI, HTTPException
from pydantic import BaseModel
from starlette.responses import Response

from modelreg.compat.mlflow import artifacts, models, versions
from modelreg.compat.mlflow.errors import MlflowRoute, mlflow_error, to_response

PREFIXES = ("/api/2.0/mlflow", "/ajax-api/2.0/mlflow")
MLFLOW_PATHS = ("/api/2.0/mlflow/", "/api/2.0/mlflow-artifacts/")


def _unknown_endpoint() -> APIRouter:
    """Anything else under an MLflow prefix: ENDPOINT_NOT_FOUND, as MLflow answers."""
    router = APIRouter(route_class=MlflowRoute)

    @router.api_route(
        "/{rest:path}",
        methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
        include_in_schema=False,
    )
    def unknown(rest: str) -> None:
        raise HTTPException(404, f"no MLflow endpoint {rest[:100]!r} here")

    return router


def install(app: FastAPI) -> None:
    """Mount the MLflow surface on ``app``."""
    shapes = app.state.error_shapes = getattr(app.state, "error_shapes", {})
    for prefix in (*PREFIXES, "/api/2.0/mlflow-artifacts", "/api/3.0/mlflow"):
        shapes[prefix] = to_response
    for prefix in PREFIXES:
        public = prefix == PREFIXES[0]  # the ajax-api twin is the same API: document it once
        for router, tag in (
            (models.build_router(), "mlflow: registered models"),
            (versions.build_router(), "mlflow: model versions"),
        ):
            app.include_router(router, prefix=prefix, tags=[tag], include_in_schema=public)
    app.include_router(
        artifacts.build_router(), prefix="/api/2.0/mlflow-artifacts", tags=["mlflow: artifacts"]
    )
    app.include_router(_openapi(app), prefix=PREFIXES[0])
    app.include_router(_server_info(), prefix="/api/3.0/mlflow", tags=["mlflow: server"])
    for prefix in (*PREFIXES, "/api/2.0/mlflow-artifacts"):
        app.include_router(_unknown_endpoint(), prefix=prefix)


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


def _server_info() -> APIRouter:
    """What MLflow 3 clients ask before sending X-MLFLOW-WORKSPACE: workspaces are on."""
    router = APIRouter(route_class=MlflowRoute)

    @router.get("/server-info", response_model=ServerInfo)
    def server_info() -> Response:
        """Features of this server, as MLflow 3 clients probe them."""
        return Response(orjson.dumps({"workspaces_enabled": True}), media_type="application/json")

    return router


def _openapi(app: FastAPI) -> APIRouter:
    """``/api/2.0/mlflow/openapi.json``: the MLflow-compatible surface alone. The app's
    /openapi.json describes it too, beside the native API."""
    router = APIRouter(route_class=MlflowRoute)

    @router.get("/openapi.json", include_in_schema=False)
    def openapi_document() -> Response:
        return Response(orjson.dumps(mlflow_openapi(app.openapi())), media_type="application/json")

    return router


__all__ = ["install", "mlflow_error"]
