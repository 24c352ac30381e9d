"""The audit log: one row per mutation, written in the mutation's transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Row, insert, select

from modelreg.domain.access import AuditEvent, AuditFilter
from modelreg.query.paging import PageRequest
from modelreg.store.paging import Slice, paginate
from modelreg.store.schema import audit_events as t


def record(conn: Connection, event: AuditEvent) -> None:
    conn.execute(
        insert(t).values(
            id=event.id,
            at=event.at,
            actor=event.actor,
            action=event.action,
            workspace=event.workspace,
            object_type=event.object_type,
            object=event.object[:1024],
            request_id=event.request_id,
            before=event.before,
            after=event.after,
        )
    )


def _event(row: Row[Any]) -> AuditEvent:
    return AuditEvent(
        row.id,
        row.at,
        row.actor,
        row.action,
        row.workspace,
        row.object_type,
        row.object,
        row.request_id,
        row.before,
        row.after,
    )


def list_page(
    conn: Connection, filt: AuditFilter, req: PageRequest
) -> tuple[list[AuditEvent], Slice]:
    """Events newest first, narrowed by ``filt``."""
    stmt = select(t)
    for column, value in (
        (t.c.workspace, filt.workspace),
        (t.c.actor, filt.actor),
        (t.c.action, filt.action),
        (t.c.object_type, filt.object_type),
    ):
        if value is not None:
            stmt = stmt.where(column == value)
    if filt.since is not None:
        stmt = stmt.where(t.c.at >= filt.since)
    if filt.until is not None:
        stmt = stmt.where(t.c.at < filt.until)
    sl = paginate(conn, stmt, [(t.c.at, True), (t.c.id, True)], req)
    return [_event(r) for r in sl.rows], sl
