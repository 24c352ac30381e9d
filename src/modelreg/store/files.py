"""A version's files: (path, size, sha256) rows pointing at content-addressed blobs."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import Connection, insert, literal, select

from modelreg.domain.entities import FileInfo
from modelreg.store.common import upsert
from modelreg.store.schema import version_files


def put(conn: Connection, version_id: UUID, info: FileInfo, now: datetime) -> None:
    upsert(
        conn,
        version_files,
        [
            {
                "version_id": version_id,
                "path": info.path,
                "size": info.size,
                "sha256": info.sha256,
                "created_at": now,
            }
        ],
        ("version_id", "path"),
    )


def list_files(conn: Connection, version_id: UUID) -> list[FileInfo]:
    f = version_files.c
    rows = conn.execute(
        select(f.path, f.size, f.sha256).where(f.version_id == version_id).order_by(f.path)
    )
    return [FileInfo(p, s, h) for p, s, h in rows]


def get(conn: Connection, version_id: UUID, path: str) -> FileInfo | None:
    f = version_files.c
    row = conn.execute(
        select(f.path, f.size, f.sha256).where(f.version_id == version_id, f.path == path)
    ).one_or_none()
    return None if row is None else FileInfo(row[0], row[1], row[2])


def copy_all(conn: Connection, source: UUID, target: UUID, now: datetime) -> None:
    """Give ``target`` the same file references as ``source`` (no bytes are copied)."""
    f = version_files.c
    conn.execute(
        insert(version_files).from_select(
            ["version_id", "path", "size", "sha256", "created_at"],
            select(
                literal(target, f.version_id.type),
                f.path,
                f.size,
                f.sha256,
                literal(now, f.created_at.type),
            ).where(f.version_id == source),
        )
    )
