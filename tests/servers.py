"""Real ``modelreg serve`` processes for tests: started on a free 127.0.0.1 port, awaited
until ``/readyz`` answers, and always stopped (terminate, then kill the process group)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import httpx

# The console script of the interpreter running the tests (the project's venv).
MODELREG = Path(sys.executable).parent / "modelreg"

START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0


def clean_env(**extra: str) -> dict[str, str]:
    """The test process's environment without any MODELREG_* setting, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MODELREG_")}
    env.update(NO_COLOR="1", COLUMNS="200", TERM="dumb")
    env.update(extra)
    return env


def run_cli(
    *args: str, cwd: Path, env: Mapping[str, str] | None = None, timeout: float = 60.0
) -> subprocess.CompletedProcess[str]:
    """Run the ``modelreg`` console script to completion."""
    return subprocess.run(
        [str(MODELREG), *args],
        cwd=cwd,
        env=dict(env) if env is not None else clean_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Server:
    proc: subprocess.Popen[bytes]
    base_url: str
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for_output(self, text: str, count: int = 1, timeout: float = START_TIMEOUT) -> None:
        """Wait until ``text`` appears ``count`` times in the server's output."""
        deadline = time.monotonic() + timeout
        while self.output().count(text) < count:
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"{text!r} did not appear {count} times in {timeout:.0f} s:\n" + self.output()
                )
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}:\n" + self.output())
            time.sleep(0.05)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        with suppress(subprocess.TimeoutExpired):
            proc.wait(STOP_TIMEOUT)
    # The server is its own process-group leader (start_new_session): this also reaches
    # uvicorn worker processes that outlived their supervisor.
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(STOP_TIMEOUT)


def _wait_ready(proc: subprocess.Popen[bytes], base_url: str, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    last = "no answer yet"
    with httpx.Client(base_url=base_url, timeout=2.0) as client:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(
                    f"modelreg serve exited with {proc.returncode} before it was ready:\n"
                    + log.read_text(errors="replace")
                )
            try:
                r = client.get("/readyz")
                if r.status_code == 200:
                    return
                last = f"{r.status_code} {r.text}"
            except httpx.TransportError as exc:
                last = repr(exc)
            time.sleep(0.1)
    raise RuntimeError(
        f"modelreg serve not ready after {START_TIMEOUT:.0f} s ({last}):\n"
        + log.read_text(errors="replace")
    )


@contextmanager
def serve(
    *args: str,
    workdir: Path,
    env: Mapping[str, str] | None = None,
    name: str = "server",
    auth: bool = False,
) -> Iterator[Server]:
    """``modelreg serve <args>`` on a free local port, with cwd ``workdir``; ready on entry,
    stopped on exit whatever happens. Without ``auth`` the server runs with ``--no-auth``;
    with it, the CLI config it writes goes to ``workdir`` unless ``env`` names one."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    log = workdir / f"{name}-{port}.log"
    cmd = [str(MODELREG), "serve", "--host", "127.0.0.1", "--port", str(port), *args]
    if not auth:
        cmd.append("--no-auth")
    environ = dict(env) if env is not None else clean_env()
    environ.setdefault("MODELREG_CONFIG", str(workdir / "modelreg-config.json"))
    with log.open("wb") as out:
        proc = subprocess.Popen(
            cmd,
            cwd=workdir,
            env=environ,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_ready(proc, base_url, log)
        yield Server(proc, base_url, log)
    finally:
        _stop(proc)


@contextmanager
def small_parts_server(workdir: Path, part_size: int) -> Iterator[Server]:
    """A server on its own data dir that hands out ``part_size`` multipart parts, so that
    small test files take the multipart and resume paths."""
    env = clean_env(MODELREG_UPLOAD_PART_SIZE=str(part_size))
    with serve("--data-dir", str(workdir / "data"), workdir=workdir, env=env) as s:
        yield s
