"""``modelreg serve`` with authentication on: the first-start admin token, the CLI config
it writes, ``--no-auth`` only on loopback, and the ``token|user|workspace`` commands."""

from __future__ import annotations

import json
import re
import stat
from pathlib import Path

import httpx
import pytest

from tests.servers import clean_env, run_cli, serve

pytestmark = pytest.mark.slow

TOKEN_LINE = re.compile(r"^admin token: (mr_[A-Za-z0-9_-]{43})$", re.M)


def test_first_start_prints_and_saves_an_admin_token_once(tmp_path: Path) -> None:
    config = tmp_path / "cfg" / "config.json"
    env = clean_env(MODELREG_CONFIG=str(config))
    data = ["--data-dir", str(tmp_path / "data")]
    with serve(*data, workdir=tmp_path, env=env, auth=True) as server:
        found = TOKEN_LINE.findall(server.output())
        assert len(found) == 1, server.output()
        token = found[0]
        assert stat.S_IMODE(config.stat().st_mode) == 0o600
        saved = json.loads(config.read_text())
        assert saved == {"url": server.base_url, "token": token}
        with httpx.Client(base_url=server.base_url) as c:
            assert c.get("/api/v1/models").status_code == 401
            assert c.get("/healthz").status_code == 200
            who = c.get("/api/v1/whoami", headers={"Authorization": f"Bearer {token}"})
            assert who.status_code == 200, who.text
            assert who.json()["admin"] is True
            c.get("/api/v1/models", headers={"X-Auth-Token": token})
        # The token is printed once and never logged with requests.
        assert server.output().count(token) == 1
    with serve(*data, workdir=tmp_path, env=env, auth=True, name="again") as server:
        assert "admin token:" not in server.output()
        r = httpx.get(server.base_url + "/api/v1/whoami", headers={"X-Auth-Token": token})
        assert r.status_code == 200


def test_no_auth_refuses_anything_but_loopback(tmp_path: Path) -> None:
    for host in ("0.0.0.0", "192.168.1.10", "example.com"):
        r = run_cli("serve", "--no-auth", "--host", host, "--data-dir", str(tmp_path), cwd=tmp_path)
        assert r.returncode == 2, r.stdout + r.stderr
        assert "loopback" in r.stdout + r.stderr
    assert not (tmp_path / "modelreg.db").exists()


def test_admin_commands(tmp_path: Path) -> None:
    config = tmp_path / "config.json"
    env = clean_env(MODELREG_CONFIG=str(config))
    with serve("--data-dir", str(tmp_path / "data"), workdir=tmp_path, env=env, auth=True) as s:

        def cli(*args: str) -> str:
            r = run_cli(*args, cwd=tmp_path, env=env)
            assert r.returncode == 0, r.stdout + r.stderr
            return r.stdout

        assert "created user bob" in cli("user", "create", "bob")
        cli("user", "create", "ci", "--service-account")
        assert "ci  service_account" in cli("user", "list")
        cli("workspace", "create", "team")
        assert "bob is viewer in team" in cli("workspace", "grant", "team", "bob", "viewer")
        assert "bob  viewer" in cli("workspace", "members", "team")
        secret = cli("token", "create", "--subject", "bob", "--scope", "models:read").strip()
        assert secret.startswith("mr_")
        who = httpx.get(s.base_url + "/api/v1/whoami", headers={"X-Auth-Token": secret}).json()
        assert who["roles"] == {"team": "viewer"}
        listed = json.loads(cli("token", "list", "--json"))
        mine = next(t for t in listed["items"] if t["subject"] == "bob")
        assert secret not in json.dumps(listed)
        cli("token", "revoke", mine["id"])
        r = httpx.get(s.base_url + "/api/v1/whoami", headers={"X-Auth-Token": secret})
        assert r.status_code == 401
        # Errors are one line on stderr and a non-zero exit.
        r = run_cli("user", "create", "bob", cwd=tmp_path, env=env)
        assert r.returncode == 1
        assert "ALREADY_EXISTS" in r.stderr
        r = run_cli("user", "list", "--token", "mr_" + "x" * 43, cwd=tmp_path, env=env)
        assert r.returncode == 1
        assert "UNAUTHENTICATED" in r.stderr
