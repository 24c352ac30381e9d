"""Version numbering and name uniqueness under concurrent clients, through real server
processes: two servers on one PostgreSQL database, one server (and one server with two
workers) on one SQLite file."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.databases import PostgresDatabases
from tests.servers import Server, serve

pytestmark = pytest.mark.slow

N = 32
REQUEST_TIMEOUT = 60.0


def _fire(
    servers: list[Server], method: str, path: str, json: dict[str, Any]
) -> list[httpx.Response]:
    """``N`` identical requests at once from ``N`` threads, alternating between ``servers``."""
    clients = [
        httpx.Client(
            base_url=s.base_url,
            timeout=REQUEST_TIMEOUT,
            limits=httpx.Limits(max_connections=N, max_keepalive_connections=N),
        )
        for s in servers
    ]
    try:
        with ThreadPoolExecutor(max_workers=N) as pool:
            futures = [
                pool.submit(clients[i % len(clients)].request, method, path, json=json)
                for i in range(N)
            ]
            return [f.result(timeout=REQUEST_TIMEOUT * 2) for f in futures]
    finally:
        for c in clients:
            c.close()


def _check_version_numbers(servers: list[Server], model: str) -> None:
    with httpx.Client(base_url=servers[0].base_url, timeout=REQUEST_TIMEOUT) as client:
        r = client.post("/api/v1/models", json={"name": model})
        assert r.status_code == 201, r.text

    responses = _fire(servers, "POST", f"/api/v1/models/{model}/versions", {})

    for r in responses:
        assert r.status_code == 201, r.text
    numbers = sorted(r.json()["number"] for r in responses)
    assert numbers == list(range(1, N + 1))
    assert len({r.json()["id"] for r in responses}) == N

    # Every server sees the same, complete result.
    for server in servers:
        with httpx.Client(base_url=server.base_url, timeout=REQUEST_TIMEOUT) as client:
            m = client.get(f"/api/v1/models/{model}")
            assert m.status_code == 200, m.text
            assert m.json()["latest_version"] == N
            assert m.json()["version_count"] == N
            listed = client.get(
                f"/api/v1/models/{model}/versions", params={"sort_by": "number", "size": 100}
            )
            assert listed.status_code == 200, listed.text
            assert [v["number"] for v in listed.json()["items"]] == list(range(1, N + 1))
            assert listed.json()["total"] == N


def _check_same_name(servers: list[Server], model: str) -> None:
    responses = _fire(servers, "POST", "/api/v1/models", {"name": model})

    created = [r for r in responses if r.status_code == 201]
    others = [r for r in responses if r.status_code != 201]
    assert len(created) == 1, [r.text for r in responses]
    for r in others:
        assert r.status_code == 409, r.text
        assert r.json()["error"]["code"] == "ALREADY_EXISTS", r.text
    with httpx.Client(base_url=servers[-1].base_url, timeout=REQUEST_TIMEOUT) as client:
        listed = client.get("/api/v1/models", params={"name": model, "size": 100})
        assert listed.status_code == 200, listed.text
        assert [m["id"] for m in listed.json()["items"] if m["name"] == model] == [
            created[0].json()["id"]
        ]


# --- PostgreSQL: two separate server processes on one database ----------------------------


@pytest.fixture(scope="module")
def pg_servers(
    pg_dbs: PostgresDatabases, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[list[Server]]:
    url = pg_dbs.new()
    workdir = tmp_path_factory.mktemp("pg-servers")
    try:
        with (
            serve("--database-url", url, workdir=workdir, name="a") as a,
            serve("--database-url", url, workdir=workdir, name="b") as b,
        ):
            yield [a, b]
    finally:
        pg_dbs.drop(url)


@pytest.mark.pg
def test_postgres_two_servers_number_versions_1_to_32(pg_servers: list[Server]) -> None:
    _check_version_numbers(pg_servers, "concurrent-versions")


@pytest.mark.pg
def test_postgres_two_servers_create_one_model_per_name(pg_servers: list[Server]) -> None:
    _check_same_name(pg_servers, "contested-name")


# --- SQLite: one server process on one file -------------------------------------------------


@pytest.fixture(scope="module")
def sqlite_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Server]]:
    workdir = tmp_path_factory.mktemp("sqlite-server")
    with serve("--data-dir", str(workdir / "data"), workdir=workdir) as server:
        yield [server]


def test_sqlite_one_server_numbers_versions_1_to_32(sqlite_server: list[Server]) -> None:
    _check_version_numbers(sqlite_server, "concurrent-versions")


def test_sqlite_one_server_creates_one_model_per_name(sqlite_server: list[Server]) -> None:
    _check_same_name(sqlite_server, "contested-name")


# --- SQLite: one server with two worker processes on one file -------------------------------

WORKERS = 2


@pytest.fixture(scope="module")
def sqlite_workers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Server]]:
    workdir = tmp_path_factory.mktemp("sqlite-workers")
    with serve(
        "--data-dir", str(workdir / "data"), "--workers", str(WORKERS), workdir=workdir
    ) as server:
        # /readyz answers as soon as the first worker is up; wait for all of them.
        server.wait_for_output("Application startup complete.", WORKERS)
        yield [server]


def _worker_pids(server: Server) -> list[int]:
    pids = re.findall(r"Started server process \[(\d+)\]", server.output())
    assert len(pids) == WORKERS, server.output()
    return [int(p) for p in pids]


def _open_db_files(pid: int, db: Path) -> int:
    """How many descriptors ``pid`` has open on the SQLite file ``db``."""
    n = 0
    for fd in os.listdir(f"/proc/{pid}/fd"):
        with suppress(OSError):  # closed meanwhile
            n += os.readlink(f"/proc/{pid}/fd/{fd}") == str(db)
    return n


def test_sqlite_two_workers_number_versions_1_to_32(sqlite_workers: list[Server]) -> None:
    _check_version_numbers(sqlite_workers, "concurrent-versions")
    if not Path("/proc/self/fd").is_dir():
        return
    # Both processes really wrote to the one file: each holds a connection of its read engine
    # and one of its write engine (opened only by a write) on it.
    server = sqlite_workers[0]
    db = server.log.parent / "data" / "modelreg.db"
    open_files = {pid: _open_db_files(pid, db) for pid in _worker_pids(server)}
    assert all(n >= 2 for n in open_files.values()), open_files


def test_sqlite_two_workers_create_one_model_per_name(sqlite_workers: list[Server]) -> None:
    _check_same_name(sqlite_workers, "contested-name")


# --- artifact versions: the same numbering guarantee ----------------------------------------


def _check_artifact_version_numbers(servers: list[Server], name: str) -> None:
    with httpx.Client(base_url=servers[0].base_url, timeout=REQUEST_TIMEOUT) as client:
        r = client.post("/api/v1/artifacts", json={"name": name, "type": "dataset"})
        assert r.status_code == 201, r.text
    responses = _fire(servers, "POST", f"/api/v1/artifacts/{name}/versions", {"step": 1})
    for r in responses:
        assert r.status_code == 201, r.text
    assert sorted(r.json()["number"] for r in responses) == list(range(1, N + 1))
    for server in servers:
        with httpx.Client(base_url=server.base_url, timeout=REQUEST_TIMEOUT) as client:
            a = client.get(f"/api/v1/artifacts/{name}").json()
            assert (a["latest_version"], a["version_count"]) == (N, N)
            listed = client.get("/api/v1/artifact-versions", params={"name": name}).json()
            assert listed["pagination"]["total"] == N
            assert sorted(v["manifest"]["version"] for v in listed["data"]) == list(range(1, N + 1))


@pytest.mark.pg
def test_postgres_two_servers_number_artifact_versions(pg_servers: list[Server]) -> None:
    _check_artifact_version_numbers(pg_servers, "concurrent-dataset")


def test_sqlite_two_workers_number_artifact_versions(sqlite_workers: list[Server]) -> None:
    _check_artifact_version_numbers(sqlite_workers, "concurrent-dataset")
