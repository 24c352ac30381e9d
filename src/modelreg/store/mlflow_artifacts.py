"""The MLflow artifact proxy's namespace: (path, size, sha256) rows naming blobs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, select

from modelreg.domain.entities import FileInfo
from modelreg.store.common import upsert
from modelreg.store.schema import mlflow_artifacts

_a = mlflow_artifacts.c


def put(conn: Connection, info: FileInfo, now: datetime) -> None:
    """Store (or overwrite: MLflow clients re-upload the same path) one file's blob."""
    row = {"path": info.path, "size": info.size, "sha256": info.sha256, "created_at": now}
    upsert(conn, mlflow_artifacts, [row], ("path",))


def get(conn: Connection, path: str) -> FileInfo | None:
    row = conn.execute(select(_a.path, _a.size, _a.sha256).where(_a.path == path)).one_or_none()
    return None if row is None else FileInfo(row[0], row[1], row[2])


def under(conn: Connection, prefix: str, limit: int) -> list[FileInfo]:
    """Files whose path starts with ``prefix`` + '/' (every file for an empty prefix), in
    byte order: one index range, as '0' is the byte after '/'."""
    stmt = select(_a.path, _a.size, _a.sha256).order_by(_a.path).limit(limit)
    if prefix:
        stmt = stmt.where(_a.path >= prefix + "/", _a.path < prefix + "0")
    return [FileInfo(p, s, h) for p, s, h in conn.execute(stmt)]
