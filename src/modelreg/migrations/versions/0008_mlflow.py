"""mlflow artifacts: the MLflow artifact proxy's paths, each naming a content-addressed blob

Revision ID: 0008
Revises: 0005
Create Date: 2026-12-01 20:45:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from modelreg.store.types import UTCDateTime

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FILE_PATH = sa.String(length=1024).with_variant(sa.String(length=1024, collation="C"), "postgresql")


def upgrade() -> None:
    op.create_table(
        "mlflow_artifacts",
        sa.Column("path", FILE_PATH, nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("path", name=op.f("pk_mlflow_artifacts")),
    )
    with op.batch_alter_table("mlflow_artifacts", schema=None) as batch_op:
        batch_op.create_index("ix_mlflow_artifacts_sha256", ["sha256"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("mlflow_artifacts", schema=None) as batch_op:
        batch_op.drop_index("ix_mlflow_artifacts_sha256")
    op.drop_table("mlflow_artifacts")
