"""Things every route module shares: documented error responses and list filters."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import Query, Response

from modelreg.api.schemas.common import ErrorOut, Timestamp
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
