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
from modelreg.store.common import has_kv, ids_value, in_ids, merge_kv, upsert
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
from modelreg.store.version_cache import VersionCache

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


def _joined(*cols: Any) -> Select[Any]:
    # model_name is the version's copy of its model's name; the joins stay for filters on
    # model fields (card.*) and the workspace name. Outer joins give the same rows (both
    # keys are NOT NULL foreign keys) but let PostgreSQL and SQLite drop a join whose table
    # the query never reads: on PostgreSQL that halves the planning and running of a
    # search's key query (2.3 -> 1.2 ms for tags + metrics on 1,000,000 versions).
    return (
        select(*cols)
        .outerjoin(models, models.c.id == versions.c.model_id)
        .outerjoin(workspaces, workspaces.c.id == versions.c.workspace_id)
    )


def base_query(hydrate: bool) -> Select[Any]:
    return _joined(*(_FULL if hydrate else _LIGHT), workspaces.c.name.label("workspace"))


def key_query() -> Select[Any]:
    """base_query selecting only what a cached page needs: id and revision (see
    load_page). Its rows are narrow, so finding a page costs little beyond the index scan."""
    return _joined(versions.c.id, versions.c.revision)


def _children_query(dialect: str, hydrate: bool) -> Select[Any]:
    """Tags, (params,) aliases and lineage links of the versions in :ids, as one UNION ALL.

    Built once per shape: constructing the statement costs more than running it for a page.
    ``version_id`` comes back raw (hex text on SQLite, a UUID on PostgreSQL), skipping a
    UUID conversion per child row; see _owner_lookup.
    """
    t, p, a, ln = version_tags.c, version_params.c, aliases.c, version_links.c

    def raw(col: Any) -> Any:
        return type_coerce(col, String).label("version_id")

    parts = [
        select(literal("t").label("src"), raw(t.version_id), t.key, t.value).where(
            in_ids(dialect, t.version_id)
        ),
        select(literal("a"), raw(a.version_id), a.alias, literal("")).where(
            in_ids(dialect, a.version_id)
        ),
        select(literal("l"), raw(ln.version_id), ln.kind, ln.target).where(
            in_ids(dialect, ln.version_id)
        ),
    ]
    if hydrate:
        parts.append(
            select(literal("p"), raw(p.version_id), p.key, p.value).where(
                in_ids(dialect, p.version_id)
            )
        )
    union = union_all(*parts).subquery()
    return select(union).order_by(*union.c)


def _metrics_query(dialect: str) -> Select[Any]:
    m = version_metrics.c
    return (
        select(type_coerce(m.version_id, String), m.key, m.value, m.step, m.timestamp)
        .where(in_ids(dialect, m.version_id))
        .order_by(m.version_id, m.key, m.step, m.timestamp)
    )


_DIALECTS = ("sqlite", "postgresql")
_CHILDREN = {(d, h): _children_query(d, h) for d in _DIALECTS for h in (True, False)}
_METRICS = {d: _metrics_query(d) for d in _DIALECTS}
_BY_IDS = {
    (d, h): base_query(h).where(in_ids(d, versions.c.id)) for d in _DIALECTS for h in (True, False)
}


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
    dialect = conn.dialect.name
    param = {"ids": ids_value(dialect, ids)}
    for vid, key, value, step, ts in conn.execute(_METRICS[dialect], param).all():
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
    dialect = conn.dialect.name
    param = {"ids": ids_value(dialect, ids)}
    rows = conn.execute(_CHILDREN[dialect, hydrate], param).all()
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


_STATUS = {s.value: s for s in VersionStatus}
_STAGE = {s.value: s for s in Stage}


def load_versions(conn: Connection, rows: Sequence[Row[Any]], hydrate: bool) -> list[Version]:
    """Rows to Versions, loading children for the whole page at once (no N+1).

    Columns are read by position: a Row's attribute access costs ~0.4 us a name, which is
    ~1 ms on a page of 100 versions of 25 columns; enum values come from dict lookups.
    """
    if not rows:
        return []
    ids = [r.id for r in rows]
    owner = _owner_lookup(ids)
    tags, params, alias_names, links = _load_children(conn, ids, owner, hydrate)
    metrics = _load_metrics(conn, ids, owner) if hydrate else {}
    at = {name: i for i, name in enumerate(rows[0]._fields)}
    (id_, model_id, model_name, workspace, number, name, description, source, run_id,
     run_link, status, status_message, created_by, created_at, updated_at, requirements,
     stage, last_transition_at, logged_model_id, experiment_id, promoted_from,
     deployment_job_state) = (at[c] for c in _ROW_FIELDS)  # fmt: skip
    signature = at.get("signature")
    config = at.get("config")
    out = []
    for r in rows:
        vid = r[id_]
        out.append(
            Version(
                id=vid,
                model_id=r[model_id],
                model_name=r[model_name],
                workspace=r[workspace],
                number=r[number],
                name=r[name],
                description=r[description],
                source=r[source],
                run_id=r[run_id],
                run_link=r[run_link],
                status=_STATUS[r[status]],
                status_message=r[status_message],
                created_by=r[created_by],
                created_at=r[created_at],
                updated_at=r[updated_at],
                tags=tags[vid],
                requirements=r[requirements],
                stage=_STAGE[r[stage]],
                last_transition_at=r[last_transition_at],
                aliases=alias_names[vid],
                lineage=lifecycle.lineage_of(
                    r[logged_model_id],
                    r[experiment_id],
                    r[promoted_from],
                    r[deployment_job_state],
                    links[vid],
                ),
                hydrated=hydrate,
                metrics=metrics.get(vid, []),
                params=params.get(vid, {}),
                signature=r[signature] if hydrate and signature is not None else None,
                config=r[config] if hydrate and config is not None else None,
            )
        )
    return out


def load_page(
    conn: Connection, keys: Sequence[Row[Any]], hydrate: bool, cache: VersionCache | None
) -> list[Version]:
    """The Versions of ``keys`` (rows of key_query: id, revision), in their order: from
    ``cache`` where the revision is unchanged, the others loaded in one batch and cached.

    Pass a cache only inside a read transaction (see store/version_cache.py). A version
    deleted since ``keys`` were read (PostgreSQL reads each statement afresh) is left out.
    """
    if not keys:
        return []
    wanted: list[tuple[UUID, int]] = [(r.id, r.revision) for r in keys]
    found = cache.get_many(wanted, hydrate) if cache is not None else {}
    missing = [version_id for version_id, _ in wanted if version_id not in found]
    if missing:
        dialect = conn.dialect.name
        rows = conn.execute(_BY_IDS[dialect, hydrate], {"ids": ids_value(dialect, missing)}).all()
        loaded = load_versions(conn, rows, hydrate)
        if cache is not None:
            # The revision read with each row, before its children: the data is at least
            # that new, which is what makes the entry safe (version_cache's docstring).
            cache.put_many(((r.revision, v) for r, v in zip(rows, loaded, strict=True)), hydrate)
        found.update((v.id, v) for v in loaded)
    return [found[version_id] for version_id, _ in wanted if version_id in found]


_ROW_FIELDS = (
    "id", "model_id", "model_name", "workspace", "number", "name", "description", "source",
    "run_id", "run_link", "status", "status_message", "created_by", "created_at",
    "updated_at", "requirements", "stage", "last_transition_at", "logged_model_id",
    "experiment_id", "promoted_from", "deployment_job_state",
)  # fmt: skip


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
    cache: VersionCache | None = None,
) -> tuple[list[Version], Slice]:
    v = versions.c
    stmt = key_query().where(v.model_id == model_id)
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
    return load_page(conn, sl.rows, hydrate, cache), sl


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
