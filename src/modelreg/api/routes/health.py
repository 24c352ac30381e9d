"""Liveness and readiness probes."""

from __future__ import annotations

from pydantic import BaseModel

from modelreg.api.deps import Svc
from modelreg.api.routes.common import api_router
from modelreg.errors import Unavailable

router = api_router(tags=["health"])


class Health(BaseModel):
    status: str


@router.get("/healthz")
def healthz() -> Health:
    """The process is up."""
    return Health(status="ok")


@router.get("/readyz", responses={503: {"description": "Database unreachable"}})
def readyz(svc: Svc) -> Health:
    """The database answers."""
    if not svc.db.ping():
        raise Unavailable("database unreachable")
    return Health(status="ok")
