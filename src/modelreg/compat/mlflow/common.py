"""What the MLflow route modules share: the workspace header, JSON answers, MLflow quirks."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import Depends, Header
from starlette.responses import Response

from modelreg.api.deps import Caller, Svc
from modelreg.compat.mlflow import wire
from modelreg.domain.entities import Model, Principal
from modelreg.domain.names import DEFAULT_WORKSPACE
from modelreg.errors import ModelNotFound, NotFound, VersionNotFound, WorkspaceNotFound
from modelreg.services import Services

__all__ = ["Caller", "Svc", "Ws"]


async def mlflow_workspace(
    x_mlflow_workspace: Annotated[
        str | None,
        Header(
            alias="X-MLFLOW-WORKSPACE",
            max_length=36,
            description="The workspace (MLflow 3's MLFLOW_WORKSPACE); default when absent.",
        ),
    ] = None,
) -> str:
    """MLflow 3 clients name their workspace in this header; modelreg's workspaces serve."""
    return x_mlflow_workspace.strip() if x_mlflow_workspace else DEFAULT_WORKSPACE


Ws = Annotated[str, Depends(mlflow_workspace)]

ERRORS: dict[int | str, dict[str, Any]] = {
    s: {"model": wire.MlflowError, "description": "MLflow error"} for s in (400, 404)
}


def answer(body: dict[str, Any]) -> Response:
    """A JSON answer, serialised once (no response-model pass)."""
    return Response(orjson.dumps(body), media_type="application/json")


def ignore_missing_key(exc: NotFound) -> None:
    """MLflow deletes an absent tag or alias silently, but not on an absent model."""
    if isinstance(exc, ModelNotFound | VersionNotFound | WorkspaceNotFound):
        raise exc


def with_latest(svc: Services, who: Principal, models: list[Model]) -> list[dict[str, Any]]:
    """Registered models with their ``latest_versions`` (one per stage), as MLflow sends."""
    latest = svc.lifecycle.latest_by_stage(who, models)
    return [wire.registered_model(m, latest[m.id]) for m in models]
