"""Generic-artifact queries: artifacts, their numbered versions and version tags."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, Row, Select, and_, func, insert, select, update
from uuid_utils.compat import uuid7

from modelreg.domain.artifacts import (
    Artifact,
    ArtifactType,
    ArtifactVersion,
    ArtifactVersionPatch,
    NewArtifact,
    NewArtifactVersion,
    Source,
    SourceType,
    SubjectType,
)
from modelreg.domain.entities import Unset, VersionStatus, Workspace
from modelreg.errors import AlreadyExists, ArtifactNotFound
from modelreg.query.paging import PageRequest
from modelreg.store import common, files
from modelreg.store.paging import Slice, paginate
from modelreg.store.schema import artifact_version_tags, artifact_versions, artifacts, workspaces

_A, _V = artifacts.c, artifact_versions.c


# --- artifacts ------------------------------------------------------------------------------


def _base() -> Select[Any]:
    return select(artifacts, workspaces.c.name.label("workspace")).join(
        workspaces, workspaces.c.id == _A.workspace_id
    )


def _load(conn: Connection, rows: Sequence[Row[Any]]) -> list[Artifact]:
    """Artifacts with their latest number and version count: one aggregate per page."""
    ids = [r.id for r in rows]
    agg: dict[UUID, tuple[int, int]] = {}
    if ids:
        found = conn.execute(
            select(_V.artifact_id, func.max(_V.number), func.count())
            .where(_V.artifact_id.in_(ids))
            .group_by(_V.artifact_id)
        )
        agg = {a: (n, c) for a, n, c in found}
    out = []
    for r in rows:
        latest, count = agg.get(r.id, (None, 0))
        out.append(
            Artifact(
                id=r.id,
                workspace_id=r.workspace_id,
                workspace=r.workspace,
                type=ArtifactType(r.type),
                name=r.name,
                description=r.description,
                latest_version=latest,
                version_count=count,
                created_by=r.created_by,
                created_at=r.created_at,
                updated_at=r.updated_at,
            )
        )
    return out


def create(conn: Connection, ws: Workspace, new: NewArtifact, who: str, now: datetime) -> UUID:
    artifact_id = uuid7()
    common.insert_unique(
        conn,
        insert(artifacts).values(
            id=artifact_id,
            workspace_id=ws.id,
            type=new.type.value,
            name=new.name,
            description=new.description,
            created_by=who,
            created_at=now,
            updated_at=now,
            last_number=0,
        ),
        AlreadyExists(
            f"artifact {new.name!r} already exists in workspace {ws.name!r}",
            {"workspace": ws.name, "artifact": new.name},
        ),
    )
    return artifact_id


def resolve_id(conn: Connection, ws: Workspace, name_or_id: str, lock: bool = False) -> UUID:
    """The id of an artifact of ``ws`` by id (tried first when it parses as one) or name;
    ``lock`` takes its row lock (PostgreSQL) to serialise writes to its versions."""
    conds = [_A.name == name_or_id]
    with contextlib.suppress(ValueError):
        conds.insert(0, _A.id == UUID(name_or_id))
    for cond in conds:
        stmt = select(_A.id).where(_A.workspace_id == ws.id, cond)
        found = conn.execute(stmt.with_for_update() if lock else stmt).scalar()
        if found is not None:
            return found  # type: ignore[no-any-return]
    raise ArtifactNotFound(
        f"artifact {name_or_id!r} not found in workspace {ws.name!r}",
        {"workspace": ws.name, "artifact": name_or_id},
    )


def get(conn: Connection, artifact_id: UUID) -> Artifact:
    row = conn.execute(_base().where(_A.id == artifact_id)).one_or_none()
    if row is None:
        raise ArtifactNotFound(f"artifact {artifact_id} not found", {"artifact": str(artifact_id)})
    return _load(conn, [row])[0]


def list_page(
    conn: Connection, ws: Workspace, kind: ArtifactType | None, req: PageRequest
) -> tuple[list[Artifact], Slice]:
    stmt = _base().where(_A.workspace_id == ws.id)
    if kind is not None:
        stmt = stmt.where(_A.type == kind.value)
    sl = paginate(conn, stmt, [(_A.name, False), (_A.id, False)], req)
    return _load(conn, sl.rows), sl


def delete(conn: Connection, artifact_id: UUID) -> None:
    """Delete an artifact; its versions, their tags and files go by ON DELETE CASCADE."""
    conn.execute(artifacts.delete().where(_A.id == artifact_id))


def lock(conn: Connection, artifact_id: UUID) -> None:
    """Serialise writes to one artifact's versions (as lifecycle.lock_model for models)."""
    found = conn.execute(select(_A.id).where(_A.id == artifact_id).with_for_update()).scalar()
    if found is None:
        raise ArtifactNotFound(f"artifact {artifact_id} not found", {"artifact": str(artifact_id)})


def next_number(conn: Connection, artifact_id: UUID, now: datetime) -> int:
    number = common.next_number(conn, artifacts, artifact_id, now)
    if number is None:  # deleted since it was resolved
        raise ArtifactNotFound(f"artifact {artifact_id} not found", {"artifact": str(artifact_id)})
    return number


# --- versions -------------------------------------------------------------------------------


def version_query() -> Select[Any]:
    """What an ArtifactVersion is built from (with the artifact's and workspace's names)."""
    cols = [c for c in artifact_versions.c if c.name != "declared_files"]
    return (
        select(*cols, _A.name.label("artifact_name"), workspaces.c.name.label("workspace"))
        .join(artifacts, _A.id == _V.artifact_id)
        .join(workspaces, workspaces.c.id == _V.workspace_id)
    )


def load_versions(conn: Connection, rows: Sequence[Row[Any]]) -> list[ArtifactVersion]:
    """Rows to ArtifactVersions; the tags of the whole page in one query (no N+1)."""
    ids = [r.id for r in rows]
    tags: dict[UUID, list[str]] = {i: [] for i in ids}
    if ids:
        t = artifact_version_tags.c
        found = conn.execute(
            select(t.version_id, t.tag).where(t.version_id.in_(ids)).order_by(t.version_id, t.tag)
        )
        for vid, tag in found:
            tags[vid].append(tag)
    return [
        ArtifactVersion(
            id=r.id,
            artifact_id=r.artifact_id,
            workspace_id=r.workspace_id,
            workspace=r.workspace,
            type=ArtifactType(r.type),
            name=r.artifact_name,
            number=r.number,
            description=r.description,
            version_alias=r.version_alias,
            metadata=r.metadata,
            source=Source(SourceType(r.source_type), r.source_uri),
            step=r.step,
            run_id=r.run_id,
            tags=tags[r.id],
            status=VersionStatus(r.status),
            status_message=r.status_message,
            created_by=r.created_by,
            created_by_type=SubjectType(r.created_by_type),
            created_at=r.created_at,
            updated_at=r.updated_at,
        )
        for r in rows
    ]


def insert_version(
    conn: Connection,
    artifact: Artifact,
    number: int,
    new: NewArtifactVersion,
    who: tuple[str, SubjectType],
    now: datetime,
) -> UUID:
    version_id = uuid7()
    conn.execute(
        insert(artifact_versions).values(
            id=version_id,
            artifact_id=artifact.id,
            workspace_id=artifact.workspace_id,
            type=artifact.type.value,
            number=number,
            version_alias=new.version_alias,
            description=new.description,
            metadata=new.metadata,
            source_type=new.source.type.value,
            source_uri=new.source.uri,
            step=new.step,
            run_id=new.run_id,
            status=new.status.value,
            created_by=who[0],
            created_by_type=who[1].value,
            created_at=now,
            updated_at=now,
            declared_files=files.declared_rows(new.files),
        )
    )
    _insert_tags(conn, version_id, new.tags)
    return version_id


def get_version(conn: Connection, version_id: UUID) -> ArtifactVersion:
    row = conn.execute(version_query().where(_V.id == version_id)).one_or_none()
    if row is None:
        raise ArtifactNotFound(
            f"artifact version {version_id} not found", {"version_id": str(version_id)}
        )
    return load_versions(conn, [row])[0]


def get_versions(conn: Connection, version_ids: Sequence[UUID]) -> dict[UUID, ArtifactVersion]:
    if not version_ids:
        return {}
    rows = conn.execute(version_query().where(_V.id.in_(version_ids))).all()
    return {v.id: v for v in load_versions(conn, rows)}


def version_id(conn: Connection, artifact_id: UUID, number: int) -> UUID | None:
    found: UUID | None = conn.execute(
        select(_V.id).where(_V.artifact_id == artifact_id, _V.number == number)
    ).scalar()
    return found


def latest_ready_number(conn: Connection, artifact_id: UUID) -> int | None:
    number: int | None = conn.execute(
        select(func.max(_V.number)).where(
            and_(_V.artifact_id == artifact_id, _V.status == VersionStatus.READY.value)
        )
    ).scalar()
    return number


def list_versions(
    conn: Connection, artifact_id: UUID, req: PageRequest
) -> tuple[list[ArtifactVersion], Slice]:
    stmt = version_query().where(_V.artifact_id == artifact_id)
    sl = paginate(conn, stmt, [(_V.number, True)], req)
    return load_versions(conn, sl.rows), sl


def update_version(
    conn: Connection, version_id: UUID, patch: ArtifactVersionPatch, now: datetime
) -> None:
    values: dict[str, Any] = {"updated_at": now}
    for f in ("description", "version_alias", "metadata", "status_message"):
        value = getattr(patch, f)
        if not isinstance(value, Unset):
            values[f] = value
    if not isinstance(patch.status, Unset):
        values["status"] = patch.status.value
    conn.execute(update(artifact_versions).where(_V.id == version_id).values(**values))
    if not isinstance(patch.tags, Unset):
        t = artifact_version_tags.c
        conn.execute(artifact_version_tags.delete().where(t.version_id == version_id))
        _insert_tags(conn, version_id, patch.tags)


def _insert_tags(conn: Connection, version_id: UUID, tags: Sequence[str]) -> None:
    if tags:
        conn.execute(
            insert(artifact_version_tags),
            [{"version_id": version_id, "tag": t} for t in dict.fromkeys(tags)],
        )


def delete_version(conn: Connection, version_id: UUID) -> None:
    conn.execute(artifact_versions.delete().where(_V.id == version_id))
