"""A real ``modelreg serve`` for the real MLflow client, on SQLite or PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.servers import Server, clean_env, serve

# The client must fail fast in tests (it retries 5xx for minutes by default) and must not
# try to reach anything but the server under test.
CLIENT_ENV = {
    "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0",
    "MLFLOW_HTTP_REQUEST_TIMEOUT": "60",
    "MLFLOW_DISABLE_TELEMETRY": "true",
    "DO_NOT_TRACK": "true",
}


@dataclass(frozen=True)
class MlflowServer:
    """A running server and the database it serves (for tests that seed it directly)."""

    server: Server
    database_url: str

    @property
    def base_url(self) -> str:
        return self.server.base_url


@contextmanager
def mlflow_server(request: pytest.FixtureRequest, workdir: Path) -> Iterator[MlflowServer]:
    """A server on the dialect of ``request.param``, with the client's environment set for
    this process (MLFLOW_TRACKING_URI included, which ``mlflow.register_model`` reads)."""
    args = ["--data-dir", str(workdir / "data")]
    url: str | None = None
    dbs = None
    if request.param == "postgresql":
        dbs = request.getfixturevalue("pg_dbs")
        url = dbs.fresh()
        args += ["--database-url", url]
    saved = {k: os.environ.get(k) for k in (*CLIENT_ENV, "MLFLOW_TRACKING_URI")}
    try:
        with serve(*args, workdir=workdir, env=clean_env()) as server:
            os.environ.update(CLIENT_ENV, MLFLOW_TRACKING_URI=server.base_url)
            db = url or f"sqlite:///{(workdir / 'data' / 'modelreg.db').resolve()}"
            yield MlflowServer(server, db)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        if dbs is not None and url is not None:
            dbs.drop(url)
