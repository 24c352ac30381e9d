"""Registered-model queries."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, Row, Select, and_, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from uuid_utils.compat import uuid7

from modelreg.domain.entities import (
    CARD_FIELDS,
    Model,
    ModelCard,
    ModelFilter,
    ModelPatch,
    NewModel,
    Unset,
    Workspace,
)
from modelreg.errors import AlreadyExists, ModelNotFound
from modelreg.query.paging import PageRequest, SortKey
from modelreg.store import common, lifecycle
from modelreg.store.common import has_kv, load_kv, merge_kv
from modelreg.store.paging import Slice, paginate
from modelreg.store.schema import model_tags, models, versions, workspaces

workspace_name = workspaces.c.name
SORT_KEYS = ("name", "created", "updated")
_SORT_COLUMNS = {
    "name": models.c.name,
    "created": models.c.created_at,
    "updated": models.c.updated_at,
}


def base_query() -> Select[Any]:
    return select(models, workspaces.c.name.label("workspace")).join(
        workspaces, workspaces.c.id == models.c.workspace_id
    )


def load_models(conn: Connection, rows: Sequence[Row[Any]]) -> list[Model]:
    """Turn model rows into Models with tags and version aggregates: two queries per page."""
    ids = [r.id for r in rows]
    tags = load_kv(conn, model_tags, ids)
    alias_lists = lifecycle.model_aliases(conn, ids)
    aggregates: dict[UUID, tuple[int, UUID, int]] = {}
    if ids:
        agg = (
            select(
                versions.c.model_id,
                func.max(versions.c.number).label("latest"),
                func.count().label("n"),
            )
            .where(versions.c.model_id.in_(ids))
            .group_by(versions.c.model_id)
            .subquery()
        )
        latest = conn.execute(
            select(agg.c.model_id, agg.c.latest, versions.c.id, agg.c.n).join(
                versions,
                and_(versions.c.model_id == agg.c.model_id, versions.c.number == agg.c.latest),
            )
        )
        aggregates = {m: (n, vid, count) for m, n, vid, count in latest}
    out = []
    for r in rows:
        number, vid, count = aggregates.get(r.id, (None, None, 0))
        out.append(
            Model(
                id=r.id,
                workspace_id=r.workspace_id,
                workspace=r.workspace,
                name=r.name,
                description=r.description,
                card=ModelCard(*(getattr(r, f"card_{f}") for f in CARD_FIELDS)),
                tags=tags[r.id],
                aliases=alias_lists[r.id],
                latest_version=number,
                latest_version_id=vid,
                version_count=count,
                created_by=r.created_by,
                created_at=r.created_at,
                updated_at=r.updated_at,
            )
        )
    return out


def create(conn: Connection, ws: Workspace, new: NewModel, who: str, now: datetime) -> UUID:
    model_id = uuid7()
    values: dict[str, Any] = {f"card_{f}": getattr(new.card, f) for f in CARD_FIELDS}
    common.insert_unique(
        conn,
        insert(models).values(
            id=model_id,
            workspace_id=ws.id,
            name=new.name,
            description=new.description,
            created_by=who,
            created_at=now,
            updated_at=now,
            last_number=0,
            **values,
        ),
        AlreadyExists(
            f"model {new.name!r} already exists in workspace {ws.name!r}",
            {"workspace": ws.name, "model": new.name},
        ),
    )
    merge_kv(conn, model_tags, "model_id", model_id, dict(new.tags))
    return model_id


def resolve_id(conn: Connection, ws: Workspace, name_or_id: str) -> UUID:
    """The id of a model in ``ws`` given its id (tried first when it parses as one) or name."""
    try:
        as_id: UUID | None = UUID(name_or_id)
    except ValueError:
        as_id = None
    cond = models.c.name == name_or_id
    if as_id is not None:
        found = conn.execute(
            select(models.c.id).where(models.c.workspace_id == ws.id, models.c.id == as_id)
        ).scalar()
        if found is not None:
            return as_id
    found = conn.execute(select(models.c.id).where(models.c.workspace_id == ws.id, cond)).scalar()
    if found is None:
        raise ModelNotFound(
            f"model {name_or_id!r} not found in workspace {ws.name!r}",
            {"workspace": ws.name, "model": name_or_id},
        )
    return found  # type: ignore[no-any-return]


def get(conn: Connection, model_id: UUID) -> Model:
    row = conn.execute(base_query().where(models.c.id == model_id)).one_or_none()
    if row is None:
        raise ModelNotFound(f"model {model_id} not found", {"model": str(model_id)})
    return load_models(conn, [row])[0]


def list_page(
    conn: Connection, ws: Workspace, filt: ModelFilter, sort: SortKey, req: PageRequest
) -> tuple[list[Model], Slice]:
    stmt = base_query().where(models.c.workspace_id == ws.id)
    if filt.name_contains is not None:
        stmt = stmt.where(models.c.name.icontains(filt.name_contains, autoescape=True))
    for key, value in filt.tags:
        stmt = stmt.where(has_kv(model_tags, models.c.id, key, value))
    if filt.created_after is not None:
        stmt = stmt.where(models.c.created_at > filt.created_after)
    if filt.created_before is not None:
        stmt = stmt.where(models.c.created_at < filt.created_before)
    order = [(_SORT_COLUMNS[sort.name], sort.descending), (models.c.id, sort.descending)]
    sl = paginate(conn, stmt, order, req)
    return load_models(conn, sl.rows), sl


def update_fields(
    conn: Connection, model_id: UUID, patch: ModelPatch, ws: Workspace, now: datetime
) -> None:
    """Apply a patch. The UPDATE comes first so that its row lock orders concurrent patches."""
    values: dict[str, Any] = {"updated_at": now}
    if not isinstance(patch.name, Unset):
        values["name"] = patch.name
    if not isinstance(patch.description, Unset):
        values["description"] = patch.description
    for f, v in patch.card.items():
        values[f"card_{f}"] = v
    try:
        with conn.begin_nested():
            changed = conn.execute(update(models).where(models.c.id == model_id).values(**values))
    except IntegrityError:
        raise AlreadyExists(
            f"model {patch.name!r} already exists in workspace {ws.name!r}",
            {"workspace": ws.name, "model": patch.name},
        ) from None
    if changed.rowcount == 0:  # deleted since it was resolved
        raise ModelNotFound(f"model {model_id} not found", {"model": str(model_id)})
    if not isinstance(patch.name, Unset):
        # Versions carry a copy of the name as their search sort key (schema.versions).
        conn.execute(
            update(versions).where(versions.c.model_id == model_id).values(model_name=patch.name)
        )
    merge_kv(conn, model_tags, "model_id", model_id, patch.tags)


def delete(conn: Connection, model_id: UUID) -> None:
    """Delete a model; its tags, versions and their children go by ON DELETE CASCADE."""
    conn.execute(models.delete().where(models.c.id == model_id))


def next_number(conn: Connection, model_id: UUID, now: datetime) -> int:
    """Hand out the model's next version number (see common.next_number)."""
    number = common.next_number(conn, models, model_id, now)
    if number is None:  # deleted since it was resolved
        raise ModelNotFound(f"model {model_id} not found", {"model": str(model_id)})
    return number


def touch(conn: Connection, model_id: UUID, now: datetime) -> None:
    conn.execute(update(models).where(models.c.id == model_id).values(updated_at=now))
