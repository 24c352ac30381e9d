"""Blob-store conformance on both backends (local disk and a real S3-compatible server,
SeaweedFS), plus the files API over an S3 store: upload, download, Range, and wrong
credentials failing cleanly."""

from __future__ import annotations

import hashlib
import os
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from modelreg.api.app import create_app
from modelreg.blobs import BlobStore, LocalBlobStore, open_blob_store
from modelreg.blobs.s3 import S3BlobStore
from modelreg.config import Settings
from modelreg.errors import Unavailable
from tests.conftest import assert_error
from tests.s3server import S3Server

DATA = bytes(range(256)) * 40  # 10240 bytes, every offset distinguishable


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _s3_settings(server: S3Server, **overrides: Any) -> dict[str, Any]:
    return {
        "s3_endpoint": server.endpoint,
        "s3_access_key_id": server.access_key_id,
        "s3_secret_access_key": server.secret_access_key,
        **overrides,
    }


@pytest.fixture(params=["local", "s3"])
def blobs(request: pytest.FixtureRequest, tmp_path: Path) -> BlobStore:
    if request.param == "local":
        return LocalBlobStore(tmp_path / "blobs")
    server: S3Server = request.getfixturevalue("s3_server")
    store = open_blob_store(
        f"s3://{server.bucket}/t-{uuid.uuid4().hex}",  # a fresh prefix per test
        s3_endpoint=server.endpoint,
        s3_access_key_id=server.access_key_id,
        s3_secret_access_key=server.secret_access_key,
    )
    assert isinstance(store, S3BlobStore)
    return store


def _put(blobs: BlobStore, data: bytes, chunk: int = 4096) -> str:
    staged = blobs.stage()
    for i in range(0, len(data), chunk):
        staged.write(data[i : i + chunk])
    assert staged.size == len(data)
    assert staged.sha256() == _sha(data)
    return staged.commit()


def _read(blobs: BlobStore, sha: str, start: int = 0, end: int | None = None) -> bytes:
    return b"".join(blobs.read(sha, start, end))


def _objects(blobs: BlobStore) -> list[str]:
    """Every stored object (and, locally, every leftover temp file)."""
    if isinstance(blobs, LocalBlobStore):
        return sorted(str(p) for p in blobs.root.rglob("*") if p.is_file())
    assert isinstance(blobs, S3BlobStore)
    import obstore

    return sorted(o["path"] for batch in obstore.list(blobs.store) for o in batch)


def test_stage_commit_returns_sha_and_dedupes(blobs: BlobStore) -> None:
    sha = _put(blobs, DATA)
    assert sha == _sha(DATA)
    assert blobs.exists(sha)
    assert _put(blobs, DATA, chunk=1000) == sha  # same bytes, other chunking: stored once
    assert len(_objects(blobs)) == 1
    assert _read(blobs, sha) == DATA


def test_discard_leaves_nothing(blobs: BlobStore) -> None:
    staged = blobs.stage()
    staged.write(b"abandoned")
    staged.discard()
    assert _objects(blobs) == []
    assert not blobs.exists(_sha(b"abandoned"))


def test_empty_blob(blobs: BlobStore) -> None:
    sha = _put(blobs, b"")
    assert sha == _sha(b"")
    assert blobs.exists(sha)
    assert _read(blobs, sha) == b""


@pytest.mark.parametrize(
    ("start", "end"),
    [(0, None), (0, 1), (10, 20), (1000, None), (len(DATA) - 1, None), (len(DATA) - 7, len(DATA))],
)
def test_read_ranges(blobs: BlobStore, start: int, end: int | None) -> None:
    sha = _put(blobs, DATA)
    assert _read(blobs, sha, start, end) == DATA[start:end]


def test_exists(blobs: BlobStore) -> None:
    assert not blobs.exists(_sha(b"nope"))
    sha = _put(blobs, b"yes")
    assert blobs.exists(sha)


def test_large_object_round_trip(blobs: BlobStore) -> None:
    data = os.urandom(20 << 20)  # 20 MB: several multipart parts on S3
    sha = _put(blobs, data, chunk=1 << 20)
    assert sha == _sha(data)
    chunks = list(blobs.read(sha))
    assert max(len(c) for c in chunks) <= 16 << 20  # streamed in chunks, not one buffer
    assert b"".join(chunks) == data
    assert _read(blobs, sha, 15 << 20, (15 << 20) + 123) == data[15 << 20 : (15 << 20) + 123]
    assert _read(blobs, sha, len(data) - 5) == data[-5:]


def test_a_download_abandoned_midway_stops_fetching(blobs: BlobStore) -> None:
    """S3 reads run ahead of the consumer in a thread of their own; a client that goes away
    after the first chunk must not leave that thread behind."""
    import threading

    if isinstance(blobs, LocalBlobStore):
        pytest.skip("local reads run in the caller's thread")
    sha = _put(blobs, os.urandom(12 << 20), chunk=1 << 20)
    stream = blobs.read(sha)
    assert len(next(stream)) > 0
    stream.close()  # type: ignore[attr-defined]  # a generator, as Starlette closes it
    deadline = time.monotonic() + 5
    while any(t.name == "s3-read-ahead" for t in threading.enumerate()):
        assert time.monotonic() < deadline, "the read-ahead thread outlived its download"
        time.sleep(0.05)


# --- upload parts ---------------------------------------------------------------------------

PART = 4096


def _send_part(blobs: BlobStore, upload: str, number: int, data: bytes) -> None:
    part = blobs.stage_part(upload, number, (number - 1) * PART)
    for i in range(0, len(data), 1000):
        part.write(data[i : i + 1000])
    part.commit()


def test_parts_in_any_order_assemble_into_one_blob(blobs: BlobStore) -> None:
    upload = str(uuid.uuid4())
    for n in (3, 1, 2):
        _send_part(blobs, upload, n, DATA[(n - 1) * PART : n * PART])
    assert blobs.part_sizes(upload) == {1: PART, 2: PART, 3: len(DATA) - 2 * PART}
    assembled = blobs.assemble(upload, [1, 2, 3])
    assert (assembled.size, assembled.sha256()) == (len(DATA), _sha(DATA))
    assert assembled.commit() == _sha(DATA)
    assert _read(blobs, _sha(DATA)) == DATA
    blobs.delete_parts(upload)
    assert blobs.part_sizes(upload) == {}
    assert list(blobs.list_parts()) == []


def test_assembling_with_a_part_gone_raises(blobs: BlobStore) -> None:
    upload = str(uuid.uuid4())
    _send_part(blobs, upload, 1, DATA[:PART])
    with pytest.raises(FileNotFoundError):
        blobs.assemble(upload, [1, 2])


def test_a_part_being_resent_does_not_count_until_committed(tmp_path: Path) -> None:
    """Locally a part is rewritten in place: while (or if) the new copy is incomplete, the
    part is missing, never half old and half new."""
    blobs = LocalBlobStore(tmp_path / "blobs")
    upload = str(uuid.uuid4())
    _send_part(blobs, upload, 1, DATA[:PART])
    again = blobs.stage_part(upload, 1, 0)
    again.write(b"x" * 100)
    assert blobs.part_sizes(upload) == {}
    again.discard()  # the client went away
    assert blobs.part_sizes(upload) == {}
    _send_part(blobs, upload, 1, DATA[:PART])
    assert blobs.assemble(upload, [1]).sha256() == _sha(DATA[:PART])


def test_a_part_resent_elsewhere_is_hashed_from_the_file(tmp_path: Path) -> None:
    """One process hashes in-order parts as they arrive and skips the read-back; a part
    re-sent through another process (another store object over the same folder) with
    other bytes must be what the blob's sha256 is computed over."""
    here, there = LocalBlobStore(tmp_path / "blobs"), LocalBlobStore(tmp_path / "blobs")
    upload = str(uuid.uuid4())
    _send_part(here, upload, 1, b"a" * PART)
    _send_part(here, upload, 2, b"b" * 10)
    _send_part(there, upload, 1, b"c" * PART)  # same size, other bytes
    assembled = here.assemble(upload, [1, 2])
    assert assembled.sha256() == _sha(b"c" * PART + b"b" * 10)
    assert _read(here, assembled.commit()) == b"c" * PART + b"b" * 10

    # In order through one process: the chained digest is the file's.
    upload = str(uuid.uuid4())
    for n in (1, 2, 3):
        _send_part(here, upload, n, DATA[(n - 1) * PART : n * PART])
    assert here.assemble(upload, [1, 2, 3]).sha256() == _sha(DATA)


def test_assembling_waits_for_parts_being_written(tmp_path: Path) -> None:
    """Completing an upload while one of its parts is being re-sent (say, by another
    server process) waits for that write, and a part written after completion never
    lands in the blob."""
    import threading

    blobs = LocalBlobStore(tmp_path / "blobs")
    upload = str(uuid.uuid4())
    _send_part(blobs, upload, 1, b"a" * PART)
    _send_part(blobs, upload, 2, b"b" * 10)
    resend = blobs.stage_part(upload, 1, 0)
    result: list[str] = []
    worker = threading.Thread(target=lambda: result.append(blobs.assemble(upload, [1, 2]).commit()))
    worker.start()
    worker.join(0.5)
    assert worker.is_alive()  # blocked by the write in progress
    assert result == []
    resend.write(b"c" * PART)
    resend.commit()
    worker.join(10)
    expected = b"c" * PART + b"b" * 10
    assert result == [_sha(expected)]
    late = blobs.stage_part(upload, 2, PART)  # a straggler for the completed upload
    late.write(b"z" * 10)
    late.commit()
    assert _read(blobs, _sha(expected)) == expected


# --- the files API over an S3 store ------------------------------------------------------


@pytest.fixture
def s3_client(s3_server: S3Server, sqlite_dbs: Any) -> Iterator[TestClient]:
    settings = Settings(
        database_url=sqlite_dbs.new(),
        no_auth=True,
        artifact_store=f"s3://{s3_server.bucket}/api-{uuid.uuid4().hex}",
        **_s3_settings(s3_server),
    )
    with TestClient(create_app(settings)) as c:
        yield c


def _pending_version(client: TestClient) -> str:
    assert client.post("/api/v1/models", json={"name": "m"}).status_code == 201
    r = client.post("/api/v1/models/m/versions", json={"status": "PENDING_REGISTRATION"})
    assert r.status_code == 201, r.text
    return f"/api/v1/models/m/versions/{r.json()['number']}"


def test_files_api_on_s3(s3_client: TestClient) -> None:
    base = _pending_version(s3_client)
    r = s3_client.put(
        f"{base}/files/dir/a.bin", content=DATA, headers={"X-Checksum-Sha256": _sha(DATA)}
    )
    assert r.status_code == 201, r.text
    assert r.json() == {"path": "dir/a.bin", "size": len(DATA), "sha256": _sha(DATA)}
    bad = s3_client.put(
        f"{base}/files/b.bin", content=b"x", headers={"X-Checksum-Sha256": "0" * 64}
    )
    assert_error(bad, 400, "INVALID_ARGUMENT")

    r = s3_client.get(f"{base}/files/dir/a.bin")
    assert r.status_code == 200
    assert r.content == DATA
    assert r.headers["etag"] == f'"{_sha(DATA)}"'
    r = s3_client.get(f"{base}/files/dir/a.bin", headers={"Range": "bytes=100-299"})
    assert r.status_code == 206
    assert r.content == DATA[100:300]
    r = s3_client.get(f"{base}/files/dir/a.bin", headers={"Range": "bytes=-10"})
    assert r.status_code == 206
    assert r.content == DATA[-10:]
    r = s3_client.post(f"{base}/finalize")
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "READY"


def test_wrong_credentials_fail_cleanly(s3_server: S3Server, sqlite_dbs: Any) -> None:
    settings = Settings(
        database_url=sqlite_dbs.new(),
        no_auth=True,
        artifact_store=f"s3://{s3_server.bucket}/bad",
        **_s3_settings(s3_server, s3_secret_access_key="wrong-secret"),
    )
    with TestClient(create_app(settings)) as client:
        base = _pending_version(client)
        started = time.monotonic()
        r = client.put(f"{base}/files/a.bin", content=DATA)
        assert time.monotonic() - started < 10  # rejected, not retried for minutes
        err = assert_error(r, 503, "UNAVAILABLE")
        assert "artifact store" in err["message"]
        assert client.get(f"{base}/files").json() == {"items": []}


def test_unreachable_store_fails_fast() -> None:
    store = S3BlobStore(
        "bucket", endpoint="http://127.0.0.1:9", access_key_id="k", secret_access_key="s"
    )
    started = time.monotonic()
    with pytest.raises(Unavailable):
        store.exists(_sha(b"x"))
    assert time.monotonic() - started < 20
