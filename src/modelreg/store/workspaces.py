"""Workspace queries."""

from __future__ import annotations

from datetime import datetime
from typing import Any

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


def list_page(conn: Connection, req: PageRequest) -> tuple[list[Workspace], Slice]:
    sl = paginate(conn, select(workspaces), [(workspaces.c.name, False)], req)
    return [_ws(r) for r in sl.rows], sl
