"""search indexes

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 14:00:00.000000

What cross-model search needs to stay fast at a million versions (see docs/benchmarks.md):

- ``model_versions.model_name``, a copy of the model's name (byte-order collation on
  PostgreSQL), filled from ``models`` here and kept equal by the store on insert and
  rename, and ``ix_model_versions_search`` on (workspace, model name, number DESC, id DESC):
  the default search order as one index range, so first pages, keyset pages at any depth,
  ``name = ...`` and ``name LIKE 'prefix%'`` are range scans;
- indexes on tag values (hash on PostgreSQL, whose btree entries cannot hold the longest
  values), so a rare ``tags.k = 'v'`` drives the search instead of being checked row by row;
- ``ix_version_metrics_latest``, the metric primary key plus the value, so ``metrics.k``
  in a filter or order reads each version's latest point from the index alone.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MODEL_NAME = sa.String(length=256).with_variant(sa.String(length=256, collation="C"), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("model_versions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("model_name", MODEL_NAME, nullable=True))
    op.execute(
        "UPDATE model_versions SET model_name = "
        "(SELECT models.name FROM models WHERE models.id = model_versions.model_id)"
    )
    with op.batch_alter_table("model_versions", schema=None) as batch_op:
        batch_op.alter_column("model_name", existing_type=MODEL_NAME, nullable=False)
    # Outside the batch: SQLite's table copy cannot carry DESC index columns.
    op.create_index(
        "ix_model_versions_search",
        "model_versions",
        ["workspace_id", "model_name", sa.text("number DESC"), sa.text("id DESC")],
        unique=False,
    )
    with op.batch_alter_table("version_tags", schema=None) as batch_op:
        batch_op.create_index(
            "ix_version_tags_value", ["value"], unique=False, postgresql_using="hash"
        )
    with op.batch_alter_table("model_tags", schema=None) as batch_op:
        batch_op.create_index(
            "ix_model_tags_value", ["value"], unique=False, postgresql_using="hash"
        )
    with op.batch_alter_table("version_metrics", schema=None) as batch_op:
        batch_op.create_index(
            "ix_version_metrics_latest",
            ["version_id", "key", "step", "timestamp", "value"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("version_metrics", schema=None) as batch_op:
        batch_op.drop_index("ix_version_metrics_latest")
    with op.batch_alter_table("model_tags", schema=None) as batch_op:
        batch_op.drop_index("ix_model_tags_value", postgresql_using="hash")
    with op.batch_alter_table("version_tags", schema=None) as batch_op:
        batch_op.drop_index("ix_version_tags_value", postgresql_using="hash")
    op.drop_index("ix_model_versions_search", table_name="model_versions")
    with op.batch_alter_table("model_versions", schema=None) as batch_op:
        batch_op.drop_column("model_name")
