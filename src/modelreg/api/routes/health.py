"""Liveness and readiness probes."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from modelreg.api.deps import Svc
from modelreg.errors import Unavailable

router = APIRouter(tags=["health"])


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
