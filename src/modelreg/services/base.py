"""What every service shares: the database, the cursor codec, the clock, the access hook."""

from __future__ import annotations

import enum
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Protocol, TypeVar

from modelreg.domain.entities import Principal
from modelreg.query.paging import CursorCodec, Page, PageQuery, PageRequest
from modelreg.store.db import Database
from modelreg.store.paging import Slice

T = TypeVar("T")


class Action(enum.StrEnum):
    READ = "read"
    WRITE = "write"
    OWNER = "owner"  # e.g. move or delete a protected alias
    ADMIN = "admin"


class Authorizer(Protocol):
    """Decides whether ``who`` may do ``action`` in a workspace; raises if not."""

    def require(self, who: Principal, action: Action, workspace: str | None) -> None: ...

    def allowed(self, who: Principal, action: Action, workspace: str | None) -> bool: ...

    def readable(self, who: Principal) -> frozenset[str] | None:
        """The workspaces ``who`` may read, or None for "all of them"."""
        ...


class AllowAll:
    """The policy with authentication off (``--no-auth``): everyone may do everything."""

    def require(self, who: Principal, action: Action, workspace: str | None) -> None:
        return None

    def allowed(self, who: Principal, action: Action, workspace: str | None) -> bool:
        return True

    def readable(self, who: Principal) -> frozenset[str] | None:
        return None


def utcnow() -> datetime:
    return datetime.now(UTC)


class ServiceBase:
    def __init__(
        self,
        db: Database,
        codec: CursorCodec,
        authz: Authorizer,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.db = db
        self.codec = codec
        self.authz = authz
        self.clock = clock

    def page_request(self, query: PageQuery, *binding: object) -> tuple[PageRequest, str]:
        """Decode the client's paging into a store request, checking the token's binding."""
        bound = self.codec.binding(*binding)
        after = None
        if query.page_token is not None:
            after = self.codec.decode(query.page_token, bound)
        include_total = query.include_total or query.page_token is None
        page = query.page or (1 if query.page_token is None else None)
        return PageRequest(query.size, page, after, include_total), bound

    def cursor_request(self, query: PageQuery, *binding: object) -> tuple[PageRequest, str]:
        """Cursor-only paging (searches): no offset, a total only when asked for."""
        bound = self.codec.binding(*binding)
        after = None
        if query.page_token is not None:
            after = self.codec.decode(query.page_token, bound)
        return PageRequest(query.size, None, after, query.include_total), bound

    def to_page(self, items: list[T], sl: Slice, req: PageRequest, bound: str) -> Page[T]:
        token = None if sl.next_keys is None else self.codec.encode(sl.next_keys, bound)
        return Page(items, req.size, token, sl.total, req.page)
