"""The Alembic history against the schema in code, on an empty PostgreSQL database and an
empty SQLite file: upgrade matches the models exactly, downgrade/upgrade round-trips,
upgrade is idempotent, and the ``default`` workspace is seeded."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, String, create_engine, inspect, pool, select, text
from sqlalchemy.engine import make_url

from modelreg.blobs import LocalBlobStore
from modelreg.domain.entities import ANONYMOUS, Metric, NewModel, NewVersion
from modelreg.services import Services
from modelreg.store.db import Database
from modelreg.store.migrate import alembic_config, upgrade
from modelreg.store.schema import latest_metrics, metadata, workspaces
from tests.databases import PostgresDatabases


@pytest.fixture
def empty_sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'empty.db'}"


@pytest.fixture
def empty_pg_url(pg_dbs: PostgresDatabases) -> Iterator[str]:
    """A brand-new PostgreSQL database, not copied from the migrated template."""
    admin = create_engine(pg_dbs.admin_url, isolation_level="AUTOCOMMIT", poolclass=pool.NullPool)
    name = f"{pg_dbs.prefix}_mig_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield pg_dbs.admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def empty_url(request: pytest.FixtureRequest) -> str:
    """An empty database on each dialect."""
    url: str = request.getfixturevalue(
        "empty_sqlite_url" if request.param == "sqlite" else "empty_pg_url"
    )
    return url


def _diff(url: str) -> list[Any]:
    """What autogenerate would change to make the database match ``metadata``."""
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True})
            return list(compare_metadata(ctx, metadata))
    finally:
        engine.dispose()


def _snapshot(url: str) -> dict[str, Any]:
    """Tables, columns, indexes, constraints, the revision and the workspaces in a database."""
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            insp = inspect(conn)
            tables: dict[str, Any] = {}
            for t in sorted(insp.get_table_names()):
                tables[t] = {
                    "columns": [
                        (c["name"], str(c["type"]), c["nullable"]) for c in insp.get_columns(t)
                    ],
                    "pk": insp.get_pk_constraint(t),
                    "fks": sorted(repr(fk) for fk in insp.get_foreign_keys(t)),
                    "indexes": sorted(repr(i) for i in insp.get_indexes(t)),
                    "uniques": sorted(repr(u) for u in insp.get_unique_constraints(t)),
                }
            revision = MigrationContext.configure(conn).get_current_revision()
            rows = []
            if "workspaces" in tables:
                rows = [tuple(r) for r in conn.execute(select(workspaces)).all()]
        return {"tables": tables, "revision": revision, "workspaces": rows}
    finally:
        engine.dispose()


def _head(url: str) -> str:
    heads = ScriptDirectory.from_config(alembic_config(url)).get_heads()
    assert len(heads) == 1, heads
    return heads[0]


def test_migration_history_has_a_single_head() -> None:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1, script.get_heads()
    assert len(script.get_bases()) == 1, script.get_bases()
    # A linear history: walking down from the head reaches every revision once.
    revisions = list(script.walk_revisions())
    assert len({r.revision for r in revisions}) == len(revisions)


def test_upgrade_head_on_empty_database_matches_the_models(empty_url: str) -> None:
    assert _snapshot(empty_url)["tables"] == {}
    upgrade(empty_url)
    assert _diff(empty_url) == []
    snap = _snapshot(empty_url)
    assert snap["revision"] == _head(empty_url)
    assert set(snap["tables"]) == {*metadata.tables, "alembic_version"}


def test_upgrade_seeds_the_default_workspace(empty_url: str) -> None:
    upgrade(empty_url)
    rows = _snapshot(empty_url)["workspaces"]
    assert [r[1] for r in rows] == ["default"]
    ws_id, _, _, created_at = rows[0]
    assert isinstance(ws_id, uuid.UUID)
    assert created_at is not None


def test_upgrade_twice_is_a_no_op(empty_url: str) -> None:
    upgrade(empty_url)
    before = _snapshot(empty_url)
    upgrade(empty_url)
    assert _snapshot(empty_url) == before
    assert _diff(empty_url) == []


def test_downgrade_to_base_and_upgrade_again(empty_url: str) -> None:
    upgrade(empty_url)
    command.downgrade(alembic_config(empty_url), "base")
    down = _snapshot(empty_url)
    # Only Alembic's own bookkeeping table may remain, and it records no revision.
    assert set(down["tables"]) <= {"alembic_version"}
    assert down["revision"] is None

    upgrade(empty_url)
    assert _diff(empty_url) == []
    up = _snapshot(empty_url)
    assert up["revision"] == _head(empty_url)
    assert [r[1] for r in up["workspaces"]] == ["default"]


def test_upgrade_creates_the_sqlite_folder(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'a' / 'b' / 'modelreg.db'}"
    upgrade(url)
    assert Path(make_url(url).database or "").is_file()
    assert _diff(url) == []


def test_comparison_detects_drift(empty_url: str) -> None:
    """The comparison above is not vacuous: it sees a missing index, an extra column and a
    changed type."""
    upgrade(empty_url)
    engine = create_engine(empty_url, poolclass=pool.NullPool)
    with engine.begin() as conn:
        conn.execute(text("DROP INDEX ix_model_versions_run_id"))
        conn.execute(text("ALTER TABLE meta ADD COLUMN extra INTEGER"))
    engine.dispose()
    changed = MetaData(naming_convention=metadata.naming_convention)
    for table in metadata.sorted_tables:
        table.to_metadata(changed)
    changed.tables["workspaces"].c.name.type = String(40)

    engine = create_engine(empty_url, poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(ctx, changed)
    finally:
        engine.dispose()
    # Column changes come grouped in lists; other entries are (kind, object, ...) tuples.
    flat = [d for entry in diff for d in (entry if isinstance(entry, list) else [entry])]
    kinds = {(d[0], d[3] if d[0] == "modify_type" else d[-1].name) for d in flat}
    assert ("add_index", "ix_model_versions_run_id") in kinds, diff
    assert ("remove_column", "extra") in kinds, diff
    assert ("modify_type", "name") in kinds, diff


def test_latest_metrics_backfill_takes_each_versions_latest_point(
    empty_url: str, tmp_path: Path
) -> None:
    """Migration 0012 fills version_latest_metrics from the metrics already logged."""
    upgrade(empty_url)
    svc = Services(Database(empty_url, pool_size=1), blobs=LocalBlobStore(tmp_path / "b"))
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    try:
        svc.models.create(ANONYMOUS, "default", NewModel("bf"))
        points = [
            Metric("auc", 0.1, 5, t0),
            Metric("auc", 0.2, 5, t0 + timedelta(seconds=1)),  # same step, later: latest
            Metric("auc", 0.9, 4, t0 + timedelta(days=1)),  # lower step: history
            Metric("loss", 0.3, 0, t0),
        ]
        v = svc.versions.create(ANONYMOUS, "default", "bf", NewVersion(metrics=points))
        svc.versions.create(ANONYMOUS, "default", "bf", NewVersion())  # no metrics: no rows
    finally:
        svc.db.dispose()
    command.downgrade(alembic_config(empty_url), "0011")
    upgrade(empty_url)
    engine = create_engine(empty_url, poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            lm = latest_metrics.c
            rows = conn.execute(
                select(lm.version_id, lm.key, lm.value, lm.step, lm.model_name, lm.number).order_by(
                    lm.key
                )
            ).all()
    finally:
        engine.dispose()
    assert [tuple(r) for r in rows] == [
        (v.id, "auc", 0.2, 5, "bf", 1),
        (v.id, "loss", 0.3, 0, "bf", 1),
    ]
