"""latest metrics: each version's latest point per metric key, in the search order

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 19:50:00.000000

``version_latest_metrics`` holds, per (version, key), the point with the highest step (then
the latest timestamp), beside copies of the version's workspace, model name and number, and
``ix_version_latest_metrics_search`` orders it as the default version search does. A search
filtering on a metric then walks that index range (the value read off the index) rather than
probing every candidate version's metrics. Triggers keep it, so every writer of metrics and
every rename does, including ones that bypass the store: metric inserts and updates move the
row forward only (a concurrent writer of an older point cannot take it back), and an update
of a version's name, workspace or number is copied. Metrics are never deleted one by one; a
deleted version takes its rows with it (ON DELETE CASCADE).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from modelreg.store.types import UTCDateTime

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MODEL_NAME = sa.String(length=256).with_variant(sa.String(length=256, collation="C"), "postgresql")

_COLUMNS = "version_id, key, step, timestamp, value, workspace_id, model_name, number"
_MOVE_FORWARD = """ON CONFLICT (version_id, key) DO UPDATE
    SET step = excluded.step, timestamp = excluded.timestamp, value = excluded.value
    WHERE (version_latest_metrics.step, version_latest_metrics.timestamp)
          <= (excluded.step, excluded.timestamp)"""

_BACKFILL = f"""
INSERT INTO version_latest_metrics ({_COLUMNS})
SELECT {_COLUMNS} FROM (
    SELECT m.version_id, m.key, m.step, m.timestamp, m.value,
           v.workspace_id, v.model_name, v.number,
           row_number() OVER (PARTITION BY m.version_id, m.key
                              ORDER BY m.step DESC, m.timestamp DESC) AS rn
    FROM version_metrics AS m JOIN model_versions AS v ON v.id = m.version_id
) AS ranked WHERE rn = 1"""


def _sqlite_triggers() -> list[str]:
    # The SELECT needs its WHERE for SQLite to parse the ON CONFLICT clause after it.
    upsert = f"""INSERT INTO version_latest_metrics ({_COLUMNS})
        SELECT NEW.version_id, NEW.key, NEW.step, NEW.timestamp, NEW.value,
               v.workspace_id, v.model_name, v.number
        FROM model_versions AS v WHERE v.id = NEW.version_id
        {_MOVE_FORWARD};"""
    return [
        f"""CREATE TRIGGER trg_version_metrics_zz_latest_ins AFTER INSERT ON version_metrics
        FOR EACH ROW BEGIN {upsert} END""",
        f"""CREATE TRIGGER trg_version_metrics_zz_latest_upd AFTER UPDATE ON version_metrics
        FOR EACH ROW BEGIN {upsert} END""",
        """CREATE TRIGGER trg_model_versions_latest_keys AFTER UPDATE OF
        workspace_id, model_name, number ON model_versions FOR EACH ROW
        BEGIN UPDATE version_latest_metrics SET workspace_id = NEW.workspace_id,
            model_name = NEW.model_name, number = NEW.number WHERE version_id = NEW.id; END""",
    ]


# One statement per metric write, from its transition table. It must run after the revision
# trigger of migration 0010 (PostgreSQL fires triggers in name order, hence "zz"), which locks
# the versions' rows: a rename of the same model then either committed before (this reads the
# new name: each statement of a volatile function takes a fresh snapshot) or waits for us and
# renames our rows too.
_PG_UPSERT = f"""
CREATE FUNCTION modelreg_latest_metrics() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO version_latest_metrics ({_COLUMNS})
    SELECT DISTINCT ON (n.version_id, n.key) n.version_id, n.key, n.step, n.timestamp, n.value,
           v.workspace_id, v.model_name, v.number
    FROM new_rows AS n JOIN model_versions AS v ON v.id = n.version_id
    ORDER BY n.version_id, n.key, n.step DESC, n.timestamp DESC
    {_MOVE_FORWARD};
    RETURN NULL;
END $$"""

_PG_KEYS = """
CREATE FUNCTION modelreg_latest_metrics_keys() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE version_latest_metrics SET workspace_id = NEW.workspace_id,
        model_name = NEW.model_name, number = NEW.number
    WHERE version_id = NEW.id;
    RETURN NULL;
END $$"""


def _pg_triggers() -> list[str]:
    return [
        _PG_UPSERT,
        """CREATE TRIGGER trg_version_metrics_zz_latest_ins AFTER INSERT ON version_metrics
        REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
        EXECUTE FUNCTION modelreg_latest_metrics()""",
        """CREATE TRIGGER trg_version_metrics_zz_latest_upd AFTER UPDATE ON version_metrics
        REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
        EXECUTE FUNCTION modelreg_latest_metrics()""",
        _PG_KEYS,
        """CREATE TRIGGER trg_model_versions_latest_keys AFTER UPDATE OF
        workspace_id, model_name, number ON model_versions FOR EACH ROW
        WHEN (OLD.workspace_id IS DISTINCT FROM NEW.workspace_id
              OR OLD.model_name IS DISTINCT FROM NEW.model_name
              OR OLD.number IS DISTINCT FROM NEW.number)
        EXECUTE FUNCTION modelreg_latest_metrics_keys()""",
    ]


def upgrade() -> None:
    op.create_table(
        "version_latest_metrics",
        sa.Column("version_id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(length=250), nullable=False),
        sa.Column("step", sa.BigInteger(), nullable=False),
        sa.Column("timestamp", UTCDateTime(timezone=True), nullable=False),
        sa.Column("value", sa.Double(), nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("model_name", MODEL_NAME, nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["model_versions.id"],
            name=op.f("fk_version_latest_metrics_version_id"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("version_id", "key", name=op.f("pk_version_latest_metrics")),
    )
    op.create_index(
        "ix_version_latest_metrics_search",
        "version_latest_metrics",
        [
            "workspace_id",
            "key",
            "model_name",
            sa.text("number DESC"),
            sa.text("version_id DESC"),
            "value",
        ],
        unique=False,
    )
    op.execute(_BACKFILL)
    dialect = op.get_bind().dialect.name
    for ddl in _pg_triggers() if dialect == "postgresql" else _sqlite_triggers():
        op.execute(ddl)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table, name in (
        ("version_metrics", "trg_version_metrics_zz_latest_ins"),
        ("version_metrics", "trg_version_metrics_zz_latest_upd"),
        ("model_versions", "trg_model_versions_latest_keys"),
    ):
        on = f" ON {table}" if dialect == "postgresql" else ""
        op.execute(f"DROP TRIGGER IF EXISTS {name}{on}")
    if dialect == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS modelreg_latest_metrics()")
        op.execute("DROP FUNCTION IF EXISTS modelreg_latest_metrics_keys()")
    op.drop_index("ix_version_latest_metrics_search", table_name="version_latest_metrics")
    op.drop_table("version_latest_metrics")
