"""Artifacts through real ``modelreg serve`` processes. A 1 GB file in constant memory: a
streamed PUT, a streamed GET, and the same bytes again as a resumable multipart upload;
the server's peak RSS (VmHWM) may grow by no more than ~50 MB over its warmed-up baseline.
And one multipart upload served by two processes over one database and store."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.servers import clean_env, serve

pytestmark = pytest.mark.slow

SIZE = 1 << 30
CHUNK = 1 << 20
MAX_GROWTH = 50 << 20
BLOCK = os.urandom(CHUNK)


def _body(start: int = 0, end: int = SIZE) -> Iterator[bytes]:
    """Bytes start..end of the 1 GB test file (one random MiB repeated), in chunks."""
    pos = start
    while pos < end:
        offset = pos % CHUNK
        piece = BLOCK[offset : offset + min(CHUNK - offset, end - pos)]
        pos += len(piece)
        yield piece


def _sha256() -> str:
    h = hashlib.sha256()
    for chunk in _body():
        h.update(chunk)
    return h.hexdigest()


def _peak_rss(pid: int) -> int:
    """The process's high-water resident set size, in bytes (Linux /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM in /proc status")


def _download_sha(client: httpx.Client, url: str) -> tuple[int, str]:
    h, n = hashlib.sha256(), 0
    with client.stream("GET", url) as r:
        assert r.status_code == 200, r.read()
        for chunk in r.iter_bytes(CHUNK):
            h.update(chunk)
            n += len(chunk)
    return n, h.hexdigest()


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")
def test_one_gigabyte_in_constant_memory(tmp_path: Path) -> None:
    sha = _sha256()
    with (
        serve("--data-dir", str(tmp_path / "data"), workdir=tmp_path) as server,
        httpx.Client(base_url=server.base_url, timeout=120) as client,
    ):
        assert client.post("/api/v1/models", json={"name": "big"}).status_code == 201
        r = client.post("/api/v1/models/big/versions", json={"status": "PENDING_REGISTRATION"})
        assert r.status_code == 201, r.text
        base = "/api/v1/models/big/versions/1"
        # Warm up every code path with a small file, then take the baseline.
        small = BLOCK[:1000]
        assert client.put(f"{base}/files/warm", content=small).status_code == 201
        assert client.get(f"{base}/files/warm").content == small
        baseline = _peak_rss(server.proc.pid)

        r = client.put(f"{base}/files/big.bin", content=_body(), headers={"X-Checksum-Sha256": sha})
        assert r.status_code == 201, r.text
        assert r.json() == {"path": "big.bin", "size": SIZE, "sha256": sha}
        assert _download_sha(client, f"{base}/files/big.bin") == (SIZE, sha)

        up = client.post(f"{base}/uploads", json={"path": "parts.bin", "size": SIZE, "sha256": sha})
        assert up.status_code == 201, up.text
        upload_id, part_size = up.json()["upload_id"], up.json()["part_size"]
        for number, start in enumerate(range(0, SIZE, part_size), start=1):
            r = client.put(
                f"{base}/uploads/{upload_id}/parts/{number}",
                content=_body(start, min(start + part_size, SIZE)),
            )
            assert r.status_code == 200, r.text
        r = client.post(f"{base}/uploads/{upload_id}/complete")
        assert r.status_code == 200, r.text
        assert r.json() == {"path": "parts.bin", "size": SIZE, "sha256": sha}

        growth = _peak_rss(server.proc.pid) - baseline
        assert growth <= MAX_GROWTH, f"server peak RSS grew by {growth / 2**20:.1f} MiB"


def test_two_server_processes_serve_one_upload(tmp_path: Path) -> None:
    """Two ``modelreg serve`` processes over one data dir (database and store): parts go to
    either, progress is visible on both, and either can complete."""
    data = os.urandom(3 * 1024 + 10)
    sha = hashlib.sha256(data).hexdigest()
    env = clean_env(MODELREG_UPLOAD_PART_SIZE="1024")
    args = ("--data-dir", str(tmp_path / "data"))
    with (
        serve(*args, workdir=tmp_path, env=env, name="a") as a,
        serve(*args, workdir=tmp_path, env=env, name="b") as b,
        httpx.Client(base_url=a.base_url, timeout=30) as ca,
        httpx.Client(base_url=b.base_url, timeout=30) as cb,
    ):
        assert ca.post("/api/v1/models", json={"name": "m"}).status_code == 201
        r = cb.post("/api/v1/models/m/versions", json={"status": "PENDING_REGISTRATION"})
        assert r.status_code == 201, r.text
        base = "/api/v1/models/m/versions/1"
        r = ca.post(f"{base}/uploads", json={"path": "f", "size": len(data), "sha256": sha})
        assert r.status_code == 201, r.text
        assert r.json()["part_size"] == 1024
        upload = f"{base}/uploads/{r.json()['upload_id']}"
        for n, client in zip((1, 2, 3, 4), (ca, cb, cb, ca), strict=True):
            r = client.put(f"{upload}/parts/{n}", content=data[(n - 1) * 1024 : n * 1024])
            assert r.status_code == 200, r.text
            assert [
                p["number"] for p in (ca if client is cb else cb).get(upload).json()["parts"]
            ] == list(range(1, n + 1))
        r = cb.post(f"{upload}/complete")
        assert r.status_code == 200, r.text
        assert ca.get(f"{base}/files/f").content == data
