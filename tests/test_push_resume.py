"""Multipart push and resume, through the SDK and the real console script, against a real
``modelreg serve`` handing out 64 KiB parts: an interrupted push leaves the version
PENDING_REGISTRATION with what it sent, the resume sends only the rest (asserted on the
server's upload state and on the requests the resuming client makes), the pulled bytes
equal the source, and only an error the server answered fails the version."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from modelreg import errors
from modelreg.client import Client, PushInterrupted
from tests.cli_helpers import Cli
from tests.servers import MODELREG, Server, clean_env, serve, small_parts_server

pytestmark = pytest.mark.slow

PART = 64 << 10
THRESHOLD = PART  # the SDK's multipart threshold in these tests: anything over one part


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with small_parts_server(tmp_path_factory.mktemp("resume-server"), PART) as s:
        yield s


@pytest.fixture
def src(tmp_path: Path) -> Path:
    """A small file (one PUT), then a 17-part one (multipart), in push order."""
    root = tmp_path / "src"
    (root / "weights").mkdir(parents=True)
    (root / "config.json").write_text('{"layers": 3}')
    (root / "weights" / "big.bin").write_bytes(os.urandom(16 * PART + 123))
    return root


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


class Recorder:
    """The requests a client sends (an httpx event hook on a real client)."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def __call__(self, request: httpx.Request) -> None:
        self.sent.append((request.method, request.url.path))

    def part_numbers(self) -> list[int]:
        return [int(p.rsplit("/", 1)[1]) for m, p in self.sent if m == "PUT" and "/parts/" in p]

    def file_puts(self) -> list[str]:
        return [p for m, p in self.sent if m == "PUT" and "/files/" in p]


def _stop_after(limit: int) -> Any:
    def progress(done: int, total: int) -> None:
        if done >= limit:
            raise RuntimeError("stopped by the test")

    return progress


def _uploads(server: Server, model: str, number: int) -> list[dict[str, Any]]:
    url = f"{server.base_url}/api/v1/models/{model}/versions/{number}/uploads"
    r = httpx.get(url, timeout=10)
    assert r.status_code == 200, r.text
    items: list[dict[str, Any]] = r.json()["items"]
    return items


def test_interrupted_push_resumes_with_only_the_missing_parts(
    server: Server, src: Path, tmp_path: Path
) -> None:
    started: list[dict[str, Any]] = []
    with Client(server.base_url) as c:
        with pytest.raises(PushInterrupted) as info:
            c.push(
                src,
                "resumed",
                create_model=True,
                multipart_threshold=THRESHOLD,
                progress=_stop_after(5 * PART),
                on_version=started.append,
            )
        assert isinstance(info.value.__cause__, RuntimeError)
        number = info.value.details["version"]
        assert [v["number"] for v in started] == [number]
        assert c.get_version("resumed", number)["status"] == "PENDING_REGISTRATION"
        assert [f["path"] for f in c.list_files("resumed", number)] == ["config.json"]
    # The server holds the parts sent before the interruption, and only those.
    (upload,) = _uploads(server, "resumed", number)
    before = {p["number"] for p in upload["parts"]}
    assert upload["path"] == "weights/big.bin"
    assert 1 <= len(before) < 17
    assert before == set(range(1, len(before) + 1))

    rec = Recorder()
    seen: list[tuple[int, int]] = []
    with httpx.Client(event_hooks={"request": [rec]}, timeout=30) as http:
        c = Client(server.base_url, http=http)
        v = c.push(
            src,
            "resumed",
            version=number,
            multipart_threshold=THRESHOLD,
            progress=lambda done, total: seen.append((done, total)),
        )
    assert (v["number"], v["status"]) == (number, "READY")
    assert sorted(rec.part_numbers()) == sorted(set(range(1, 18)) - before)
    assert rec.file_puts() == []  # config.json was already there
    total = sum(len(b) for b in _tree(src).values())
    assert seen[-1] == (total, total)
    assert _uploads(server, "resumed", number) == []

    with Client(server.base_url) as c:
        c.pull(f"resumed:{number}", tmp_path / "out")
        assert _tree(tmp_path / "out") == _tree(src)
        # Resuming a version already READY with these files sends nothing.
        again = c.push(src, "resumed", version=number, multipart_threshold=THRESHOLD)
        assert again["status"] == "READY"


def test_a_refusal_by_the_server_fails_the_version(server: Server, src: Path) -> None:
    """The file changes after it was hashed: the server finds the parts do not add up to
    the declared sha256, and the version is FAILED_REGISTRATION, not resumable."""
    big = src / "weights" / "big.bin"

    def tamper(done: int, total: int) -> None:
        if done > 0:
            with big.open("r+b") as f:
                f.seek(10 * PART)
                f.write(b"\0" * 10)

    with Client(server.base_url) as c:
        with pytest.raises(errors.InvalidArgument, match="checksum mismatch"):
            c.push(
                src, "tampered", create_model=True, multipart_threshold=THRESHOLD, progress=tamper
            )
        v = c.get_version("tampered", 1)
        assert v["status"] == "FAILED_REGISTRATION"
        assert "weights/big.bin" in v["status_message"]
        with pytest.raises(errors.FailedPrecondition, match="cannot be resumed"):
            c.push(src, "tampered", version=1, multipart_threshold=THRESHOLD)


def test_resume_takes_no_metadata(server: Server, src: Path) -> None:
    with (
        Client(server.base_url) as c,
        pytest.raises(errors.InvalidArgument, match="leave out description"),
    ):
        c.push(src, "meta", version=1, description="again")


def test_cli_push_interrupted_by_ctrl_c_says_how_to_resume(server: Server, tmp_path: Path) -> None:
    """The real console script (its default 8 MiB threshold) is sent SIGINT once the server
    holds a part; it exits 130 naming the command that resumes, which finishes the job."""
    src = tmp_path / "big-model"
    src.mkdir()
    (src / "model.bin").write_bytes(os.urandom(9 << 20))  # 144 parts of 64 KiB
    cli = Cli(server, tmp_path, tmp_path / "no-config.json")
    proc = subprocess.Popen(
        [str(MODELREG), "push", str(src), "--model", "ctrl-c", "--quiet"],
        cwd=tmp_path,
        env=cli.env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            r = httpx.get(f"{server.base_url}/api/v1/models/ctrl-c/versions/1/uploads", timeout=5)
            if r.status_code == 200 and any(u["parts"] for u in r.json()["items"]):
                break
            time.sleep(0.02)
        assert proc.poll() is None, "the push ended before it could be interrupted"
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert "version 1 of ctrl-c stays PENDING_REGISTRATION" in stderr
    assert f"modelreg push {src} --model ctrl-c --version 1" in stderr
    assert stdout == ""
    assert cli.json("versions", "get", "ctrl-c", "1")["status"] == "PENDING_REGISTRATION"

    r = cli.ok("push", str(src), "--model", "ctrl-c", "--version", "1")
    assert "pushed model:default/ctrl-c:1: 1 files, 9.4 MB" in r.stdout
    cli.ok("pull", "ctrl-c:1", "-o", str(tmp_path / "out"))
    assert _tree(tmp_path / "out") == _tree(src)


def test_connection_lost_mid_push_then_resumed_on_the_restarted_server(tmp_path: Path) -> None:
    """The server dies (SIGKILL) in the middle of a part: the client raises
    PushInterrupted from Unavailable, and against the restarted server (same data dir) the
    resume completes the version with the parts that had arrived."""
    src = tmp_path / "src"
    src.mkdir()
    (src / "model.bin").write_bytes(os.urandom(20 * PART + 9))
    args = ("--data-dir", str(tmp_path / "data"))
    env = clean_env(MODELREG_UPLOAD_PART_SIZE=str(PART))
    with serve(*args, workdir=tmp_path, env=env, name="first") as first:

        def kill_the_server(done: int, total: int) -> None:
            if done >= 6 * PART + PART // 2 and first.proc.poll() is None:
                first.proc.kill()
                first.proc.wait()

        with Client(first.base_url) as c, pytest.raises(PushInterrupted) as info:
            c.push(
                src,
                "lost",
                create_model=True,
                multipart_threshold=THRESHOLD,
                progress=kill_the_server,
            )
    assert isinstance(info.value.__cause__, errors.Unavailable)
    number = info.value.details["version"]
    with serve(*args, workdir=tmp_path, env=env, name="second") as second:
        (upload,) = _uploads(second, "lost", number)
        # Some parts, not all: the kill lands after 6.5 parts were handed to the socket,
        # and the part in flight may or may not have been recorded before it.
        assert 1 <= len(upload["parts"]) < 21
        with Client(second.base_url) as c:
            assert c.get_version("lost", number)["status"] == "PENDING_REGISTRATION"
            v = c.push(src, "lost", version=number, multipart_threshold=THRESHOLD)
            assert v["status"] == "READY"
            c.pull(f"lost:{number}", tmp_path / "out")
    assert _tree(tmp_path / "out") == _tree(src)
