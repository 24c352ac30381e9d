"""The database schema, as one MetaData that Alembic migrations must match exactly."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    Double,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
)

from modelreg.store.types import JSONDoc, UTCDateTime

# Named constraints let Alembic's batch mode alter them on SQLite.
metadata = MetaData(
    naming_convention={
        "pk": "pk_%(table_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
    }
)

# Key/value settings every server process shares through the database (e.g. the secret
# that signs page tokens, so a cursor from one server works on another).
meta = Table(
    "meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

workspaces = Table(
    "workspaces",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", String(36), nullable=False),
    Column("description", Text),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("name"),
)

models = Table(
    "models",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("workspace_id", Uuid, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(256), nullable=False),
    Column("description", Text),
    Column("card_license", Text),
    Column("card_audience", Text),
    Column("card_use_cases", Text),
    Column("card_limitations", Text),
    Column("card_trade_offs", Text),
    Column("card_ethics", Text),
    Column("created_by", String(256), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    # The last number handed out. Only ever incremented (UPDATE ... RETURNING under the row
    # lock), so numbers are never duplicated nor reused after a delete.
    Column("last_number", Integer, nullable=False, server_default="0"),
    UniqueConstraint("workspace_id", "name"),
    Index("ix_models_ws_created", "workspace_id", "created_at", "id"),
    Index("ix_models_ws_updated", "workspace_id", "updated_at", "id"),
)

model_tags = Table(
    "model_tags",
    metadata,
    Column("model_id", Uuid, ForeignKey("models.id", ondelete="CASCADE"), nullable=False),
    Column("key", String(250), nullable=False),
    Column("value", Text, nullable=False),
    PrimaryKeyConstraint("model_id", "key"),
)

versions = Table(
    "model_versions",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("model_id", Uuid, ForeignKey("models.id", ondelete="CASCADE"), nullable=False),
    # Denormalised from the model (which never changes workspace) so that cross-model
    # searches inside one workspace are a single index range.
    Column("workspace_id", Uuid, nullable=False),
    Column("number", Integer, nullable=False),
    Column("name", String(64)),
    Column("description", Text),
    Column("source", Text),
    Column("run_id", String(256)),
    Column("run_link", Text),
    Column("status", String(32), nullable=False),
    Column("status_message", Text),
    Column("created_by", String(256), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("signature", JSONDoc),
    Column("requirements", JSONDoc, nullable=False),
    Column("config", JSONDoc),
    UniqueConstraint("model_id", "number"),
    CheckConstraint(
        "status IN ('PENDING_REGISTRATION', 'READY', 'FAILED_REGISTRATION')", name="status"
    ),
    Index("ix_model_versions_model_created", "model_id", "created_at", "id"),
    Index("ix_model_versions_model_updated", "model_id", "updated_at", "id"),
    Index("ix_model_versions_run_id", "run_id"),
)

version_tags = Table(
    "version_tags",
    metadata,
    Column("version_id", Uuid, ForeignKey("model_versions.id", ondelete="CASCADE"), nullable=False),
    Column("key", String(250), nullable=False),
    Column("value", Text, nullable=False),
    PrimaryKeyConstraint("version_id", "key"),
)

version_params = Table(
    "version_params",
    metadata,
    Column("version_id", Uuid, ForeignKey("model_versions.id", ondelete="CASCADE"), nullable=False),
    Column("key", String(250), nullable=False),
    Column("value", Text, nullable=False),
    PrimaryKeyConstraint("version_id", "key"),
)

version_metrics = Table(
    "version_metrics",
    metadata,
    Column("version_id", Uuid, ForeignKey("model_versions.id", ondelete="CASCADE"), nullable=False),
    Column("key", String(250), nullable=False),
    Column("step", BigInteger, nullable=False),
    Column("timestamp", UTCDateTime, nullable=False),
    Column("value", Double, nullable=False),
    # A point is identified by (key, step, timestamp); logging it again overwrites its value.
    PrimaryKeyConstraint("version_id", "key", "step", "timestamp"),
)
