"""The one page primitive: offset pages with totals, and keyset cursors.

A cursor encodes the sort-key values of the last row served (never an offset), so the
next page is a range scan on an index however deep the walk is. It is signed, and bound
to the query it was issued for: reusing it with another filter or order, or editing it,
is INVALID_ARGUMENT.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar
from uuid import UUID

import orjson

from modelreg.errors import InvalidArgument

T = TypeVar("T")

MAX_PAGE_SIZE = 1000


@dataclass(frozen=True, slots=True)
class SortKey:
    """One ORDER BY term as the client asked for it (``number``, ``-created``)."""

    name: str
    descending: bool = False


def parse_sort(value: str, allowed: Sequence[str]) -> SortKey:
    """Parse ``key``, ``-key``, ``asc:key`` or ``desc:key`` (the ZenML spelling)."""
    raw = value.strip()
    descending = False
    if raw.startswith("-"):
        raw, descending = raw[1:], True
    elif ":" in raw:
        direction, _, raw = raw.partition(":")
        if direction.lower() not in ("asc", "desc"):
            raise InvalidArgument(
                f"invalid sort direction {direction[:20]!r}: use asc or desc",
                {"field": "sort_by"},
            )
        descending = direction.lower() == "desc"
    if raw not in allowed:
        raise InvalidArgument(
            f"unknown sort key {raw[:40]!r}; allowed: {', '.join(allowed)}",
            {"field": "sort_by", "allowed": list(allowed)},
        )
    return SortKey(raw, descending)


@dataclass(frozen=True, slots=True)
class PageQuery:
    """Paging as a client sends it: ``page`` (1-based, with totals) or an opaque token."""

    size: int
    page: int | None = None
    page_token: str | None = None
    include_total: bool = False

    def __post_init__(self) -> None:
        if self.page is not None and self.page_token is not None:
            raise InvalidArgument(
                "page and page_token are mutually exclusive", {"field": "page_token"}
            )


@dataclass(frozen=True, slots=True)
class PageRequest:
    """What one listing call asks for. At most one of ``page`` / ``skip`` / ``after``
    drives the slice; ``skip`` is a raw row offset (the offset/limit envelopes)."""

    size: int
    page: int | None = None
    after: tuple[Any, ...] | None = None
    include_total: bool = False
    skip: int | None = None

    @property
    def offset(self) -> int:
        if self.skip is not None:
            return self.skip
        return ((self.page or 1) - 1) * self.size


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    size: int
    next_page_token: str | None
    total: int | None = None
    page: int | None = None

    @property
    def total_pages(self) -> int | None:
        if self.total is None:
            return None
        return -(-self.total // self.size)


def _to_json(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"t": value.isoformat()}
    if isinstance(value, UUID):
        return {"u": value.hex}
    return value


def _from_json(value: Any) -> Any:
    if isinstance(value, dict):
        if "t" in value:
            return datetime.fromisoformat(value["t"])
        return UUID(hex=value["u"])
    return value


class CursorCodec:
    """Signs and checks page tokens with a secret shared by every server on one database."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    @staticmethod
    def binding(*parts: object) -> str:
        """A short digest of everything a cursor must not outlive (scope, filter, order)."""
        blob = orjson.dumps([str(p) for p in parts])
        return hashlib.sha256(blob).hexdigest()[:16]

    def _mac(self, payload: bytes) -> str:
        digest = hmac.new(self._secret, payload, hashlib.sha256).digest()[:16]
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    def encode(self, keys: Sequence[Any], binding: str) -> str:
        payload = orjson.dumps({"k": [_to_json(k) for k in keys], "b": binding})
        body = base64.urlsafe_b64encode(payload).rstrip(b"=").decode()
        return f"{body}.{self._mac(payload)}"

    def decode(self, token: str, binding: str) -> tuple[Any, ...]:
        bad = InvalidArgument("invalid page_token", {"field": "page_token"})
        if not token.isascii():  # tokens we issue are base64url; compare_digest needs ASCII
            raise bad
        body, _, mac = token.partition(".")
        try:
            payload = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        except ValueError:
            raise bad from None
        if not hmac.compare_digest(mac, self._mac(payload)):
            raise bad
        data = orjson.loads(payload)
        if data["b"] != binding:
            raise InvalidArgument(
                "page_token was issued for a different filter or order",
                {"field": "page_token"},
            )
        return tuple(_from_json(k) for k in data["k"])
