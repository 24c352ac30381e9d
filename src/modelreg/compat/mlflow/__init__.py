"""MLflow's model-registry REST API and artifact proxy, as a thin adapter over the services.

Mounted under ``/api/2.0/mlflow/`` and its ``/ajax-api/2.0/mlflow/`` twin (MLflow's UI
calls the latter), plus ``/api/2.0/mlflow-artifacts/``, so that ``MlflowClient`` and
``mlflow.pyfunc.load_model("models:/name@alias")`` work unchanged against modelreg.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, HTTPException

from modelreg.compat.mlflow import artifacts, models, versions
from modelreg.compat.mlflow.errors import MlflowRoute, mlflow_error

PREFIXES = ("/api/2.0/mlflow", "/ajax-api/2.0/mlflow")


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
    for prefix in (*PREFIXES, "/api/2.0/mlflow-artifacts"):
        app.include_router(_unknown_endpoint(), prefix=prefix)


__all__ = ["install", "mlflow_error"]
