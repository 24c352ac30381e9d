"""lifecycle: stages, aliases with history, lineage links, tag colors, exclusive tag keys

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 13:32:37.037108
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from modelreg.store.types import JSONDoc, UTCDateTime

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "alias_history",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("model_id", sa.Uuid(), nullable=False),
        sa.Column("alias", sa.String(length=64), nullable=False),
        sa.Column("from_version", sa.Integer(), nullable=True),
        sa.Column("to_version", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=256), nullable=False),
        sa.Column("at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["model_id"], ["models.id"], name=op.f("fk_alias_history_model_id"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alias_history")),
    )
    with op.batch_alter_table("alias_history", schema=None) as batch_op:
        batch_op.create_index(
            "ix_alias_history_lookup", ["model_id", "alias", "at", "id"], unique=False
        )

    op.create_table(
        "exclusive_tag_keys",
        sa.Column("model_id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(length=250), nullable=False),
        sa.ForeignKeyConstraint(
            ["model_id"],
            ["models.id"],
            name=op.f("fk_exclusive_tag_keys_model_id"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("model_id", "key", name=op.f("pk_exclusive_tag_keys")),
    )
    op.create_table(
        "model_aliases",
        sa.Column("model_id", sa.Uuid(), nullable=False),
        sa.Column("alias", sa.String(length=64), nullable=False),
        sa.Column("version_id", sa.Uuid(), nullable=False),
        sa.Column("protected", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.ForeignKeyConstraint(
            ["model_id"], ["models.id"], name=op.f("fk_model_aliases_model_id"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["model_versions.id"],
            name=op.f("fk_model_aliases_version_id"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("model_id", "alias", name=op.f("pk_model_aliases")),
    )
    with op.batch_alter_table("model_aliases", schema=None) as batch_op:
        batch_op.create_index("ix_model_aliases_alias", ["alias", "version_id"], unique=False)
        batch_op.create_index("ix_model_aliases_version", ["version_id"], unique=False)

    op.create_table(
        "stage_transitions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("version_id", sa.Uuid(), nullable=False),
        sa.Column("from_stage", sa.String(length=16), nullable=False),
        sa.Column("to_stage", sa.String(length=16), nullable=False),
        sa.Column("actor", sa.String(length=256), nullable=False),
        sa.Column("at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["model_versions.id"],
            name=op.f("fk_stage_transitions_version_id"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stage_transitions")),
    )
    with op.batch_alter_table("stage_transitions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_stage_transitions_version", ["version_id", "at", "id"], unique=False
        )

    op.create_table(
        "version_links",
        sa.Column("version_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("target", sa.String(length=512), nullable=False),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["model_versions.id"],
            name=op.f("fk_version_links_version_id"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("version_id", "kind", "target", name=op.f("pk_version_links")),
    )
    with op.batch_alter_table("version_links", schema=None) as batch_op:
        batch_op.create_index("ix_version_links_target", ["kind", "target"], unique=False)

    with op.batch_alter_table("model_tags", schema=None) as batch_op:
        batch_op.add_column(sa.Column("color", sa.String(length=32), nullable=True))

    with op.batch_alter_table("model_versions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("stage", sa.String(length=16), server_default="None", nullable=False)
        )
        batch_op.add_column(
            sa.Column("last_transition_at", UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("logged_model_id", sa.String(length=256), nullable=True))
        batch_op.add_column(sa.Column("experiment_id", sa.String(length=256), nullable=True))
        batch_op.add_column(sa.Column("promoted_from", sa.Uuid(), nullable=True))
        batch_op.add_column(
            sa.Column("deployment_job_state", JSONDoc(none_as_null=True), nullable=True)
        )
        batch_op.create_index("ix_model_versions_model_stage", ["model_id", "stage"], unique=False)
        batch_op.create_index("ix_model_versions_promoted_from", ["promoted_from"], unique=False)

    with op.batch_alter_table("version_tags", schema=None) as batch_op:
        batch_op.add_column(sa.Column("color", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("version_tags", schema=None) as batch_op:
        batch_op.drop_column("color")

    with op.batch_alter_table("model_versions", schema=None) as batch_op:
        batch_op.drop_index("ix_model_versions_promoted_from")
        batch_op.drop_index("ix_model_versions_model_stage")
        batch_op.drop_column("deployment_job_state")
        batch_op.drop_column("promoted_from")
        batch_op.drop_column("experiment_id")
        batch_op.drop_column("logged_model_id")
        batch_op.drop_column("last_transition_at")
        batch_op.drop_column("stage")

    with op.batch_alter_table("model_tags", schema=None) as batch_op:
        batch_op.drop_column("color")

    with op.batch_alter_table("version_links", schema=None) as batch_op:
        batch_op.drop_index("ix_version_links_target")

    op.drop_table("version_links")
    with op.batch_alter_table("stage_transitions", schema=None) as batch_op:
        batch_op.drop_index("ix_stage_transitions_version")

    op.drop_table("stage_transitions")
    with op.batch_alter_table("model_aliases", schema=None) as batch_op:
        batch_op.drop_index("ix_model_aliases_version")
        batch_op.drop_index("ix_model_aliases_alias")

    op.drop_table("model_aliases")
    op.drop_table("exclusive_tag_keys")
    with op.batch_alter_table("alias_history", schema=None) as batch_op:
        batch_op.drop_index("ix_alias_history_lookup")

    op.drop_table("alias_history")
