"""artifacts: generic artifacts (datasets, plots, ...), their versions, tags and files

Revision ID: 0007
Revises: 0005
Create Date: 2026-12-01 20:21:24.750634
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from modelreg.store.types import JSONDoc, UTCDateTime

revision: str = "0007"
down_revision: str | None = "0006_uploads"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "artifacts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column(
            "name",
            sa.String(length=256).with_variant(sa.String(length=256, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(length=256), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_number", sa.Integer(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_artifacts_workspace_id"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_artifacts")),
        sa.UniqueConstraint("workspace_id", "name", name=op.f("uq_artifacts_workspace_id_name")),
    )
    op.create_table(
        "artifact_versions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("artifact_id", sa.Uuid(), nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("version_alias", sa.String(length=64), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("metadata", JSONDoc(none_as_null=True), nullable=False),
        sa.Column("source_type", sa.String(length=32), nullable=False),
        sa.Column("source_uri", sa.Text(), nullable=True),
        sa.Column("step", sa.BigInteger(), nullable=True),
        sa.Column("run_id", sa.String(length=256), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("status_message", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(length=256), nullable=False),
        sa.Column("created_by_type", sa.String(length=32), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("declared_files", JSONDoc(none_as_null=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('PENDING_REGISTRATION', 'READY', 'FAILED_REGISTRATION')",
            name=op.f("ck_artifact_versions_status"),
        ),
        sa.ForeignKeyConstraint(
            ["artifact_id"],
            ["artifacts.id"],
            name=op.f("fk_artifact_versions_artifact_id"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_artifact_versions")),
        sa.UniqueConstraint(
            "artifact_id", "number", name=op.f("uq_artifact_versions_artifact_id_number")
        ),
    )
    with op.batch_alter_table("artifact_versions", schema=None) as batch_op:
        batch_op.create_index("ix_artifact_versions_created", ["created_at", "id"], unique=False)
        batch_op.create_index("ix_artifact_versions_run_id", ["run_id"], unique=False)
        batch_op.create_index(
            "ix_artifact_versions_ws_created", ["workspace_id", "created_at", "id"], unique=False
        )

    op.create_table(
        "artifact_version_files",
        sa.Column("version_id", sa.Uuid(), nullable=False),
        sa.Column(
            "path",
            sa.String(length=1024).with_variant(
                sa.String(length=1024, collation="C"), "postgresql"
            ),
            nullable=False,
        ),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["artifact_versions.id"],
            name=op.f("fk_artifact_version_files_version_id"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("version_id", "path", name=op.f("pk_artifact_version_files")),
    )
    with op.batch_alter_table("artifact_version_files", schema=None) as batch_op:
        batch_op.create_index("ix_artifact_version_files_sha256", ["sha256"], unique=False)

    op.create_table(
        "artifact_version_tags",
        sa.Column("version_id", sa.Uuid(), nullable=False),
        sa.Column("tag", sa.String(length=250), nullable=False),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["artifact_versions.id"],
            name=op.f("fk_artifact_version_tags_version_id"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("version_id", "tag", name=op.f("pk_artifact_version_tags")),
    )
    with op.batch_alter_table("artifact_version_tags", schema=None) as batch_op:
        batch_op.create_index("ix_artifact_version_tags_tag", ["tag"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("artifact_version_tags", schema=None) as batch_op:
        batch_op.drop_index("ix_artifact_version_tags_tag")

    op.drop_table("artifact_version_tags")
    with op.batch_alter_table("artifact_version_files", schema=None) as batch_op:
        batch_op.drop_index("ix_artifact_version_files_sha256")

    op.drop_table("artifact_version_files")
    with op.batch_alter_table("artifact_versions", schema=None) as batch_op:
        batch_op.drop_index("ix_artifact_versions_ws_created")
        batch_op.drop_index("ix_artifact_versions_run_id")
        batch_op.drop_index("ix_artifact_versions_created")

    op.drop_table("artifact_versions")
    op.drop_table("artifacts")
