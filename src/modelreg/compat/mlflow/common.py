"""What the MLflow route modules share: the workspace, JSON answers, request parsing."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import Response

from modelreg.api.deps import Caller, Svc
from modelreg.compat.mlflow import wire
from modelreg.domain.entities import Model, Principal
from modelreg.domain.names import DEFAULT_WORKSPACE
from modelreg.errors import ModelNotFound, NotFound, VersionNotFound, WorkspaceNotFound
from modelreg.services import Services

__all__ = ["Caller", "Svc"]

# MLflow has no workspaces on this surface: it is the default workspace's registry.
WORKSPACE = DEFAULT_WORKSPACE

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
