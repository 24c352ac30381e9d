"""Every column that references a blob by its sha256, in ONE place.

Garbage collection deletes a blob only when none of these columns holds its digest. A
feature that stores blob references elsewhere (artifact versions, MLflow artifacts) MUST add
its column here, or gc will collect bytes it still needs. Each column should be indexed.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import Column, Connection, select, union
from sqlalchemy.sql.elements import ColumnElement

from modelreg.store.schema import artifact_version_files, mlflow_artifacts, version_files

BLOB_REFERENCES: tuple[Column[str], ...] = (
    version_files.c.sha256,
    artifact_version_files.c.sha256,
    mlflow_artifacts.c.sha256,
)


def referenced(conn: Connection, digests: Collection[str]) -> set[str]:
    """The subset of ``digests`` that some row still references."""
    if not digests:
        return set()
    wanted = list(digests)
    selects = []
    for col in BLOB_REFERENCES:
        ref: ColumnElement[str] = col
        selects.append(select(ref.label("sha256")).where(ref.in_(wanted)))
    return set(conn.execute(union(*selects)).scalars())
