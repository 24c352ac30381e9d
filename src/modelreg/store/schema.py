"""The database schema, as one MetaData that Alembic migrations must match exactly."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
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
    column,
    false,
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

# A model name as a sort key: byte order on PostgreSQL too (SQLite's BINARY is already).
MODEL_NAME = String(256).with_variant(String(256, collation="C"), "postgresql")
# A file path, listed in byte order on both dialects whatever the database's locale.
FILE_PATH = String(1024).with_variant(String(1024, collation="C"), "postgresql")


def _tag_value_index(name: str) -> Index:
    """Finds ``tags.k = 'v'`` rows by value (then checks the key). A hash index on
    PostgreSQL, whose btree entries cannot hold values of up to 5,000 characters; a plain
    index on SQLite."""
    return Index(name, "value", postgresql_using="hash")


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
    Column("color", String(32)),
    PrimaryKeyConstraint("model_id", "key"),
    _tag_value_index("ix_model_tags_value"),
)

versions = Table(
    "model_versions",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("model_id", Uuid, ForeignKey("models.id", ondelete="CASCADE"), nullable=False),
    # Denormalised from the model (which never changes workspace) so that cross-model
    # searches inside one workspace are a single index range.
    Column("workspace_id", Uuid, nullable=False),
    # Denormalised from the model (kept equal on rename, in the same transaction) so that
    # searches ordered by model name, the default, walk one index. Byte-wise ("C") on
    # PostgreSQL, as SQLite's BINARY: one order on both dialects, and LIKE 'prefix%' is an
    # index range whatever the database's locale.
    Column("model_name", MODEL_NAME, nullable=False),
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
    # Lifecycle: the current stage and when it last changed.
    Column("stage", String(16), nullable=False, server_default="None"),
    Column("last_transition_at", UTCDateTime),
    # Lineage scalars; list-valued links live in version_links.
    Column("logged_model_id", String(256)),
    Column("experiment_id", String(256)),
    Column("promoted_from", Uuid),
    Column("deployment_job_state", JSONDoc),
    # Files declared on create ([{path, size, sha256}]), checked by finalize.
    Column("declared_files", JSONDoc),
    # Bumped by database triggers (migration 0010) on any change to the row or to its tags,
    # params, metrics, links or aliases: the key of the servers' version cache. A future
    # SQLite batch migration that recreates this table must recreate those triggers.
    Column("revision", BigInteger, nullable=False, server_default="0"),
    UniqueConstraint("model_id", "number"),
    CheckConstraint(
        "status IN ('PENDING_REGISTRATION', 'READY', 'FAILED_REGISTRATION')", name="status"
    ),
    Index("ix_model_versions_model_stage", "model_id", "stage"),
    Index("ix_model_versions_promoted_from", "promoted_from"),
    Index("ix_model_versions_model_created", "model_id", "created_at", "id"),
    Index("ix_model_versions_model_updated", "model_id", "updated_at", "id"),
    Index("ix_model_versions_run_id", "run_id"),
    # The default search order (model name ASC, version DESC, id DESC) inside a workspace:
    # first pages and keyset pages at any depth are one range scan.
    Index(
        "ix_model_versions_search",
        "workspace_id",
        "model_name",
        column("number").desc(),
        column("id").desc(),
    ),
)

version_tags = Table(
    "version_tags",
    metadata,
    Column("version_id", Uuid, ForeignKey("model_versions.id", ondelete="CASCADE"), nullable=False),
    Column("key", String(250), nullable=False),
    Column("value", Text, nullable=False),
    Column("color", String(32)),
    PrimaryKeyConstraint("version_id", "key"),
    _tag_value_index("ix_version_tags_value"),
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
    # The primary key plus the value: a filter or order on a metric reads the latest point
    # (highest step, then timestamp) of each candidate version from the index alone.
    Index("ix_version_metrics_latest", "version_id", "key", "step", "timestamp", "value"),
)

# The latest point of each (version, metric key), with the version's search-order keys
# copied beside it; kept by database triggers (migration 0012) on metric writes and on
# renames. A filter on a metric walks this table's search index in the default order and
# reads the value from the index itself, instead of probing each version's metrics in turn:
# on 1,000,000 versions, ``tags.env = 'prod' AND metrics.auc > 0.9`` checks ~3,500
# versions for its first page either way, at a fraction of the cost per version.
latest_metrics = Table(
    "version_latest_metrics",
    metadata,
    Column("version_id", Uuid, ForeignKey("model_versions.id", ondelete="CASCADE"), nullable=False),
    Column("key", String(250), nullable=False),
    Column("step", BigInteger, nullable=False),
    Column("timestamp", UTCDateTime, nullable=False),
    Column("value", Double, nullable=False),
    Column("workspace_id", Uuid, nullable=False),
    Column("model_name", MODEL_NAME, nullable=False),
    Column("number", Integer, nullable=False),
    PrimaryKeyConstraint("version_id", "key"),
    Index(
        "ix_version_latest_metrics_search",
        "workspace_id",
        "key",
        "model_name",
        column("number").desc(),
        column("version_id").desc(),
        "value",
    ),
)


# --- lifecycle: lineage links, stage transitions, aliases, exclusive tag keys -------------

version_links = Table(
    "version_links",
    metadata,
    Column("version_id", Uuid, ForeignKey("model_versions.id", ondelete="CASCADE"), nullable=False),
    # datasets, model_artifacts, data_artifacts, deployment_artifacts, pipeline_runs
    Column("kind", String(32), nullable=False),
    Column("target", String(512), nullable=False),
    PrimaryKeyConstraint("version_id", "kind", "target"),
    # "Which versions were trained from dataset X": one index range.
    Index("ix_version_links_target", "kind", "target"),
)

stage_transitions = Table(
    "stage_transitions",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("version_id", Uuid, ForeignKey("model_versions.id", ondelete="CASCADE"), nullable=False),
    Column("from_stage", String(16), nullable=False),
    Column("to_stage", String(16), nullable=False),
    Column("actor", String(256), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("comment", Text),
    Index("ix_stage_transitions_version", "version_id", "at", "id"),
)

aliases = Table(
    "model_aliases",
    metadata,
    Column("model_id", Uuid, ForeignKey("models.id", ondelete="CASCADE"), nullable=False),
    Column("alias", String(64), nullable=False),
    Column("version_id", Uuid, ForeignKey("model_versions.id", ondelete="CASCADE"), nullable=False),
    Column("protected", Boolean, nullable=False, server_default=false()),
    PrimaryKeyConstraint("model_id", "alias"),
    # alias = 'champion' across a workspace, and "the aliases of this version".
    Index("ix_model_aliases_alias", "alias", "version_id"),
    Index("ix_model_aliases_version", "version_id"),
)

# Every alias move (and delete), so "which version was @champion at T" is one lookup.
# Version numbers, not ids: the history outlives deleted versions.
alias_history = Table(
    "alias_history",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("model_id", Uuid, ForeignKey("models.id", ondelete="CASCADE"), nullable=False),
    Column("alias", String(64), nullable=False),
    Column("from_version", Integer),
    Column("to_version", Integer),
    Column("actor", String(256), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Index("ix_alias_history_lookup", "model_id", "alias", "at", "id"),
)

# Tag keys that may sit on at most one version of a model at a time.
exclusive_tag_keys = Table(
    "exclusive_tag_keys",
    metadata,
    Column("model_id", Uuid, ForeignKey("models.id", ondelete="CASCADE"), nullable=False),
    Column("key", String(250), nullable=False),
    PrimaryKeyConstraint("model_id", "key"),
)

# --- artifacts: a version's files, each a reference to a content-addressed blob ----------

version_files = Table(
    "version_files",
    metadata,
    Column("version_id", Uuid, ForeignKey("model_versions.id", ondelete="CASCADE"), nullable=False),
    Column("path", FILE_PATH, nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("version_id", "path"),
    # Garbage collection asks "does anything still reference this blob?".
    Index("ix_version_files_sha256", "sha256"),
)


# --- generic artifacts (datasets, plots, ...): the TrueFoundry side of the registry ---------

artifacts = Table(
    "artifacts",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("workspace_id", Uuid, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("type", String(32), nullable=False),
    Column("name", MODEL_NAME, nullable=False),
    Column("description", Text),
    Column("created_by", String(256), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    # As models.last_number: only ever incremented, so numbers are never reused.
    Column("last_number", Integer, nullable=False, server_default="0"),
    # One name per workspace whatever the type: /artifacts/{name} addresses it alone.
    UniqueConstraint("workspace_id", "name"),
)

artifact_versions = Table(
    "artifact_versions",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("artifact_id", Uuid, ForeignKey("artifacts.id", ondelete="CASCADE"), nullable=False),
    # Denormalised from the artifact (which never moves): the view filters and sorts on
    # them without a join per row.
    Column("workspace_id", Uuid, nullable=False),
    Column("type", String(32), nullable=False),
    Column("number", Integer, nullable=False),
    Column("version_alias", String(64)),
    Column("description", Text),
    Column("metadata", JSONDoc, nullable=False),
    Column("source_type", String(32), nullable=False),
    Column("source_uri", Text),
    Column("step", BigInteger),
    Column("run_id", String(256)),
    Column("status", String(32), nullable=False),
    Column("status_message", Text),
    Column("created_by", String(256), nullable=False),
    Column("created_by_type", String(32), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    # Files declared on create, checked by finalize (as model_versions.declared_files).
    Column("declared_files", JSONDoc),
    UniqueConstraint("artifact_id", "number"),
    CheckConstraint(
        "status IN ('PENDING_REGISTRATION', 'READY', 'FAILED_REGISTRATION')", name="status"
    ),
    # The view's order (newest first) overall and inside one workspace.
    Index("ix_artifact_versions_created", "created_at", "id"),
    Index("ix_artifact_versions_ws_created", "workspace_id", "created_at", "id"),
    Index("ix_artifact_versions_run_id", "run_id"),
)

artifact_version_tags = Table(
    "artifact_version_tags",
    metadata,
    Column(
        "version_id", Uuid, ForeignKey("artifact_versions.id", ondelete="CASCADE"), nullable=False
    ),
    Column("tag", String(250), nullable=False),
    PrimaryKeyConstraint("version_id", "tag"),
    Index("ix_artifact_version_tags_tag", "tag"),
)

# The same shape as version_files (blob gc reads both the same way).
artifact_version_files = Table(
    "artifact_version_files",
    metadata,
    Column(
        "version_id", Uuid, ForeignKey("artifact_versions.id", ondelete="CASCADE"), nullable=False
    ),
    Column("path", FILE_PATH, nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("version_id", "path"),
    Index("ix_artifact_version_files_sha256", "sha256"),
)

# Resumable multipart uploads: the upload is here (so any server process can take the next
# part); its parts are objects in the blob store, uploads/<id>/<number>, and the store is
# the one record of which parts arrived (a part PUT to a presigned URL never passes here).
uploads = Table(
    "uploads",
    metadata,
    Column("id", Uuid, primary_key=True),
    # The file's version: a model version or (the other column) an artifact version.
    Column("version_id", Uuid, ForeignKey("model_versions.id", ondelete="CASCADE")),
    Column("artifact_version_id", Uuid, ForeignKey("artifact_versions.id", ondelete="CASCADE")),
    Column("path", FILE_PATH, nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("part_size", BigInteger, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    CheckConstraint("(version_id IS NULL) <> (artifact_version_id IS NULL)", name="one_version"),
    Index("ix_uploads_version_id", "version_id"),
    Index("ix_uploads_artifact_version_id", "artifact_version_id"),
    # Garbage collection expires uploads older than a TTL.
    Index("ix_uploads_created_at", "created_at"),
)

# --- MLflow's artifact proxy: a flat path namespace over the same content-addressed blobs --

# What ``PUT /api/2.0/mlflow-artifacts/artifacts/<path>`` stored: the path (MLflow clients
# choose it, e.g. ``<experiment>/<run>/artifacts/model/MLmodel``) and the blob it names.
# Garbage collection counts ``sha256`` here as a reference, as in version_files.
mlflow_artifacts = Table(
    "mlflow_artifacts",
    metadata,
    Column("path", FILE_PATH, primary_key=True),
    Column("size", BigInteger, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_mlflow_artifacts_sha256", "sha256"),
)

# --- access control: subjects, API tokens, workspace roles, the audit log -----------------

# Users and service accounts, named like the TrueFoundry page's created_by_subject.
subjects = Table(
    "subjects",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", String(64), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("admin", Boolean, nullable=False, server_default=false()),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("name"),
    CheckConstraint("kind IN ('user', 'service_account')", name="kind"),
)

# Only the SHA-256 of each secret is kept (see domain.access.token_hash); every request
# finds its token through the unique index on it.
api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("subject_id", Uuid, ForeignKey("subjects.id", ondelete="CASCADE"), nullable=False),
    Column("hash", String(64), nullable=False),
    Column("prefix", String(16), nullable=False),
    # Space-separated scope names.
    Column("scopes", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime),
    Column("revoked_at", UTCDateTime),
    # Requests per minute; NULL means the server's default.
    Column("rate_limit", Integer),
    UniqueConstraint("hash"),
    Index("ix_api_tokens_subject", "subject_id", "created_at", "id"),
)

workspace_members = Table(
    "workspace_members",
    metadata,
    Column("workspace_id", Uuid, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("subject_id", Uuid, ForeignKey("subjects.id", ondelete="CASCADE"), nullable=False),
    Column("role", String(16), nullable=False),
    PrimaryKeyConstraint("workspace_id", "subject_id"),
    # A principal's roles are loaded with its token on every request.
    Index("ix_workspace_members_subject", "subject_id"),
    CheckConstraint("role IN ('viewer', 'editor', 'owner')", name="role"),
)

# One row per mutation, written in the mutation's own transaction. Names, not foreign
# keys: the log outlives what it describes.
audit_events = Table(
    "audit_events",
    metadata,
    # uuid7: time-ordered, the keyset tiebreak after ``at``.
    Column("id", Uuid, primary_key=True),
    Column("at", UTCDateTime, nullable=False),
    Column("actor", String(256), nullable=False),
    Column("action", String(64), nullable=False),
    Column("workspace", String(36)),
    Column("object_type", String(32), nullable=False),
    Column("object", String(1024), nullable=False),
    Column("request_id", String(128)),
    Column("before", JSONDoc),
    Column("after", JSONDoc),
    Index("ix_audit_events_at", "at", "id"),
    Index("ix_audit_events_ws_at", "workspace", "at", "id"),
)
