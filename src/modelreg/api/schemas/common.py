"""Wire-schema building blocks: the strict input base, bounded strings, page envelopes."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Annotated, Any, Generic, Self, TypeVar

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from modelreg.errors import InvalidArgument
from modelreg.query.paging import Page

T = TypeVar("T")

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
INT32_MAX = 2**31 - 1
MAX_JSON_DEPTH = 32


def _is_utf8(s: str) -> bool:
    try:
        s.encode()
    except UnicodeEncodeError:
        return False
    return True


def check_json_values(value: Any, field: str = "body") -> None:
    """Reject what no column can store faithfully, anywhere in a JSON document.

    NUL characters (PostgreSQL text cannot hold them), lone surrogates (not encodable as
    UTF-8, yet ``"\\ud800"`` is valid JSON), integers beyond int64 and non-finite
    floats (Python's json accepts ``NaN`` and turns ``1e999`` into infinity), and nesting
    deeper than MAX_JSON_DEPTH. Iterative, so hostile nesting cannot exhaust the stack.
    """
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise InvalidArgument(
                f"JSON nested deeper than {MAX_JSON_DEPTH} levels", {"field": field}
            )
        if isinstance(item, str):
            if "\x00" in item:
                raise InvalidArgument("strings must not contain NUL characters", {"field": field})
            if not item.isascii() and not _is_utf8(item):
                # JSON escapes can spell lone surrogates ("\ud800"), which no UTF-8 store takes.
                raise InvalidArgument("strings must not contain lone surrogates", {"field": field})
        elif isinstance(item, bool):
            continue
        elif isinstance(item, int):
            if not INT64_MIN <= item <= INT64_MAX:
                raise InvalidArgument("integer out of the 64-bit range", {"field": field})
        elif isinstance(item, float):
            if not math.isfinite(item):
                raise InvalidArgument("numbers must be finite", {"field": field})
        elif isinstance(item, dict):
            for k, v in item.items():
                stack.append((k, depth + 1))
                stack.append((v, depth + 1))
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)


class StrictIn(BaseModel):
    """Base of every request body: no coercion, no unknown fields, no NUL, bounded JSON."""

    model_config = ConfigDict(strict=True, extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _storable(cls, data: Any) -> Any:
        check_json_values(data)
        return data


def _text(max_length: int, min_length: int = 0) -> Any:
    return StringConstraints(min_length=min_length, max_length=max_length)


TagKey = Annotated[str, _text(250, 1)]
TagValue = Annotated[str, _text(5000)]
ParamKey = Annotated[str, _text(250, 1)]
ParamValue = Annotated[str, _text(6000)]
MetricKey = Annotated[str, _text(250, 1)]
ModelNameText = Annotated[str, _text(256, 1)]
WorkspaceNameText = Annotated[str, _text(36, 1)]
VersionNameText = Annotated[str, _text(64, 1)]
Description = Annotated[str, _text(1024)]
LongText = Annotated[str, _text(10000)]
Uri = Annotated[str, _text(4096)]
ShortText = Annotated[str, _text(256)]
Int64 = Annotated[int, Field(ge=INT64_MIN, le=INT64_MAX)]


def _parse_timestamp(value: Any) -> Any:
    """JSON has no datetime type: parse ISO-8601 text here, so that the strict check after
    it still refuses numbers (epoch seconds) and timestamps without an offset."""
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            raise ValueError("must be an ISO-8601 timestamp with an offset") from None
    return value


Timestamp = Annotated[AwareDatetime, BeforeValidator(_parse_timestamp)]


class ErrorBody(BaseModel):
    code: str = Field(examples=["NOT_FOUND"])
    message: str
    details: dict[str, Any] = Field(default_factory=dict)
    request_id: str


class ErrorOut(BaseModel):
    """The one error envelope of the native API."""

    error: ErrorBody


class PageOut(BaseModel, Generic[T]):
    """A page: offset fields (``page``, ``total``, ``total_pages``) and a keyset cursor."""

    items: list[T]
    total: int | None = Field(
        None, description="Matching items; null in cursor mode unless include_total=true."
    )
    page: int | None = Field(None, description="1-based page number; null in cursor mode.")
    size: int
    total_pages: int | None = None
    next_page_token: str | None = Field(
        None, description="Pass as page_token for the next page; null on the last page."
    )

    @classmethod
    def of(cls, page: Page[Any], items: list[T]) -> Self:
        return cls(**page_doc(page, items))


def page_doc(page: Page[Any], items: list[Any]) -> dict[str, Any]:
    """The fields of a PageOut, as a plain document (see routes.common.json_response)."""
    return {
        "items": items,
        "total": page.total,
        "page": page.page,
        "size": page.size,
        "total_pages": page.total_pages,
        "next_page_token": page.next_page_token,
    }
