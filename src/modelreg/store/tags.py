"""Single-tag operations with attributes (color), for the tag routes."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import Connection, delete, select, update

from modelreg.store.common import upsert
from modelreg.store.schema import model_tags, version_tags, versions


def put_model_tag(
    conn: Connection, model_id: UUID, key: str, value: str, color: str | None
) -> None:
    upsert(
        conn,
        model_tags,
        [{"model_id": model_id, "key": key, "value": value, "color": color}],
        ("model_id", "key"),
    )


def put_version_tag(
    conn: Connection, version_id: UUID, key: str, value: str, color: str | None, now: datetime
) -> None:
    conn.execute(update(versions).where(versions.c.id == version_id).values(updated_at=now))
    upsert(
        conn,
        version_tags,
        [{"version_id": version_id, "key": key, "value": value, "color": color}],
        ("version_id", "key"),
    )


def delete_model_tag(conn: Connection, model_id: UUID, key: str) -> bool:
    t = model_tags.c
    return conn.execute(delete(model_tags).where(t.model_id == model_id, t.key == key)).rowcount > 0


def delete_version_tag(conn: Connection, version_id: UUID, key: str, now: datetime) -> bool:
    t = version_tags.c
    gone = conn.execute(delete(version_tags).where(t.version_id == version_id, t.key == key))
    if gone.rowcount:
        conn.execute(update(versions).where(versions.c.id == version_id).values(updated_at=now))
    return gone.rowcount > 0


def model_tags_with_color(conn: Connection, model_id: UUID) -> list[tuple[str, str, str | None]]:
    t = model_tags.c
    rows = conn.execute(
        select(t.key, t.value, t.color).where(t.model_id == model_id).order_by(t.key)
    )
    return [(k, v, c) for k, v, c in rows]


def version_tags_with_color(
    conn: Connection, version_id: UUID
) -> list[tuple[str, str, str | None]]:
    t = version_tags.c
    rows = conn.execute(
        select(t.key, t.value, t.color).where(t.version_id == version_id).order_by(t.key)
    )
    return [(k, v, c) for k, v, c in rows]
