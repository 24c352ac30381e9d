"""A version's files: (path, size, sha256) rows pointing at content-addressed blobs.

Model versions and artifact versions keep them in two tables of one shape, next to the
status and declared files of their version; ``owner`` picks the pair.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import Connection, Table, func, insert, literal, select, update

from modelreg.domain.artifacts import FileOwner
from modelreg.domain.entities import FileInfo, VersionStatus
from modelreg.store.common import upsert
from modelreg.store.schema import artifact_version_files, artifact_versions, version_files, versions

# owner -> (its versions table, its files table)
_TABLES: dict[FileOwner, tuple[Table, Table]] = {
    FileOwner.MODEL: (versions, version_files),
    FileOwner.ARTIFACT: (artifact_versions, artifact_version_files),
}


def put(
    conn: Connection, version_id: UUID, info: FileInfo, now: datetime, owner: FileOwner
) -> None:
    upsert(
        conn,
        _TABLES[owner][1],
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


def list_files(conn: Connection, version_id: UUID, owner: FileOwner) -> list[FileInfo]:
    f = _TABLES[owner][1].c
    rows = conn.execute(
        select(f.path, f.size, f.sha256).where(f.version_id == version_id).order_by(f.path)
    )
    return [FileInfo(p, s, h) for p, s, h in rows]


def get(conn: Connection, version_id: UUID, path: str, owner: FileOwner) -> FileInfo | None:
    f = _TABLES[owner][1].c
    row = conn.execute(
        select(f.path, f.size, f.sha256).where(f.version_id == version_id, f.path == path)
    ).one_or_none()
    return None if row is None else FileInfo(row[0], row[1], row[2])


def copy_all(conn: Connection, source: UUID, target: UUID, now: datetime) -> None:
    """Give model version ``target`` the same file references as ``source`` (no bytes are
    copied)."""
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


def status_of(conn: Connection, version_id: UUID, owner: FileOwner) -> VersionStatus:
    v = _TABLES[owner][0].c
    return VersionStatus(conn.execute(select(v.status).where(v.id == version_id)).scalar_one())


def set_status(
    conn: Connection,
    version_id: UUID,
    status: VersionStatus,
    now: datetime,
    owner: FileOwner,
    message: str | None = None,
) -> None:
    """Set a version's status (and, when given, its status_message)."""
    table = _TABLES[owner][0]
    values: dict[str, object] = {"status": status.value, "updated_at": now}
    if message is not None:
        values["status_message"] = message
    conn.execute(update(table).where(table.c.id == version_id).values(**values))


def declared_files(conn: Connection, version_id: UUID, owner: FileOwner) -> list[FileInfo]:
    v = _TABLES[owner][0].c
    found = conn.execute(select(v.declared_files).where(v.id == version_id)).scalar()
    return [FileInfo(d["path"], d["size"], d["sha256"]) for d in found or []]


def declared_rows(files: tuple[FileInfo, ...]) -> list[dict[str, object]] | None:
    """The declared_files column value of a new version."""
    return [{"path": f.path, "size": f.size, "sha256": f.sha256} for f in files] or None


def totals(
    conn: Connection, version_ids: list[UUID], owner: FileOwner
) -> dict[UUID, tuple[int, int]]:
    """(file count, total bytes) of each version, in one query."""

    f = _TABLES[owner][1].c
    out = {i: (0, 0) for i in version_ids}
    if version_ids:
        rows = conn.execute(
            select(f.version_id, func.count(), func.coalesce(func.sum(f.size), 0))
            .where(f.version_id.in_(version_ids))
            .group_by(f.version_id)
        )
        for vid, n, size in rows:
            out[vid] = (int(n), int(size))
    return out
