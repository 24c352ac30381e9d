"""Resumable uploads (their parts are objects in the blob store)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Column, Connection, Row, delete, insert, select

from modelreg.domain.artifacts import FileOwner
from modelreg.domain.entities import Upload
from modelreg.store.schema import uploads


def _version_column(owner: FileOwner) -> Column[UUID]:
    """The column naming the upload's version: a model version or an artifact version."""
    c = uploads.c
    return c.version_id if owner is FileOwner.MODEL else c.artifact_version_id


def _upload(row: Row[Any]) -> Upload:
    version_id = row.version_id if row.version_id is not None else row.artifact_version_id
    return Upload(row.id, version_id, row.path, row.size, row.sha256, row.part_size, row.created_at)


def create(conn: Connection, upload: Upload, owner: FileOwner) -> None:
    conn.execute(
        insert(uploads).values(
            id=upload.id,
            **{_version_column(owner).key: upload.version_id},
            path=upload.path,
            size=upload.size,
            sha256=upload.sha256,
            part_size=upload.part_size,
            created_at=upload.created_at,
        )
    )


def get(conn: Connection, upload_id: UUID) -> Upload | None:
    """The upload, without its parts (the blob store knows those)."""
    row = conn.execute(select(uploads).where(uploads.c.id == upload_id)).one_or_none()
    return None if row is None else _upload(row)


def delete_upload(conn: Connection, upload_id: UUID) -> bool:
    """False if it was already gone."""
    return conn.execute(delete(uploads).where(uploads.c.id == upload_id)).rowcount > 0


def of_version(conn: Connection, version_id: UUID, owner: FileOwner) -> list[Upload]:
    """A version's open uploads, oldest first (without their parts)."""
    u = uploads.c
    rows = conn.execute(
        select(uploads).where(_version_column(owner) == version_id).order_by(u.created_at, u.id)
    )
    return [_upload(r) for r in rows]


def delete_of_version(conn: Connection, version_id: UUID, owner: FileOwner) -> list[UUID]:
    """Remove every open upload of a version; the ids removed (their parts are the
    caller's to delete from the blob store)."""
    u = uploads.c
    ids = list(conn.execute(select(u.id).where(_version_column(owner) == version_id)).scalars())
    if ids:
        conn.execute(delete(uploads).where(u.id.in_(ids)))
    return ids


def created_before(conn: Connection, cutoff: datetime) -> list[UUID]:
    u = uploads.c
    return list(conn.execute(select(u.id).where(u.created_at < cutoff)).scalars())


def existing(conn: Connection, ids: Collection[UUID]) -> set[UUID]:
    """Which of ``ids`` are uploads in the database."""
    if not ids:
        return set()
    return set(conn.execute(select(uploads.c.id).where(uploads.c.id.in_(list(ids)))).scalars())
