"""Model-version queries."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import (
    Connection,
    Row,
    Select,
    String,
    bindparam,
    func,
    insert,
    literal,
    select,
    type_coerce,
    union_all,
    update,
)
from uuid_utils.compat import uuid7

from modelreg.domain.entities import (
    Metric,
    NewVersion,
    Stage,
    Unset,
    Version,
    VersionFilter,
    VersionPatch,
    VersionStatus,
)
from modelreg.errors import VersionNotFound
from modelreg.query.paging import PageRequest, SortKey
from modelreg.store import files, lifecycle
from modelreg.store.common import has_kv, merge_kv, upsert
from modelreg.store.filters import VersionTarget
from modelreg.store.paging import Slice, paginate
from modelreg.store.schema import (
    aliases,
    models,
    version_links,
    version_metrics,
    version_params,
    version_tags,
    versions,
    workspaces,
)

workspace_name = workspaces.c.name
SORT_KEYS = ("number", "name", "created", "updated")
_SORT_COLUMNS = {
    "number": versions.c.number,
    # Display names are optional; '' keeps NULLs out of the row-value comparison.
    "name": func.coalesce(versions.c.name, ""),
    "created": versions.c.created_at,
    "updated": versions.c.updated_at,
}
_METRIC_KEY = ("version_id", "key", "step", "timestamp")
# What a Version is built from; workspace_id (the name comes from the join) is left out:
# every column converted per row counts on a page of 100.
_FULL = [c for c in versions.c if c.name not in ("workspace_id", "declared_files")]
_LIGHT = [c for c in _FULL if c.name not in ("signature", "config")]


def base_query(hydrate: bool) -> Select[Any]:
    cols = _FULL if hydrate else _LIGHT
    return (
        # model_name is the version's copy of its model's name; the join stays for filters
        # on model fields (card.*).
        select(*cols, workspaces.c.name.label("workspace"))
        .join(models, models.c.id == versions.c.model_id)
        .join(workspaces, workspaces.c.id == versions.c.workspace_id)
    )


def _children_query(hydrate: bool) -> Select[Any]:
    """Tags, (params,) aliases and lineage links of the versions in :ids, as one UNION ALL.

    Built once per shape: constructing the statement costs more than running it for a page.
    ``version_id`` comes back raw (hex text on SQLite, a UUID on PostgreSQL), skipping a
    UUID conversion per child row; see _owner_lookup.
    """
    ids: Any = bindparam("ids", expanding=True)
    t, p, a, ln = version_tags.c, version_params.c, aliases.c, version_links.c

    def raw(col: Any) -> Any:
        return type_coerce(col, String).label("version_id")

    parts = [
        select(literal("t").label("src"), raw(t.version_id), t.key, t.value).where(
            t.version_id.in_(ids)
        ),
        select(literal("a"), raw(a.version_id), a.alias, literal("")).where(a.version_id.in_(ids)),
        select(literal("l"), raw(ln.version_id), ln.kind, ln.target).where(ln.version_id.in_(ids)),
    ]
    if hydrate:
        parts.append(
            select(literal("p"), raw(p.version_id), p.key, p.value).where(p.version_id.in_(ids))
        )
    union = union_all(*parts).subquery()
    return select(union).order_by(*union.c)


_CHILDREN = {True: _children_query(True), False: _children_query(False)}
_METRICS = (
    select(
        type_coerce(version_metrics.c.version_id, String),
        version_metrics.c.key,
        version_metrics.c.value,
        version_metrics.c.step,
        version_metrics.c.timestamp,
    )
    .where(version_metrics.c.version_id.in_(bindparam("ids", expanding=True)))
    .order_by(
        version_metrics.c.version_id,
        version_metrics.c.key,
        version_metrics.c.step,
        version_metrics.c.timestamp,
    )
)


def _owner_lookup(ids: Sequence[UUID]) -> dict[Any, UUID]:
    """Maps a raw version_id as either dialect returns it back to the UUID."""
    out: dict[Any, UUID] = {}
    for i in ids:
        out[i] = i
        out[i.hex] = i
    return out


def _load_metrics(
    conn: Connection, ids: Sequence[UUID], owner: dict[Any, UUID]
) -> dict[UUID, list[Metric]]:
    out: dict[UUID, list[Metric]] = {i: [] for i in ids}
    for vid, key, value, step, ts in conn.execute(_METRICS, {"ids": list(ids)}).all():
        out[owner[vid]].append(Metric(key, value, step, ts))
    return out


def _load_children(
    conn: Connection, ids: Sequence[UUID], owner: dict[Any, UUID], hydrate: bool
) -> tuple[
    dict[UUID, dict[str, str]],
    dict[UUID, dict[str, str]],
    dict[UUID, list[str]],
    dict[UUID, dict[str, list[str]]],
]:
    """Tags, params, aliases and lineage links of a page in ONE round trip: per-query
    overhead, not rows, dominates a page of 100."""
    tags: dict[UUID, dict[str, str]] = {i: {} for i in ids}
    params: dict[UUID, dict[str, str]] = {i: {} for i in ids}
    alias_names: dict[UUID, list[str]] = {i: [] for i in ids}
    links: dict[UUID, dict[str, list[str]]] = {i: {} for i in ids}
    if not ids:
        return tags, params, alias_names, links
    rows = conn.execute(_CHILDREN[hydrate], {"ids": list(ids)}).all()
    for src, raw_id, key, value in rows:
        version_id = owner[raw_id]
        if src == "t":
            tags[version_id][key] = value
        elif src == "p":
            params[version_id][key] = value
        elif src == "a":
            alias_names[version_id].append(key)
        else:
            links[version_id].setdefault(key, []).append(value)
    return tags, params, alias_names, links


def load_versions(conn: Connection, rows: Sequence[Row[Any]], hydrate: bool) -> list[Version]:
    """Rows to Versions, loading children for the whole page at once (no N+1)."""
    ids = [r.id for r in rows]
    owner = _owner_lookup(ids)
    tags, params, alias_names, links = _load_children(conn, ids, owner, hydrate)
    metrics = _load_metrics(conn, ids, owner) if hydrate and ids else {}
    return [
        Version(
            id=r.id,
            model_id=r.model_id,
            model_name=r.model_name,
            workspace=r.workspace,
            number=r.number,
            name=r.name,
            description=r.description,
            source=r.source,
            run_id=r.run_id,
            run_link=r.run_link,
            status=VersionStatus(r.status),
            status_message=r.status_message,
            created_by=r.created_by,
            created_at=r.created_at,
            updated_at=r.updated_at,
            tags=tags[r.id],
            requirements=r.requirements,
            stage=Stage(r.stage),
            last_transition_at=r.last_transition_at,
            aliases=alias_names[r.id],
            lineage=lifecycle.lineage_from_row(r, links[r.id]),
            hydrated=hydrate,
            metrics=metrics.get(r.id, []),
            params=params.get(r.id, {}),
            signature=r.signature if hydrate else None,
            config=r.config if hydrate else None,
        )
        for r in rows
    ]


def _metric_rows(version_id: UUID, metrics: Iterable[Metric]) -> list[dict[str, Any]]:
    # A repeated (key, step, timestamp) in one request keeps its last value: one statement
    # may not touch the same row twice.
    rows = {
        (m.key, m.step, m.timestamp): {
            "version_id": version_id,
            "key": m.key,
            "step": m.step,
            "timestamp": m.timestamp,
            "value": m.value,
        }
        for m in metrics
    }
    return list(rows.values())


def insert_version(
    conn: Connection,
    model_id: UUID,
    workspace_id: UUID,
    number: int,
    new: NewVersion,
    who: str,
    now: datetime,
) -> UUID:
    version_id = uuid7()
    conn.execute(
        insert(versions).values(
            id=version_id,
            model_id=model_id,
            workspace_id=workspace_id,
            # The search sort key, copied in the same statement (see schema.versions).
            model_name=select(models.c.name).where(models.c.id == model_id).scalar_subquery(),
            number=number,
            name=new.name,
            description=new.description,
            source=new.source,
            run_id=new.run_id,
            run_link=new.run_link,
            status=new.status.value,
            status_message=new.status_message,
            created_by=who,
            created_at=now,
            updated_at=now,
            signature=new.signature,
            requirements=new.requirements,
            config=new.config,
            **lifecycle.lineage_columns(new.lineage),
            declared_files=files.declared_rows(new.files),
        )
    )
    lifecycle.replace_links(conn, version_id, new.lineage)
    merge_kv(conn, version_tags, "version_id", version_id, dict(new.tags))
    merge_kv(conn, version_params, "version_id", version_id, dict(new.params))
    upsert(conn, version_metrics, _metric_rows(version_id, new.metrics), _METRIC_KEY)
    return version_id


def get_by_id(conn: Connection, version_id: UUID) -> Version:
    row = conn.execute(base_query(True).where(versions.c.id == version_id)).one_or_none()
    if row is None:
        raise VersionNotFound(
            f"model version {version_id} not found", {"version_id": str(version_id)}
        )
    return load_versions(conn, [row], True)[0]


def get_many(conn: Connection, version_ids: Sequence[UUID]) -> list[Version]:
    """Versions by id, in the order given (missing ones are left out)."""
    if not version_ids:
        return []
    rows = conn.execute(base_query(True).where(versions.c.id.in_(version_ids))).all()
    found = {v.id: v for v in load_versions(conn, rows, True)}
    return [found[i] for i in version_ids if i in found]


def resolve_id(
    conn: Connection, model_id: UUID, number: int, model_name: str, lock: bool = False
) -> UUID:
    """The version's id; ``lock`` also takes the row lock an UPDATE would (PostgreSQL), so
    that it cannot be deleted before the caller writes to it."""
    stmt = select(versions.c.id).where(versions.c.model_id == model_id, versions.c.number == number)
    if lock:
        stmt = stmt.with_for_update(key_share=True)
    found = conn.execute(stmt).scalar()
    if found is None:
        raise VersionNotFound(
            f"version {number} of model {model_name!r} not found",
            {"model": model_name, "version": number},
        )
    return found  # type: ignore[no-any-return]


def list_page(
    conn: Connection,
    model_id: UUID,
    filt: VersionFilter,
    sort: SortKey,
    req: PageRequest,
    hydrate: bool,
) -> tuple[list[Version], Slice]:
    v = versions.c
    stmt = base_query(hydrate).where(v.model_id == model_id)
    if filt.number is not None:
        stmt = stmt.where(v.number == filt.number)
    if filt.status is not None:
        stmt = stmt.where(v.status == filt.status.value)
    if filt.name_contains is not None:
        stmt = stmt.where(v.name.icontains(filt.name_contains, autoescape=True))
    if filt.run_id is not None:
        stmt = stmt.where(v.run_id == filt.run_id)
    for key, value in filt.tags:
        stmt = stmt.where(has_kv(version_tags, v.id, key, value))
    if filt.expression is not None:
        stmt = stmt.where(VersionTarget(conn.dialect.name).compile(filt.expression))
    if filt.created_after is not None:
        stmt = stmt.where(v.created_at > filt.created_after)
    if filt.created_before is not None:
        stmt = stmt.where(v.created_at < filt.created_before)
    order = [(_SORT_COLUMNS[sort.name], sort.descending), (v.id, sort.descending)]
    sl = paginate(conn, stmt, order, req)
    return load_versions(conn, sl.rows, hydrate), sl


def update_fields(conn: Connection, version_id: UUID, patch: VersionPatch, now: datetime) -> None:
    """Apply a patch. The UPDATE comes first so that its row lock orders concurrent patches."""
    values: dict[str, Any] = {"updated_at": now}
    for f in ("name", "description", "status_message"):
        value = getattr(patch, f)
        if not isinstance(value, Unset):
            values[f] = value
    if not isinstance(patch.status, Unset):
        values["status"] = patch.status.value
    if not isinstance(patch.lineage, Unset):
        values.update(lifecycle.lineage_columns(patch.lineage))
    conn.execute(update(versions).where(versions.c.id == version_id).values(**values))
    if not isinstance(patch.lineage, Unset):
        lifecycle.replace_links(conn, version_id, patch.lineage)
    merge_kv(conn, version_tags, "version_id", version_id, patch.tags)
    merge_kv(conn, version_params, "version_id", version_id, patch.params)
    upsert(conn, version_metrics, _metric_rows(version_id, patch.metrics), _METRIC_KEY)


def delete(conn: Connection, version_id: UUID) -> None:
    conn.execute(versions.delete().where(versions.c.id == version_id))
