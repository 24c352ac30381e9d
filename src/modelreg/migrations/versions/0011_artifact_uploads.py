"""artifact uploads: a multipart upload belongs to a model version or an artifact version

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 07:20:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("uploads", schema=None) as batch_op:
        batch_op.alter_column("version_id", existing_type=sa.Uuid(), nullable=True)
        batch_op.add_column(sa.Column("artifact_version_id", sa.Uuid(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_uploads_artifact_version_id"),
            "artifact_versions",
            ["artifact_version_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_check_constraint(
            batch_op.f("ck_uploads_one_version"),
            "(version_id IS NULL) <> (artifact_version_id IS NULL)",
        )
        batch_op.create_index(
            "ix_uploads_artifact_version_id", ["artifact_version_id"], unique=False
        )


def downgrade() -> None:
    # Artifact uploads have nowhere to go in the old shape: they are dropped (their parts
    # are orphans that gc removes).
    op.execute(sa.text("DELETE FROM uploads WHERE artifact_version_id IS NOT NULL"))
    with op.batch_alter_table("uploads", schema=None) as batch_op:
        batch_op.drop_index("ix_uploads_artifact_version_id")
        batch_op.drop_constraint(batch_op.f("ck_uploads_one_version"), type_="check")
        batch_op.drop_constraint(batch_op.f("fk_uploads_artifact_version_id"), type_="foreignkey")
        batch_op.drop_column("artifact_version_id")
        batch_op.alter_column("version_id", existing_type=sa.Uuid(), nullable=False)
