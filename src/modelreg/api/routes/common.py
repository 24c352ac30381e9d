"""Things every route module shares: documented error responses and list filters."""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Any

import anyio
import anyio.to_thread
import orjson
from anyio.streams.memory import MemoryObjectSendStream
from fastapi import APIRouter, Depends, Query, Request, Response
from starlette.requests import ClientDisconnect
from starlette.types import Receive

from modelreg.api.deps import reject_nul
from modelreg.api.schemas.common import ErrorOut, Timestamp
from modelreg.blobs import Sink
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


# Bodies reach the store in batches of about this size: large enough that the thread hop
# and the Python work per batch vanish next to the bytes, small enough that the two batches
# alive at once (one being written, one arriving) keep an upload's memory constant.
WRITE_BATCH = 4 << 20


def _write_batch(staged: Sink, batch: list[bytes]) -> None:
    for chunk in batch:
        staged.write(chunk)


async def _pump(
    receive: Receive, out: MemoryObjectSendStream[list[bytes]], limit: int | None
) -> None:
    """Read the body's ASGI messages into batches of WRITE_BATCH and hand each to ``out``
    (which waits while the previous batch is still being written: back-pressure). The
    chunks are kept as they came, so no byte is copied here."""
    batch: list[bytes] = []
    batched = total = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnect()
        chunk = message.get("body", b"")
        if chunk:
            total += len(chunk)
            if limit is not None and total > limit:
                raise InvalidArgument(
                    f"the body must be exactly {limit} bytes; more were sent",
                    {"field": "body", "expected": limit},
                )
            batch.append(chunk)
            batched += len(chunk)
            if batched >= WRITE_BATCH:
                await out.send(batch)
                batch, batched = [], 0
        if not message.get("more_body", False):
            break
    if batch:
        await out.send(batch)


def _sole(group: BaseExceptionGroup[BaseException]) -> BaseException:
    """The exception that stopped the pipeline (the reader's or the writer's)."""
    leaves = list(group.exceptions)
    while len(leaves) == 1 and isinstance(leaves[0], BaseExceptionGroup):
        leaves = list(leaves[0].exceptions)
    return next((e for e in leaves if not isinstance(e, anyio.get_cancelled_exc_class())), group)


async def receive(request: Request, staged: Sink, limit: int | None = None) -> None:
    """Stream the request body into ``staged``: the event loop reads the socket while a
    worker thread hashes and writes the previous batch (hashlib and file writes release
    the GIL), so receiving and storing overlap instead of taking turns. More than
    ``limit`` bytes is INVALID_ARGUMENT. On any failure the staged bytes are discarded,
    after the writer thread has let go of them."""
    to_writer, batches = anyio.create_memory_object_stream[list[bytes]](0)

    async def write_batches() -> None:
        async with batches:
            async for batch in batches:
                # Not abandoned on cancel: the thread finishes its batch before discard().
                await anyio.to_thread.run_sync(_write_batch, staged, batch)

    try:
        try:
            async with anyio.create_task_group() as tg:
                tg.start_soon(write_batches)
                async with to_writer:
                    await _pump(request.receive, to_writer, limit)
        except BaseExceptionGroup as group:
            raise _sole(group) from None
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
