"""The one settings object. Built once by the CLI or a test and passed down, never a global."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Server settings; every field can be set as ``MODELREG_<FIELD>`` in the environment."""

    model_config = SettingsConfigDict(env_prefix="MODELREG_", extra="ignore")

    data_dir: Path = Field(
        Path(".modelreg"), description="Folder for the embedded SQLite database and local files."
    )
    database_url: str | None = Field(
        None,
        description="SQLAlchemy URL; unset means SQLite at <data_dir>/modelreg.db. "
        "PostgreSQL: postgresql+psycopg://user:password@host:5432/db",
    )
    artifact_store: str | None = Field(
        None,
        description="Where file bytes go: file:///path or s3://bucket/prefix "
        "(default: <data_dir>/artifacts).",
    )
    s3_endpoint: str | None = Field(
        None,
        description="S3-compatible endpoint URL, e.g. http://127.0.0.1:8333 (unset: AWS).",
    )
    s3_region: str = Field("us-east-1", description="S3 region.")
    s3_access_key_id: str | None = Field(
        None, description="S3 access key id (unset: AWS_* variables or instance credentials)."
    )
    s3_secret_access_key: str | None = Field(None, description="S3 secret access key.")
    upload_part_size: int = Field(
        64 << 20,
        ge=1 << 10,
        le=5 << 30,
        description="Part size the server hands out for resumable uploads (bytes; raised "
        "automatically so no upload needs more than 10,000 parts).",
    )
    host: str = Field("127.0.0.1", description="Address the server binds to.")
    port: int = Field(8080, ge=0, le=65535, description="Port the server listens on.")
    workers: int = Field(1, ge=1, le=64, description="Server processes (uvicorn workers).")
    db_pool_size: int = Field(10, ge=1, le=200, description="Connections per server process.")
    version_cache_size: int = Field(
        20_000,
        ge=0,
        le=10_000_000,
        description="Loaded versions each server process keeps for searches and lists "
        "(a few KB each), checked against the database's revision on every read; 0 disables.",
    )
    default_page_size: int = Field(50, ge=1, le=1000, description="Page size when none is given.")
    log_level: str = Field("info", description="uvicorn log level.")
    no_auth: bool = Field(
        False,
        description="Serve without authentication (everyone may do everything); only "
        "allowed on a loopback address.",
    )
    max_body_bytes: int = Field(
        1024 * 1024,
        ge=1024,
        description="Largest metadata (JSON) request body; file uploads are exempt.",
    )
    request_timeout: float = Field(
        60.0,
        gt=0,
        le=3600,
        description="Seconds a client may take to send a metadata body (or may stall "
        "between chunks of a file upload) before 408 REQUEST_TIMEOUT.",
    )
    statement_timeout: float | None = Field(
        30.0,
        gt=0,
        le=3600,
        description="Seconds one database statement may run (PostgreSQL) before it is "
        "cancelled: 504 DEADLINE_EXCEEDED.",
    )
    default_rate_limit: int | None = Field(
        None,
        ge=1,
        description="Requests per minute per token when the token sets none (unset: no limit).",
    )

    def resolved_database_url(self) -> str:
        """The database URL in force: the configured one, or SQLite inside the data dir."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'modelreg.db').resolve()}"

    def resolved_artifact_store(self) -> str:
        """The artifact store URL in force."""
        if self.artifact_store:
            return self.artifact_store
        return f"file://{(self.data_dir / 'artifacts').resolve()}"
