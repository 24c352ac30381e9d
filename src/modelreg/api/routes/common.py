"""Things every route module shares: documented error responses and list filters."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Query, Request
from starlette.concurrency import run_in_threadpool

from modelreg.api.schemas.common import ErrorOut, Timestamp
from modelreg.blobs import StagedBlob
from modelreg.errors import InvalidArgument


def errors_doc(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses=`` entries for the error statuses a route can answer."""
    return {s: {"model": ErrorOut, "description": "Error"} for s in (400, *statuses)}


async def receive(request: Request, stage: Callable[[], StagedBlob]) -> StagedBlob:
    """The request body, streamed into a new staged blob (hashed on the way, constant
    memory); nothing is left behind if the client goes away mid-upload."""
    staged = await run_in_threadpool(stage)
    try:
        async for chunk in request.stream():
            staged.write(chunk)
    except BaseException:
        staged.discard()
        raise
    return staged


def parse_tags(raw: list[str] | None) -> tuple[tuple[str, str], ...]:
    """``tag=key=value`` query parameters (repeatable, ANDed)."""
    out = []
    for item in raw or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise InvalidArgument(
                f"tag filter {item[:80]!r} must look like key=value", {"field": "tag"}
            )
        out.append((key, value))
    return tuple(out)


TagQuery = Annotated[
    list[str] | None,
    Query(description="key=value; repeat to AND several.", max_length=20),
]
NameQuery = Annotated[
    str | None, Query(max_length=256, description="Case-insensitive substring of the name.")
]
# Timestamp, not a bare AwareDatetime: that would take "0.5" as epoch seconds.
CreatedAfter = Annotated[Timestamp | None, Query(description="ISO-8601 with offset.")]
CreatedBefore = Annotated[Timestamp | None, Query(description="ISO-8601 with offset.")]
