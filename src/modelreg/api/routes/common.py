"""Things every route module shares: documented error responses and list filters."""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from modelreg.api.deps import reject_nul
from modelreg.api.schemas.common import ErrorOut, Timestamp
from modelreg.blobs import StagedBlob
from modelreg.errors import InvalidArgument


def json_response(doc: Any, status: int = 200) -> Response:
    """A JSON body encoded once by orjson, for hot routes that build plain documents
    (FastAPI would validate and serialize a response model again). ``Z`` for UTC, as
    pydantic writes it."""
    return Response(
        orjson.dumps(doc, option=orjson.OPT_UTC_Z), status, media_type="application/json"
    )


def errors_doc(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses=`` entries for the error statuses a route can answer."""
    return {s: {"model": ErrorOut, "description": "Error"} for s in (400, *statuses)}


def api_router(
    prefix: str = "",
    tags: list[str | Enum] | None = None,
    responses: dict[int | str, dict[str, Any]] | None = None,
    **options: Any,
) -> APIRouter:
    """A router whose routes carry what applies to every route of the app: NUL rejection,
    and the errors that the app-wide middleware (authentication, limits) and the statement
    timeout may answer, documented. Its routes are complete as built, so ``create_app``
    mounts them as they are, shared by every app of the process (see ``route_table``)."""
    return APIRouter(
        prefix=prefix,
        tags=tags,
        dependencies=[Depends(reject_nul)],
        responses={**errors_doc(401, 403, 408, 413, 429, 504), **(responses or {})},
        **options,
    )


# Bodies are hashed and written in batches of this size, off the event loop.
WRITE_BATCH = 1 << 20


async def receive(request: Request, staged: StagedBlob, limit: int | None = None) -> None:
    """Stream the request body into ``staged``: batched to 1 MiB and hashed/written in a
    worker thread (hashlib and file writes release the GIL), so the event loop keeps
    reading the socket meanwhile. More than ``limit`` bytes is INVALID_ARGUMENT. On any
    failure the staged bytes are discarded."""
    buf = bytearray()
    try:
        async for chunk in request.stream():
            buf += chunk
            if limit is not None and staged.size + len(buf) > limit:
                raise InvalidArgument(
                    f"the body must be exactly {limit} bytes; more were sent",
                    {"field": "body", "expected": limit},
                )
            if len(buf) >= WRITE_BATCH:
                data, buf = bytes(buf), bytearray()
                await run_in_threadpool(staged.write, data)
        if buf:
            await run_in_threadpool(staged.write, bytes(buf))
    except BaseException:
        staged.discard()
        raise


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
