"""version revision: a counter the database bumps on every change to a version or its children

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 07:30:00.000000

Servers cache loaded versions keyed by (id, revision) (store/version_cache.py); a search reads
only ids and revisions and takes unchanged versions from the cache. Triggers, not the store's
code, keep the counter: every path that writes a version's row, tags, params, metrics,
lineage links or aliases bumps it in the same transaction, including ones written later and
ones that bypass the store (a migration, an operator's UPDATE). A rolled-back write rolls the
bump back with it, and several server processes on one database see the same counter.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Tables whose rows are part of a loaded Version, each with a version_id column.
CHILDREN = ("version_tags", "version_params", "version_metrics", "version_links", "model_aliases")


def _sqlite_triggers() -> list[str]:
    # An UPDATE of the row itself bumps it afterwards unless the statement set the counter
    # (the children's triggers do); SQLite runs triggers without recursion by default, and
    # the WHEN guard keeps it finite even with recursive_triggers on.
    out = [
        """CREATE TRIGGER trg_model_versions_revision AFTER UPDATE ON model_versions
        FOR EACH ROW WHEN NEW.revision = OLD.revision
        BEGIN UPDATE model_versions SET revision = OLD.revision + 1 WHERE id = NEW.id; END"""
    ]
    bump = "UPDATE model_versions SET revision = revision + 1 WHERE id = {row}.version_id;"
    for table in CHILDREN:
        out.append(
            f"""CREATE TRIGGER trg_{table}_ins_revision AFTER INSERT ON {table} FOR EACH ROW
            BEGIN {bump.format(row="NEW")} END"""
        )
        out.append(
            f"""CREATE TRIGGER trg_{table}_del_revision AFTER DELETE ON {table} FOR EACH ROW
            BEGIN {bump.format(row="OLD")} END"""
        )
        # A re-pointed alias changes two versions: the one it left and the one it names.
        out.append(
            f"""CREATE TRIGGER trg_{table}_upd_revision AFTER UPDATE ON {table} FOR EACH ROW
            BEGIN {bump.format(row="OLD")}
            UPDATE model_versions SET revision = revision + 1
            WHERE id = NEW.version_id AND NEW.version_id != OLD.version_id; END"""
        )
    return out


_PG_BUMP_SELF = """
CREATE FUNCTION modelreg_bump_revision() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.revision = OLD.revision THEN
        NEW.revision := OLD.revision + 1;
    END IF;
    RETURN NEW;
END $$"""

# One UPDATE per statement (not per child row: a version created with 100 metrics would
# leave 100 dead row versions). The rows are locked in id order, FOR NO KEY UPDATE as a
# plain UPDATE would: two statements bumping the same versions (an alias moved each way)
# cannot deadlock, and readers holding KEY SHARE locks are not blocked.
_PG_BUMP_CHILDREN = """
CREATE FUNCTION modelreg_bump_parent_revision() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE model_versions AS v SET revision = v.revision + 1
        FROM (SELECT id FROM model_versions
              WHERE id IN (SELECT version_id FROM new_rows) ORDER BY id FOR NO KEY UPDATE) AS s
        WHERE v.id = s.id;
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE model_versions AS v SET revision = v.revision + 1
        FROM (SELECT id FROM model_versions
              WHERE id IN (SELECT version_id FROM old_rows) ORDER BY id FOR NO KEY UPDATE) AS s
        WHERE v.id = s.id;
    ELSE
        UPDATE model_versions AS v SET revision = v.revision + 1
        FROM (SELECT id FROM model_versions
              WHERE id IN (SELECT version_id FROM new_rows
                           UNION SELECT version_id FROM old_rows)
              ORDER BY id FOR NO KEY UPDATE) AS s
        WHERE v.id = s.id;
    END IF;
    RETURN NULL;
END $$"""


def _pg_triggers() -> list[str]:
    out = [
        _PG_BUMP_SELF,
        """CREATE TRIGGER trg_model_versions_revision BEFORE UPDATE ON model_versions
        FOR EACH ROW EXECUTE FUNCTION modelreg_bump_revision()""",
        _PG_BUMP_CHILDREN,
    ]
    # Transition tables allow one event per trigger.
    events = {
        "ins": ("INSERT", "NEW TABLE AS new_rows"),
        "del": ("DELETE", "OLD TABLE AS old_rows"),
        "upd": ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
    }
    for table in CHILDREN:
        for short, (event, tables) in events.items():
            out.append(
                f"""CREATE TRIGGER trg_{table}_{short}_revision AFTER {event} ON {table}
                REFERENCING {tables} FOR EACH STATEMENT
                EXECUTE FUNCTION modelreg_bump_parent_revision()"""
            )
    return out


def upgrade() -> None:
    with op.batch_alter_table("model_versions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("revision", sa.BigInteger(), server_default="0", nullable=False)
        )
    dialect = op.get_bind().dialect.name
    for ddl in _pg_triggers() if dialect == "postgresql" else _sqlite_triggers():
        op.execute(ddl)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table in CHILDREN:
        for short in ("ins", "del", "upd"):
            on = f" ON {table}" if dialect == "postgresql" else ""
            op.execute(f"DROP TRIGGER IF EXISTS trg_{table}_{short}_revision{on}")
    on = " ON model_versions" if dialect == "postgresql" else ""
    op.execute(f"DROP TRIGGER IF EXISTS trg_model_versions_revision{on}")
    if dialect == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS modelreg_bump_parent_revision()")
        op.execute("DROP FUNCTION IF EXISTS modelreg_bump_revision()")
    with op.batch_alter_table("model_versions", schema=None) as batch_op:
        batch_op.drop_column("revision")
