"""The artifact-versions view: artifact versions and model versions in one listing.

Each table is filtered on its own (its own indexes), the two id lists are merged with
UNION ALL and sliced newest first; then the page's versions are loaded with a bounded
number of queries per kind, whatever the page size.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    String,
    Table,
    and_,
    exists,
    false,
    func,
    literal_column,
    select,
    tuple_,
    union_all,
)

from modelreg.domain.artifacts import (
    ArtifactType,
    ArtifactVersion,
    ArtifactVersionQuery,
    FileOwner,
    Fqn,
    ViewItem,
)
from modelreg.domain.entities import Version, VersionStatus
from modelreg.query.paging import PageRequest
from modelreg.store import artifacts as artifact_store
from modelreg.store import files
from modelreg.store import versions as version_store
from modelreg.store.common import has_kv
from modelreg.store.paging import Slice, paginate
from modelreg.store.schema import (
    artifact_version_tags,
    artifact_versions,
    artifacts,
    version_tags,
    versions,
    workspaces,
)

_ARTIFACT, _MODEL = "a", "m"


def fqn_query(fqn: Fqn) -> ArtifactVersionQuery:
    """The filters an FQN (with or without a version) stands for."""
    ref = (fqn.ref or "").lower()
    return ArtifactVersionQuery(
        workspace=fqn.workspace,
        types=(fqn.type,),
        name=fqn.name,
        number=int(ref) if ref.isdigit() else None,
        latest=ref == "latest",
    )


def _ws_id(name: str) -> Any:
    return select(workspaces.c.id).where(workspaces.c.name == name).scalar_subquery()


def _is_latest(table: Table, owner: str) -> ColumnElement[bool]:
    """The row is its owner's highest READY number (what ``latest`` resolves to): one
    grouped pass over the table, not a subquery per row."""
    other = table.alias(f"latest_{table.name}")
    latest = (
        select(other.c[owner], func.max(other.c.number))
        .where(other.c.status == VersionStatus.READY.value)
        .group_by(other.c[owner])
    )
    return tuple_(table.c[owner], table.c.number).in_(latest)


def _artifact_conds(q: ArtifactVersionQuery) -> list[ColumnElement[bool]]:
    v, a = artifact_versions.c, artifacts.c
    conds: list[ColumnElement[bool]] = []
    non_model = [t.value for t in q.types if t is not ArtifactType.MODEL]
    if q.types and not non_model:
        return [false()]
    if non_model:
        conds.append(v.type.in_(non_model))
    if q.workspace is not None:
        conds.append(v.workspace_id == _ws_id(q.workspace))
    if q.workspace_id is not None:
        conds.append(v.workspace_id == q.workspace_id)
    if q.readable is not None:
        readable = select(workspaces.c.id).where(workspaces.c.name.in_(sorted(q.readable)))
        conds.append(v.workspace_id.in_(readable.scalar_subquery()))
    if q.artifact_id is not None:
        conds.append(v.artifact_id == q.artifact_id)
    if q.name is not None:
        conds.append(v.artifact_id.in_(select(a.id).where(a.name == q.name).scalar_subquery()))
    if q.number is not None:
        conds.append(v.number == q.number)
    if q.latest:
        conds.append(_is_latest(artifact_versions, "artifact_id"))
    if q.tag is not None:
        t = artifact_version_tags.c
        conds.append(exists(select(1).where(and_(t.version_id == v.id, t.tag == q.tag))))
    if q.run_ids:
        conds.append(v.run_id.in_(q.run_ids))
    if q.run_steps:
        conds.append(v.step.in_(q.run_steps))
    return conds


def _model_conds(q: ArtifactVersionQuery) -> list[ColumnElement[bool]]:
    v = versions.c
    conds: list[ColumnElement[bool]] = []
    if (q.types and ArtifactType.MODEL not in q.types) or q.run_steps:
        return [false()]  # model versions have no step
    if q.workspace is not None:
        conds.append(v.workspace_id == _ws_id(q.workspace))
    if q.workspace_id is not None:
        conds.append(v.workspace_id == q.workspace_id)
    if q.readable is not None:
        readable = select(workspaces.c.id).where(workspaces.c.name.in_(sorted(q.readable)))
        conds.append(v.workspace_id.in_(readable.scalar_subquery()))
    if q.artifact_id is not None:
        conds.append(v.model_id == q.artifact_id)
    if q.name is not None:
        conds.append(v.model_name == q.name)
    if q.number is not None:
        conds.append(v.number == q.number)
    if q.latest:
        conds.append(_is_latest(versions, "model_id"))
    if q.tag is not None:
        key, _, value = q.tag.partition("=")
        conds.append(has_kv(version_tags, v.id, key, value))
    if q.run_ids:
        conds.append(v.run_id.in_(q.run_ids))
    return conds


def _branch(kind: str, table: Any, conds: list[ColumnElement[bool]]) -> Select[Any]:
    return select(
        literal_column(f"'{kind}'", String).label("kind"),
        table.c.id.label("id"),
        table.c.workspace_id.label("workspace_id"),
        table.c.created_at.label("created_at"),
    ).where(*conds)


def page(
    conn: Connection, query: ArtifactVersionQuery, req: PageRequest
) -> tuple[list[ViewItem], Slice]:
    """One page of the view, newest first (then by id), with the total when asked."""
    queries = [query] if query.fqn is None else [query, fqn_query(query.fqn)]
    a_conds = [c for q in queries for c in _artifact_conds(q)]
    m_conds = [c for q in queries for c in _model_conds(q)]
    merged = union_all(
        _branch(_ARTIFACT, artifact_versions, a_conds), _branch(_MODEL, versions, m_conds)
    ).subquery()
    stmt = select(merged.c.kind, merged.c.id, merged.c.workspace_id)
    sl = paginate(conn, stmt, [(merged.c.created_at, True), (merged.c.id, True)], req)
    a_ids: list[UUID] = [r.id for r in sl.rows if r.kind == _ARTIFACT]
    m_ids: list[UUID] = [r.id for r in sl.rows if r.kind == _MODEL]
    found: dict[UUID, Version | ArtifactVersion] = {}
    found.update(artifact_store.get_versions(conn, a_ids))
    found.update({v.id: v for v in version_store.get_many(conn, m_ids)})
    ordered = [found[r.id] for r in sl.rows if r.id in found]
    return items_of(conn, ordered, {r.id: r.workspace_id for r in sl.rows}), sl


def items_of(
    conn: Connection,
    loaded: list[Version | ArtifactVersion],
    workspace_ids: dict[UUID, UUID] | None = None,
) -> list[ViewItem]:
    """View rows of loaded versions: their workspace ids (when not given) and file totals,
    a bounded number of queries however many versions."""
    a_ids = [v.id for v in loaded if isinstance(v, ArtifactVersion)]
    m_ids = [v.id for v in loaded if not isinstance(v, ArtifactVersion)]
    ws_ids = dict(workspace_ids or {})
    for v in loaded:
        if isinstance(v, ArtifactVersion):
            ws_ids[v.id] = v.workspace_id
    missing = [i for i in m_ids if i not in ws_ids]
    if missing:
        rows = conn.execute(
            select(versions.c.id, versions.c.workspace_id).where(versions.c.id.in_(missing))
        )
        ws_ids.update({vid: ws for vid, ws in rows})
    sizes = {
        **files.totals(conn, a_ids, FileOwner.ARTIFACT),
        **files.totals(conn, m_ids, FileOwner.MODEL),
    }
    return [ViewItem(v, ws_ids[v.id], *sizes[v.id]) for v in loaded]
