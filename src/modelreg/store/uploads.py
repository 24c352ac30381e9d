"""Resumable uploads and their parts (the bytes are in the blob store)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from uuid import UUID

from sqlalchemy import Connection, delete, insert, select

from modelreg.domain.entities import Upload, UploadPart
from modelreg.store.common import upsert
from modelreg.store.schema import upload_parts, uploads


def create(conn: Connection, upload: Upload) -> None:
    conn.execute(
        insert(uploads).values(
            id=upload.id,
            version_id=upload.version_id,
            path=upload.path,
            size=upload.size,
            sha256=upload.sha256,
            part_size=upload.part_size,
            created_at=upload.created_at,
        )
    )


def get(conn: Connection, upload_id: UUID, *, for_update: bool = False) -> Upload | None:
    """The upload with its parts in order; ``for_update`` locks the row (PostgreSQL)."""
    u = uploads.c
    stmt = select(uploads).where(u.id == upload_id)
    if for_update:
        stmt = stmt.with_for_update()
    row = conn.execute(stmt).one_or_none()
    if row is None:
        return None
    p = upload_parts.c
    parts = conn.execute(
        select(p.number, p.size).where(p.upload_id == upload_id).order_by(p.number)
    )
    return Upload(
        row.id,
        row.version_id,
        row.path,
        row.size,
        row.sha256,
        row.part_size,
        row.created_at,
        tuple(UploadPart(n, s) for n, s in parts),
    )


def put_part(
    conn: Connection, upload_id: UUID, number: int, size: int, sha256: str, now: datetime
) -> None:
    upsert(
        conn,
        upload_parts,
        [
            {
                "upload_id": upload_id,
                "number": number,
                "size": size,
                "sha256": sha256,
                "created_at": now,
            }
        ],
        ("upload_id", "number"),
    )


def delete_upload(conn: Connection, upload_id: UUID) -> bool:
    """Remove the upload and its part rows; False if it was already gone."""
    conn.execute(delete(upload_parts).where(upload_parts.c.upload_id == upload_id))
    return conn.execute(delete(uploads).where(uploads.c.id == upload_id)).rowcount > 0


def created_before(conn: Connection, cutoff: datetime) -> list[UUID]:
    u = uploads.c
    return list(conn.execute(select(u.id).where(u.created_at < cutoff)).scalars())


def existing(conn: Connection, ids: Collection[UUID]) -> set[UUID]:
    """Which of ``ids`` are uploads in the database."""
    if not ids:
        return set()
    return set(conn.execute(select(uploads.c.id).where(uploads.c.id.in_(list(ids)))).scalars())
