"""Workspace queries."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, Row, insert, select
from uuid_utils.compat import uuid7

from modelreg.domain.entities import Workspace
from modelreg.errors import AlreadyExists, WorkspaceNotFound
from modelreg.query.paging import PageRequest
from modelreg.store.common import insert_unique
from modelreg.store.paging import Slice, paginate
from modelreg.store.schema import workspaces


def _ws(row: Row[Any]) -> Workspace:
    return Workspace(row.id, row.name, row.description, row.created_at)


def create(conn: Connection, name: str, description: str | None, now: datetime) -> Workspace:
    ws = Workspace(uuid7(), name, description, now)
    insert_unique(
        conn,
        insert(workspaces).values(id=ws.id, name=name, description=description, created_at=now),
        AlreadyExists(f"workspace {name!r} already exists", {"workspace": name}),
    )
    return ws


def get(conn: Connection, name: str) -> Workspace:
    row = conn.execute(select(workspaces).where(workspaces.c.name == name)).one_or_none()
    if row is None:
        raise WorkspaceNotFound(f"workspace {name!r} not found", {"workspace": name})
    return _ws(row)


def ids(conn: Connection, names: Iterable[str]) -> list[UUID]:
    """The ids of the named workspaces that exist."""
    wanted = list(names)
    if not wanted:
        return []
    return list(
        conn.execute(select(workspaces.c.id).where(workspaces.c.name.in_(wanted))).scalars()
    )


def list_page(
    conn: Connection, req: PageRequest, only: Iterable[str] | None = None
) -> tuple[list[Workspace], Slice]:
    """Workspaces by name; only those named in ``only`` when given."""
    stmt = select(workspaces)
    if only is not None:
        stmt = stmt.where(workspaces.c.name.in_(list(only)))
    sl = paginate(conn, stmt, [(workspaces.c.name, False)], req)
    return [_ws(r) for r in sl.rows], sl
