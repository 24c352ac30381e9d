"""Operator endpoints: garbage collection of the artifact store."""

import dataclasses
from typing import Annotated

from fastapi import Body
from pydantic import BaseModel, Field

from modelreg.api.deps import Caller, Svc
from modelreg.api.routes.common import api_router, errors_doc
from modelreg.api.schemas.common import StrictIn
from modelreg.domain.durations import parse_duration
from modelreg.services.gc import DEFAULT_GRACE, DEFAULT_UPLOAD_TTL

router = api_router(prefix="/api/v1/admin", tags=["admin"])

Duration = Annotated[str, Field(min_length=1, max_length=40, examples=["1h", "30m", "2d"])]


class GcIn(StrictIn):
    dry_run: bool = Field(False, description="Only count what would be deleted.")
    grace: Duration = Field(
        f"{int(DEFAULT_GRACE.total_seconds())}s",
        description="Blobs written more recently than this are kept whatever references them.",
    )
    upload_ttl: Duration = Field(
        f"{int(DEFAULT_UPLOAD_TTL.total_seconds())}s",
        description="Uploads started longer ago than this are expired with their parts.",
    )


class GcOut(BaseModel):
    scanned: int
    deleted: int
    bytes_freed: int
    dry_run: bool
    uploads_expired: int


@router.post("/gc", responses=errors_doc(403))
def collect_garbage(svc: Svc, who: Caller, body: Annotated[GcIn | None, Body()] = None) -> GcOut:
    """Delete artifact-store bytes that nothing references any more."""
    body = body or GcIn()
    report = svc.gc.run(
        who,
        grace=parse_duration(body.grace, "grace"),
        upload_ttl=parse_duration(body.upload_ttl, "upload_ttl"),
        dry_run=body.dry_run,
    )
    return GcOut(**dataclasses.asdict(report))
