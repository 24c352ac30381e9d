"""What every service shares: the database, the cursor codec, the clock, the access hook."""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar

import orjson
from sqlalchemy import Connection
from uuid_utils.compat import uuid7

from modelreg.domain.access import AuditEvent
from modelreg.domain.entities import Principal
from modelreg.query.paging import CursorCodec, Page, PageQuery, PageRequest
from modelreg.store import audit as audit_store
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


def _plain(value: Any) -> Any:
    """JSON-ready (datetimes, UUIDs, enums and dataclasses as orjson writes them)."""
    return orjson.loads(orjson.dumps(value))


# Fields that change on every write and say nothing about what changed.
_UNAUDITED = frozenset({"updated_at", "last_transition_at"})


def changes(before: object, after: object) -> tuple[dict[str, Any], dict[str, Any]]:
    """The fields of two snapshots of one entity (dataclasses) that differ, as JSON."""
    old, new = {}, {}
    for f in dataclasses.fields(before):  # type: ignore[arg-type]
        if f.name in _UNAUDITED:
            continue
        a, b = _plain(getattr(before, f.name)), _plain(getattr(after, f.name))
        if a != b:
            old[f.name], new[f.name] = a, b
    return old, new


@dataclass
class AuditNote:
    """What a mutation tells the audit log; filled in by the code inside ``mutation``."""

    target: str
    workspace: str | None
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None

    def diff(self, before: object, after: object) -> None:
        self.before, self.after = changes(before, after)


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

    @contextmanager
    def mutation(
        self,
        who: Principal,
        action: str,
        object_type: str,
        obj: str,
        workspace: str | None = None,
    ) -> Iterator[tuple[Connection, AuditNote]]:
        """A write transaction that also records an audit event in it: the event commits
        with the change or not at all. The body may refine the note (before/after)."""
        note = AuditNote(obj, workspace)
        with self.db.write() as conn:
            yield conn, note
            event = AuditEvent(
                uuid7(),
                self.clock(),
                who.subject,
                action,
                note.workspace,
                object_type,
                note.target,
                who.request_id,
                None if note.before is None else _plain(note.before),
                None if note.after is None else _plain(note.after),
            )
            audit_store.record(conn, event)

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
