"""Running the real ``modelreg`` console script against one real server per test module,
with an environment that names the server and keeps every real config file out."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.servers import Server, clean_env, run_cli, serve


@dataclass
class Cli:
    """``modelreg`` pointed at ``server`` through MODELREG_URL, run in ``cwd``."""

    server: Server
    cwd: Path
    config: Path

    def env(self, **extra: str) -> dict[str, str]:
        base = {"MODELREG_URL": self.server.base_url, "MODELREG_CONFIG": str(self.config)}
        return clean_env(**{**base, **extra})

    def run(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        return run_cli(*args, cwd=self.cwd, env=self.env(**env))

    def ok(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        """Run and insist on exit 0 with nothing on stderr."""
        r = self.run(*args, **env)
        assert r.returncode == 0, f"exit {r.returncode}\nstdout: {r.stdout}\nstderr: {r.stderr}"
        assert r.stderr == "", r.stderr
        return r

    def json(self, *args: str, **env: str) -> Any:
        """Run with --json; stdout must be exactly one JSON document."""
        return json.loads(self.ok(*args, "--json", **env).stdout)

    def fails(self, *args: str, code: int = 1, **env: str) -> subprocess.CompletedProcess[str]:
        """Run and insist on exit ``code``, an empty stdout and no traceback."""
        r = self.run(*args, **env)
        assert r.returncode == code, f"exit {r.returncode}\nstdout: {r.stdout}\nstderr: {r.stderr}"
        assert r.stdout == ""
        assert "Traceback" not in r.stderr
        return r


@contextmanager
def cli_against_a_server(workdir: Path) -> Iterator[Cli]:
    """A fresh ``modelreg serve`` on SQLite in ``workdir`` and a Cli for it."""
    config = workdir / "no-such-config.json"
    env = clean_env(MODELREG_CONFIG=str(config))
    with serve("--data-dir", str(workdir / "data"), workdir=workdir, env=env) as server:
        yield Cli(server, workdir, config)
