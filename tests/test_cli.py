"""The ``modelreg`` console script: ``db upgrade`` and ``serve`` on the embedded SQLite, with
the data folder from ``--data-dir`` or ``MODELREG_DATA_DIR``."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import httpx
import pytest

from tests.servers import clean_env, run_cli, serve

pytestmark = pytest.mark.slow


def _workspaces(db: Path) -> list[str]:
    with closing(sqlite3.connect(db)) as conn:
        return [r[0] for r in conn.execute("SELECT name FROM workspaces")]


def test_help_lists_the_commands(tmp_path: Path) -> None:
    r = run_cli("--help", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "serve" in r.stdout
    assert "db" in r.stdout
    r = run_cli("db", "--help", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "upgrade" in r.stdout


@pytest.mark.parametrize("via", ["flag", "env"])
def test_db_upgrade_creates_the_sqlite_database(tmp_path: Path, via: str) -> None:
    data = tmp_path / "new" / "data"
    args, env = (["--data-dir", str(data)], clean_env())
    if via == "env":
        args, env = ([], clean_env(MODELREG_DATA_DIR=str(data)))

    r = run_cli("db", "upgrade", *args, cwd=tmp_path, env=env)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "up to date" in r.stdout
    db = data / "modelreg.db"
    assert db.is_file()
    assert _workspaces(db) == ["default"]
    # Nothing went to the default ./.modelreg folder instead.
    assert not (tmp_path / ".modelreg").exists()

    # Running it again changes nothing.
    r = run_cli("db", "upgrade", *args, cwd=tmp_path, env=env)
    assert r.returncode == 0, r.stdout + r.stderr
    assert _workspaces(db) == ["default"]


def test_db_upgrade_defaults_to_dot_modelreg(tmp_path: Path) -> None:
    r = run_cli("db", "upgrade", cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    assert (tmp_path / ".modelreg" / "modelreg.db").is_file()


@pytest.mark.parametrize("via", ["flag", "env"])
def test_serve_on_a_data_dir(tmp_path: Path, via: str) -> None:
    data = tmp_path / "data"
    assert not data.exists()
    args: tuple[str, ...] = ("--data-dir", str(data))
    env = clean_env()
    if via == "env":
        args, env = (), clean_env(MODELREG_DATA_DIR=str(data))

    with (
        serve(*args, workdir=tmp_path, env=env) as server,
        httpx.Client(base_url=server.base_url, timeout=30) as client,
    ):
        for probe in ("/healthz", "/readyz"):
            r = client.get(probe)
            assert r.status_code == 200, r.text
            assert r.json() == {"status": "ok"}
            assert r.headers["x-request-id"]

        r = client.post("/api/v1/models", json={"name": "cli-model", "description": "d"})
        assert r.status_code == 201, r.text
        model_id = r.json()["id"]
        r = client.post("/api/v1/models/cli-model/versions", json={})
        assert r.status_code == 201, r.text
        assert r.json()["number"] == 1
        r = client.get(f"/api/v1/models/{model_id}")
        assert r.status_code == 200, r.text
        assert r.json()["name"] == "cli-model"
        assert r.json()["latest_version"] == 1
        assert str(data / "modelreg.db") in server.output()

    db = data / "modelreg.db"
    assert db.is_file()
    assert not (tmp_path / ".modelreg").exists()
    with closing(sqlite3.connect(db)) as conn:
        assert conn.execute("SELECT name FROM models").fetchall() == [("cli-model",)]
