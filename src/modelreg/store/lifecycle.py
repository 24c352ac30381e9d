"""Stages, aliases (with history), lineage links and exclusive tag keys."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, and_, delete, func, insert, select, update
from uuid_utils.compat import uuid7

from modelreg.domain.entities import (
    JSON,
    LINK_KINDS,
    Alias,
    AliasMove,
    Lineage,
    Stage,
    Transition,
    VersionStatus,
)
from modelreg.errors import ModelNotFound
from modelreg.store.common import upsert
from modelreg.store.schema import (
    alias_history,
    aliases,
    exclusive_tag_keys,
    models,
    stage_transitions,
    version_links,
    version_tags,
    versions,
)


def lock_model(conn: Connection, model_id: UUID) -> None:
    """Serialise lifecycle changes of one model (PostgreSQL row lock; SQLite's writer lock
    already serialises every write transaction). A model deleted since the caller resolved
    it (READ COMMITTED) is NOT_FOUND here, not a foreign-key error on a later insert."""
    found = conn.execute(
        select(models.c.id).where(models.c.id == model_id).with_for_update()
    ).scalar()
    if found is None:
        raise ModelNotFound(f"model {model_id} not found", {"model": str(model_id)})


# --- stages ---------------------------------------------------------------------------------


def stage_of(conn: Connection, version_id: UUID) -> Stage:
    return Stage(
        conn.execute(select(versions.c.stage).where(versions.c.id == version_id)).scalar_one()
    )


def versions_in_stage(conn: Connection, model_id: UUID, stage: Stage, exclude: UUID) -> list[UUID]:
    v = versions.c
    rows = conn.execute(
        select(v.id).where(v.model_id == model_id, v.stage == stage.value, v.id != exclude)
    )
    return [r[0] for r in rows]


def move_stage(
    conn: Connection,
    version_id: UUID,
    from_stage: Stage,
    to_stage: Stage,
    actor: str,
    at: datetime,
    comment: str | None,
) -> None:
    conn.execute(
        update(versions)
        .where(versions.c.id == version_id)
        .values(stage=to_stage.value, last_transition_at=at, updated_at=at)
    )
    conn.execute(
        insert(stage_transitions).values(
            id=uuid7(),
            version_id=version_id,
            from_stage=from_stage.value,
            to_stage=to_stage.value,
            actor=actor,
            at=at,
            comment=comment,
        )
    )


def transitions(conn: Connection, version_id: UUID) -> list[Transition]:
    t = stage_transitions.c
    rows = conn.execute(
        select(t.from_stage, t.to_stage, t.actor, t.at, t.comment)
        .where(t.version_id == version_id)
        .order_by(t.at, t.id)
    )
    return [Transition(Stage(a), Stage(b), actor, at, c) for a, b, actor, at, c in rows]


# --- aliases --------------------------------------------------------------------------------


def get_alias(conn: Connection, model_id: UUID, alias: str) -> tuple[UUID, int, bool] | None:
    """(version id, version number, protected) of an alias, or None."""
    row = conn.execute(
        select(aliases.c.version_id, versions.c.number, aliases.c.protected)
        .join(versions, versions.c.id == aliases.c.version_id)
        .where(aliases.c.model_id == model_id, aliases.c.alias == alias)
    ).one_or_none()
    return None if row is None else (row[0], row[1], row[2])


def put_alias(
    conn: Connection, model_id: UUID, alias: str, version_id: UUID, protected: bool
) -> None:
    upsert(
        conn,
        aliases,
        [{"model_id": model_id, "alias": alias, "version_id": version_id, "protected": protected}],
        ("model_id", "alias"),
    )


def drop_alias(conn: Connection, model_id: UUID, alias: str) -> None:
    conn.execute(delete(aliases).where(aliases.c.model_id == model_id, aliases.c.alias == alias))


def record_alias_move(
    conn: Connection,
    model_id: UUID,
    alias: str,
    from_version: int | None,
    to_version: int | None,
    actor: str,
    at: datetime,
) -> None:
    conn.execute(
        insert(alias_history).values(
            id=uuid7(),
            model_id=model_id,
            alias=alias,
            from_version=from_version,
            to_version=to_version,
            actor=actor,
            at=at,
        )
    )


def model_aliases(conn: Connection, model_ids: Sequence[UUID]) -> dict[UUID, list[Alias]]:
    out: dict[UUID, list[Alias]] = {m: [] for m in model_ids}
    if not model_ids:
        return out
    rows = conn.execute(
        select(aliases.c.model_id, aliases.c.alias, versions.c.number, aliases.c.protected)
        .join(versions, versions.c.id == aliases.c.version_id)
        .where(aliases.c.model_id.in_(model_ids))
        .order_by(aliases.c.model_id, aliases.c.alias)
    )
    for model_id, alias, number, protected in rows:
        out[model_id].append(Alias(alias, number, protected))
    return out


def version_aliases(conn: Connection, version_ids: Sequence[UUID]) -> dict[UUID, list[str]]:
    out: dict[UUID, list[str]] = {v: [] for v in version_ids}
    if not version_ids:
        return out
    rows = conn.execute(
        select(aliases.c.version_id, aliases.c.alias)
        .where(aliases.c.version_id.in_(version_ids))
        .order_by(aliases.c.version_id, aliases.c.alias)
    )
    for version_id, alias in rows:
        out[version_id].append(alias)
    return out


def alias_moves(conn: Connection, model_id: UUID, alias: str) -> list[AliasMove]:
    h = alias_history.c
    rows = conn.execute(
        select(h.alias, h.from_version, h.to_version, h.actor, h.at)
        .where(h.model_id == model_id, h.alias == alias)
        .order_by(h.at, h.id)
    )
    return [AliasMove(*r) for r in rows]


def alias_number_at(conn: Connection, model_id: UUID, alias: str, at: datetime) -> int | None:
    """The version number the alias pointed at, at time ``at`` (None: it did not exist)."""
    h = alias_history.c
    row = conn.execute(
        select(h.to_version)
        .where(h.model_id == model_id, h.alias == alias, h.at <= at)
        .order_by(h.at.desc(), h.id.desc())
        .limit(1)
    ).one_or_none()
    return None if row is None else row[0]


def latest_ready_number(conn: Connection, model_id: UUID) -> int | None:
    number: int | None = conn.execute(
        select(func.max(versions.c.number)).where(
            versions.c.model_id == model_id, versions.c.status == VersionStatus.READY.value
        )
    ).scalar()
    return number


def latest_by_stage(conn: Connection, model_ids: Sequence[UUID]) -> list[UUID]:
    """The highest-numbered version of each stage of each model (MLflow's "latest
    versions"): one grouped query on the (model, stage) index, then the ids."""
    if not model_ids:
        return []
    v = versions.c
    top = (
        select(v.model_id, v.stage, func.max(v.number).label("number"))
        .where(v.model_id.in_(model_ids))
        .group_by(v.model_id, v.stage)
        .subquery()
    )
    rows = conn.execute(
        select(v.id)
        .join(top, (v.model_id == top.c.model_id) & (v.number == top.c.number))
        .order_by(v.model_id, v.number)
    )
    return [r[0] for r in rows]


# --- lineage --------------------------------------------------------------------------------


def replace_links(conn: Connection, version_id: UUID, lineage: Lineage) -> None:
    conn.execute(delete(version_links).where(version_links.c.version_id == version_id))
    rows = [
        {"version_id": version_id, "kind": kind, "target": target}
        for kind, target in dict.fromkeys(lineage.links())
    ]
    if rows:
        conn.execute(insert(version_links), rows)


def lineage_columns(lineage: Lineage) -> dict[str, Any]:
    return {
        "logged_model_id": lineage.logged_model_id,
        "experiment_id": lineage.experiment_id,
        "promoted_from": lineage.promoted_from,
        "deployment_job_state": lineage.deployment_job_state,
    }


def lineage_of(
    logged_model_id: str | None,
    experiment_id: str | None,
    promoted_from: UUID | None,
    deployment_job_state: JSON | None,
    links: dict[str, list[str]],
) -> Lineage:
    """A version's lineage from its columns and its links grouped by kind."""
    if not links:  # the common case: no links, five empty tuples
        return Lineage(logged_model_id, experiment_id, promoted_from=promoted_from,
                       deployment_job_state=deployment_job_state)  # fmt: skip
    return Lineage(
        logged_model_id=logged_model_id,
        experiment_id=experiment_id,
        promoted_from=promoted_from,
        deployment_job_state=deployment_job_state,
        **{kind: tuple(links.get(kind, ())) for kind in LINK_KINDS},
    )


def promoted_from(conn: Connection, version_id: UUID) -> UUID | None:
    parent: UUID | None = conn.execute(
        select(versions.c.promoted_from).where(versions.c.id == version_id)
    ).scalar()
    return parent


def promoted_children(conn: Connection, version_ids: Sequence[UUID]) -> list[UUID]:
    rows = conn.execute(
        select(versions.c.id)
        .where(versions.c.promoted_from.in_(version_ids))
        .order_by(versions.c.id)
    )
    return [r[0] for r in rows]


# --- exclusive tags -------------------------------------------------------------------------


def exclusive_keys(conn: Connection, model_id: UUID, keys: Sequence[str]) -> set[str]:
    if not keys:
        return set()
    e = exclusive_tag_keys.c
    rows = conn.execute(select(e.key).where(e.model_id == model_id, e.key.in_(keys)))
    return {r[0] for r in rows}


def mark_exclusive(conn: Connection, model_id: UUID, key: str, exclusive: bool) -> None:
    e = exclusive_tag_keys.c
    conn.execute(delete(exclusive_tag_keys).where(e.model_id == model_id, e.key == key))
    if exclusive:
        conn.execute(insert(exclusive_tag_keys).values(model_id=model_id, key=key))


def clear_tag_elsewhere(conn: Connection, model_id: UUID, key: str, keep: UUID) -> None:
    """Remove ``key`` from every other version of the model (an exclusive tag moved)."""
    others = select(versions.c.id).where(versions.c.model_id == model_id, versions.c.id != keep)
    conn.execute(
        delete(version_tags).where(
            and_(version_tags.c.key == key, version_tags.c.version_id.in_(others))
        )
    )
