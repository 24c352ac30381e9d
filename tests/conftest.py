"""Fixtures: a fresh migrated database per test on SQLite and PostgreSQL, the real app
over it, and an HTTP client."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from modelreg.api.app import create_app
from modelreg.blobs import BlobStore, LocalBlobStore, open_blob_store
from modelreg.config import Settings
from modelreg.services import Services
from modelreg.store.db import Database
from tests.cli_helpers import Cli, cli_against_a_server
from tests.databases import PostgresDatabases, SqliteDatabases, postgres_admin_url
from tests.mlflow_server import MlflowServer, mlflow_server
from tests.s3server import S3Server, environment_ci, start_s3_server

# The ``world`` fixture: an app with authentication on.
pytest_plugins = ["tests.auth"]


@pytest.fixture(scope="session")
def sqlite_dbs(tmp_path_factory: pytest.TempPathFactory) -> SqliteDatabases:
    return SqliteDatabases(tmp_path_factory.mktemp("sqlite"))


@pytest.fixture(scope="session")
def pg_dbs() -> Iterator[PostgresDatabases]:
    url = postgres_admin_url()
    if url is None:
        pytest.skip("PostgreSQL unavailable (it always runs in CI)")
    dbs = PostgresDatabases(url)
    yield dbs
    dbs.close()


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    """A real S3-compatible server (SeaweedFS) for the session: skipped locally if it
    cannot start, a failure in CI."""
    try:
        server = start_s3_server(tmp_path_factory.mktemp("seaweedfs"))
    except RuntimeError as e:
        if environment_ci():
            pytest.fail(f"S3 server unavailable in CI: {e}")
        pytest.skip(f"S3 server unavailable: {e}")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def cli(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cli]:
    """The real ``modelreg`` console script against one real ``modelreg serve`` (SQLite),
    shared by the CLI and SDK test modules (each uses its own model names)."""
    with cli_against_a_server(tmp_path_factory.mktemp("cli")) as c:
        yield c


@pytest.fixture(params=["local", "s3"])
def any_blobs(request: pytest.FixtureRequest, tmp_path: Path) -> BlobStore:
    """A fresh blob store of each kind: local disk, and a new prefix on the SeaweedFS."""
    if request.param == "local":
        return LocalBlobStore(tmp_path / "blobs")
    server: S3Server = request.getfixturevalue("s3_server")
    return open_blob_store(
        f"s3://{server.bucket}/t-{uuid.uuid4().hex}",
        s3_endpoint=server.endpoint,
        s3_access_key_id=server.access_key_id,
        s3_secret_access_key=server.secret_access_key,
    )


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def db_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh, migrated database for one test, on each dialect."""
    dbs = request.getfixturevalue("sqlite_dbs" if request.param == "sqlite" else "pg_dbs")
    url = dbs.new()
    yield url
    dbs.drop(url)


@pytest.fixture
def services(db_url: str, tmp_path: Path) -> Iterator[Services]:
    svc = Services(Database(db_url, pool_size=4), blobs=LocalBlobStore(tmp_path / "blobs"))
    yield svc
    svc.db.dispose()


@pytest.fixture
def app(services: Services, db_url: str) -> FastAPI:
    """The app with authentication off; tests of access control build their own
    (tests/auth.py)."""
    return create_app(Settings(database_url=db_url, no_auth=True), services=services)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


@contextmanager
def app_over(
    db_url: str, blobs: BlobStore, **options: Any
) -> Iterator[tuple[TestClient, Services]]:
    """The real app over its own Services (``options`` go to Services) and a client."""
    svc = Services(Database(db_url, pool_size=4), blobs=blobs, **options)
    try:
        with TestClient(create_app(Settings(database_url=db_url, no_auth=True), services=svc)) as c:
            yield c, svc
    finally:
        svc.db.dispose()


def assert_error(r: Any, status: int, code: str) -> dict[str, Any]:
    """The response is the native error envelope with this status and code."""
    assert r.status_code == status, r.text
    err: dict[str, Any] = r.json()["error"]
    assert err["code"] == code, err
    assert err["request_id"] == r.headers["x-request-id"]
    assert isinstance(err["message"], str)
    assert err["message"]
    return err


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def mlflow_modelreg(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[MlflowServer]:
    """A real ``modelreg serve`` per test module and dialect, with the MLflow client's
    environment (MLFLOW_TRACKING_URI included) pointing at it."""
    with mlflow_server(request, tmp_path_factory.mktemp("mlflow")) as server:
        yield server
