"""A slow client cannot hold a worker: a body that does not arrive in time is answered
408 REQUEST_TIMEOUT (against a real server, over a raw socket). File uploads may take
long as long as they keep sending."""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from modelreg.api.errors import status_for
from modelreg.errors import DeadlineExceeded
from modelreg.store.db import Database
from tests.databases import PostgresDatabases
from tests.servers import clean_env, serve

pytestmark = pytest.mark.slow


def _request(base_url: str, head: bytes, chunks: list[bytes], pause: float) -> tuple[float, Any]:
    """Send ``head`` and then ``chunks`` ``pause`` seconds apart; (seconds from the last
    byte sent to the answer, (status, JSON body))."""
    host, port = base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=15) as sock:
        sock.sendall(head)
        for i, chunk in enumerate(chunks):
            if i:
                time.sleep(pause)
            sock.sendall(chunk)
        sent = time.monotonic()
        data = b""
        while not data.rstrip().endswith(b"}"):
            got = sock.recv(65536)
            if not got:
                break
            data += got
    headers, _, body = data.partition(b"\r\n\r\n")
    status = int(headers.split(b" ", 2)[1])
    return time.monotonic() - sent, (status, json.loads(body))


def _head(method: str, path: str, length: int, ctype: str) -> bytes:
    return (
        f"{method} {path} HTTP/1.1\r\nHost: t\r\nContent-Type: {ctype}\r\n"
        f"Content-Length: {length}\r\n\r\n"
    ).encode()


def test_stalled_bodies_are_408_and_steady_uploads_are_not(tmp_path: Path) -> None:
    env = clean_env(MODELREG_REQUEST_TIMEOUT="1")
    with serve("--data-dir", str(tmp_path / "data"), workdir=tmp_path, env=env) as server:
        base = server.base_url
        head = _head("POST", "/api/v1/models", 200, "application/json")
        took, (status, body) = _request(base, head, [b'{"name": '], 0)
        assert status == 408, body
        assert body["error"]["code"] == "REQUEST_TIMEOUT"
        assert 0.9 <= took < 8
        assert httpx.get(base + "/api/v1/models").json()["total"] == 0

        httpx.post(base + "/api/v1/models", json={"name": "m"}).raise_for_status()
        httpx.post(
            base + "/api/v1/models/m/versions", json={"status": "PENDING_REGISTRATION"}
        ).raise_for_status()
        url = "/api/v1/models/m/versions/1/files/"
        # 2.4 s in all, but never a second without bytes: accepted.
        chunks = [b"x" * 10] * 7
        upload = _head("PUT", url + "slow.bin", 70, "application/octet-stream")
        _, (status, body) = _request(base, upload, chunks, 0.4)
        assert status == 201, body
        assert body["size"] == 70
        # A stall of more than a second in the middle of an upload: 408.
        stalled = _head("PUT", url + "stalled.bin", 70, "application/octet-stream")
        _, (status, body) = _request(base, stalled, [b"x" * 10], 0)
        assert status == 408, body
        names = [f["path"] for f in httpx.get(base + url.rstrip("/")).json()["items"]]
        assert names == ["slow.bin"]


@pytest.mark.pg
def test_a_statement_past_its_timeout_is_deadline_exceeded(pg_dbs: PostgresDatabases) -> None:
    """The server's side of the deadline: PostgreSQL cancels a statement that runs past
    ``statement_timeout`` and the request answers 504 DEADLINE_EXCEEDED, not 500."""
    db = Database(pg_dbs.new(), pool_size=1, statement_timeout=0.2)
    try:
        started = time.monotonic()
        with pytest.raises(DeadlineExceeded), db.read() as conn:
            conn.execute(text("SELECT pg_sleep(3)"))
        assert time.monotonic() - started < 2
        with db.read() as conn:  # the connection is usable again
            assert conn.execute(text("SELECT 1")).scalar() == 1
    finally:
        db.dispose()
    assert status_for(DeadlineExceeded("slow")) == 504
