"""Resumable multipart uploads over HTTP, on both dialects and both blob stores (local disk
and a real SeaweedFS): parts in any order, resume from what GET reports, re-sent parts,
part numbers and sizes out of range, abort, PENDING_REGISTRATION only, path traversal on
every route, and two app instances sharing one upload. Checksum mismatches and aborts that
fail the version: tests/test_upload_failures.py."""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from modelreg.blobs import BlobStore, LocalBlobStore
from modelreg.services import Services
from tests.conftest import app_over, assert_error

PART = 1024
DATA = os.urandom(2 * PART + 500)  # three parts: 1024, 1024, 500


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def small_parts_app(db_url: str, any_blobs: BlobStore) -> Iterator[tuple[TestClient, Services]]:
    with app_over(db_url, any_blobs, upload_part_size=PART) as pair:
        yield pair


@pytest.fixture
def small_parts(small_parts_app: tuple[TestClient, Services]) -> Services:
    return small_parts_app[1]


@pytest.fixture
def uc(small_parts_app: tuple[TestClient, Services]) -> TestClient:
    """A client over small parts, on each dialect and each blob store."""
    return small_parts_app[0]


@pytest.fixture
def lc(db_url: str, tmp_path: Path) -> Iterator[TestClient]:
    """The same on the local store only: for input checks, which happen before any byte
    reaches a store."""
    with app_over(db_url, LocalBlobStore(tmp_path / "blobs"), upload_part_size=PART) as (c, _):
        yield c


def _ok(r: Any, status: int = 200) -> Any:
    assert r.status_code == status, r.text
    return r.json()


def pending(client: TestClient, base: str = "/api/v1/models", name: str = "m") -> str:
    """A model with a PENDING_REGISTRATION version; the version's URL."""
    _ok(client.post(base, json={"name": name}), 201)
    v = _ok(client.post(f"{base}/{name}/versions", json={"status": "PENDING_REGISTRATION"}), 201)
    return f"{base}/{name}/versions/{v['number']}"


def start(client: TestClient, version: str, data: bytes = DATA, path: str = "w.bin") -> str:
    body = {"path": path, "size": len(data), "sha256": _sha(data)}
    out = _ok(client.post(f"{version}/uploads", json=body), 201)
    assert set(out) == {"upload_id", "part_size"}
    assert out["part_size"] == PART
    upload: str = f"{version}/uploads/{out['upload_id']}"
    return upload


def send(client: TestClient, upload: str, number: int, data: bytes = DATA) -> Any:
    chunk = data[(number - 1) * PART : number * PART]
    return client.put(f"{upload}/parts/{number}", content=chunk)


def _parts_in_store(blobs: BlobStore) -> list[str]:
    return [p.name for p in blobs.list_parts()]


def test_multipart_upload_in_any_order(uc: TestClient, any_blobs: BlobStore) -> None:
    version = pending(uc)
    upload = start(uc, version)
    for n in (3, 1, 2):
        assert _ok(send(uc, upload, n)) == {
            "number": n,
            "size": min(PART, len(DATA) - (n - 1) * PART),
        }
    state = _ok(uc.get(upload))
    assert state["path"] == "w.bin"
    assert state["size"] == len(DATA)
    assert state["part_size"] == PART
    assert state["parts"] == [
        {"number": 1, "size": 1024},
        {"number": 2, "size": 1024},
        {"number": 3, "size": 500},
    ]
    done = _ok(uc.post(f"{upload}/complete"))
    assert done == {"path": "w.bin", "size": len(DATA), "sha256": _sha(DATA)}
    assert uc.get(f"{version}/files/w.bin").content == DATA
    assert _ok(uc.get(f"{version}/files"))["items"] == [done]
    assert_error(uc.get(upload), 404, "NOT_FOUND")  # completed uploads are gone
    assert _parts_in_store(any_blobs) == []
    assert _ok(uc.post(f"{version}/finalize"))["status"] == "READY"


def test_interrupted_upload_resumes_from_the_parts_it_lacks(uc: TestClient) -> None:
    version = pending(uc)
    upload = start(uc, version)
    _ok(send(uc, upload, 1))
    # The connection drops in the middle of part 2: a short part is refused, not recorded.
    r = uc.put(f"{upload}/parts/2", content=DATA[PART : PART + 100])
    assert_error(r, 400, "INVALID_ARGUMENT")
    err = assert_error(uc.post(f"{upload}/complete"), 409, "FAILED_PRECONDITION")
    assert err["details"]["missing_parts"] == [2, 3]
    # A new client asks what arrived and sends the rest.
    have = {p["number"] for p in _ok(uc.get(upload))["parts"]}
    assert have == {1}
    for n in {1, 2, 3} - have:
        _ok(send(uc, upload, n))
    assert _ok(uc.post(f"{upload}/complete"))["sha256"] == _sha(DATA)
    assert uc.get(f"{version}/files/w.bin").content == DATA


def test_resent_part_replaces_the_first(lc: TestClient) -> None:
    version = pending(lc)
    upload = start(lc, version)
    _ok(lc.put(f"{upload}/parts/1", content=b"x" * PART))  # right size, wrong bytes
    for n in (1, 2, 3):
        _ok(send(lc, upload, n))
    assert len(_ok(lc.get(upload))["parts"]) == 3
    assert _ok(lc.post(f"{upload}/complete"))["sha256"] == _sha(DATA)
    assert lc.get(f"{version}/files/w.bin").content == DATA


@pytest.mark.parametrize("number", ["0", "4", "10001", "-1", "x", "1.5"])
def test_part_number_out_of_range(lc: TestClient, number: str) -> None:
    upload = start(lc, pending(lc))
    assert_error(lc.put(f"{upload}/parts/{number}", content=b"x"), 400, "INVALID_ARGUMENT")
    assert _ok(lc.get(upload))["parts"] == []


@pytest.mark.parametrize(
    ("number", "size"), [(1, PART - 1), (1, PART + 1), (2, 0), (3, 499), (3, 501), (3, PART)]
)
def test_part_of_the_wrong_size(lc: TestClient, number: int, size: int) -> None:
    upload = start(lc, pending(lc))
    assert_error(lc.put(f"{upload}/parts/{number}", content=b"y" * size), 400, "INVALID_ARGUMENT")
    assert _ok(lc.get(upload))["parts"] == []


def test_abort(uc: TestClient, any_blobs: BlobStore) -> None:
    version = pending(uc)
    upload = start(uc, version)
    _ok(send(uc, upload, 1))
    assert _parts_in_store(any_blobs) != []
    r = uc.delete(upload)
    assert r.status_code == 204, r.text
    assert _parts_in_store(any_blobs) == []
    assert_error(uc.get(upload), 404, "NOT_FOUND")
    # The version is FAILED_REGISTRATION now (tests/test_upload_failures.py): no more parts.
    assert_error(send(uc, upload, 2), 409, "FAILED_PRECONDITION")
    assert_error(uc.post(f"{upload}/complete"), 409, "FAILED_PRECONDITION")
    assert_error(uc.delete(upload), 404, "NOT_FOUND")
    assert _ok(uc.get(f"{version}/files"))["items"] == []


def test_empty_file(lc: TestClient) -> None:
    version = pending(lc)
    upload = start(lc, version, b"", "empty")
    assert _ok(lc.get(upload))["parts"] == []
    assert_error(lc.put(f"{upload}/parts/1", content=b""), 400, "INVALID_ARGUMENT")
    assert _ok(lc.post(f"{upload}/complete")) == {"path": "empty", "size": 0, "sha256": _sha(b"")}


def test_only_pending_versions_take_uploads(lc: TestClient) -> None:
    _ok(lc.post("/api/v1/models", json={"name": "m"}), 201)
    ready = _ok(lc.post("/api/v1/models/m/versions", json={}), 201)
    body = {"path": "a", "size": 1, "sha256": _sha(b"a")}
    r = lc.post(f"/api/v1/models/m/versions/{ready['number']}/uploads", json=body)
    assert_error(r, 409, "FAILED_PRECONDITION")

    v = _ok(lc.post("/api/v1/models/m/versions", json={"status": "PENDING_REGISTRATION"}), 201)
    version = f"/api/v1/models/m/versions/{v['number']}"
    upload = start(lc, version)
    _ok(send(lc, upload, 1))
    _ok(lc.post(f"{version}/finalize"))
    assert_error(send(lc, upload, 2), 409, "FAILED_PRECONDITION")
    assert_error(lc.post(f"{upload}/complete"), 409, "FAILED_PRECONDITION")
    assert _ok(lc.get(f"{version}/files"))["items"] == []
    assert lc.delete(upload).status_code == 204  # cleaning up is always allowed


@pytest.mark.parametrize(
    "path",
    ["../x", "/etc/passwd", "a/../../b", "a//b", "./a", "a\\b", "a/\x01", "..", "", "x" * 1025],
)
def test_start_rejects_bad_paths(lc: TestClient, path: str) -> None:
    version = pending(lc)
    body = {"path": path, "size": 1, "sha256": _sha(b"a")}
    assert_error(lc.post(f"{version}/uploads", json=body), 400, "INVALID_ARGUMENT")


@pytest.mark.parametrize(
    "body",
    [
        {"path": "a", "size": -1, "sha256": "0" * 64},
        {"path": "a", "size": 1, "sha256": "0" * 63},
        {"path": "a", "size": 1, "sha256": "G" * 64},
        {"path": "a", "size": "1", "sha256": "0" * 64},
        {"path": "a", "size": 6 << 40, "sha256": "0" * 64},
        {"path": "a", "size": 1},
        {"path": "a", "size": 1, "sha256": "0" * 64, "extra": 1},
    ],
)
def test_start_rejects_bad_bodies(lc: TestClient, body: dict[str, Any]) -> None:
    version = pending(lc)
    assert_error(lc.post(f"{version}/uploads", json=body), 400, "INVALID_ARGUMENT")


@pytest.mark.parametrize(
    "upload_id",
    ["..%2F..%2Fobjects", "not-a-uuid", "%2E%2E", "00000000-0000-0000-0000-00000000000g"],
)
def test_upload_ids_cannot_escape(lc: TestClient, upload_id: str) -> None:
    version = pending(lc)
    base = f"{version}/uploads/{upload_id}"
    for r in (
        lc.get(base),
        lc.put(f"{base}/parts/1", content=b"x"),
        lc.post(f"{base}/complete"),
        lc.delete(base),
    ):
        assert r.status_code in (400, 404), r.text
        assert r.json()["error"]["code"] in ("INVALID_ARGUMENT", "NOT_FOUND")


def test_an_upload_belongs_to_its_version(lc: TestClient) -> None:
    first = pending(lc)
    upload_id = start(lc, first).rsplit("/", 1)[1]
    v = _ok(lc.post("/api/v1/models/m/versions", json={"status": "PENDING_REGISTRATION"}), 201)
    other = f"/api/v1/models/m/versions/{v['number']}/uploads/{upload_id}"
    assert_error(lc.get(other), 404, "NOT_FOUND")
    assert_error(lc.put(f"{other}/parts/1", content=DATA[:PART]), 404, "NOT_FOUND")
    assert_error(lc.post(f"{other}/complete"), 404, "NOT_FOUND")
    assert_error(lc.delete(other), 404, "NOT_FOUND")
    assert_error(
        lc.get(f"/api/v1/models/m/versions/{v['number']}/uploads/{uuid.uuid4()}"), 404, "NOT_FOUND"
    )


def test_named_workspace_routes(lc: TestClient) -> None:
    _ok(lc.post("/api/v1/workspaces", json={"name": "prod"}), 201)
    version = pending(lc, "/api/v1/workspaces/prod/models")
    upload = start(lc, version)
    for n in (1, 2, 3):
        _ok(send(lc, upload, n))
    _ok(lc.post(f"{upload}/complete"))
    assert lc.get(f"{version}/files/w.bin").content == DATA
    assert_error(lc.get("/api/v1/models/m/versions/1/files"), 404, "NOT_FOUND")


def test_two_server_instances_share_one_upload(
    small_parts: Services, uc: TestClient, db_url: str
) -> None:
    """State in the database, bytes in the store: another instance (its own engine and
    store object over the same database and store) takes the next part and completes."""
    version = pending(uc)
    upload = start(uc, version)
    _ok(send(uc, upload, 1))
    blobs = small_parts.files.blobs
    if isinstance(blobs, LocalBlobStore):
        blobs = LocalBlobStore(blobs.root)
    with app_over(db_url, blobs, upload_part_size=PART) as (c2, _):
        assert [p["number"] for p in _ok(c2.get(upload))["parts"]] == [1]
        _ok(send(c2, upload, 2))
        _ok(send(uc, upload, 3))
        assert _ok(c2.post(f"{upload}/complete"))["sha256"] == _sha(DATA)
    assert uc.get(f"{version}/files/w.bin").content == DATA


def test_parts_lost_from_the_store_can_be_sent_again(uc: TestClient, any_blobs: BlobStore) -> None:
    version = pending(uc)
    upload = start(uc, version)
    for n in (1, 2, 3):
        _ok(send(uc, upload, n))
    any_blobs.delete_parts(upload.rsplit("/", 1)[1])  # e.g. an operator's over-eager cleanup
    assert_error(uc.post(f"{upload}/complete"), 409, "FAILED_PRECONDITION")
    assert _ok(uc.get(f"{version}/files"))["items"] == []
    for n in (1, 2, 3):
        _ok(send(uc, upload, n))
    assert _ok(uc.post(f"{upload}/complete"))["sha256"] == _sha(DATA)


def test_presigned_part_urls(uc: TestClient, any_blobs: BlobStore) -> None:
    """On S3, parts can go straight to the store; they count like parts sent here, and a
    wrong-sized one is caught by complete. A local store cannot sign: 409."""
    version = pending(uc)
    upload = start(uc, version)
    r = uc.post(f"{upload}/parts/1/url")
    if isinstance(any_blobs, LocalBlobStore):
        assert_error(r, 409, "FAILED_PRECONDITION")
        return
    first = _ok(r)
    assert (first["method"], first["size"]) == ("PUT", PART)
    assert httpx.put(first["url"], content=DATA[:PART]).status_code == 200
    last = _ok(uc.post(f"{upload}/parts/3/url"))
    assert last["size"] == len(DATA) - 2 * PART
    assert httpx.put(last["url"], content=b"z" * 10).status_code == 200  # too short
    _ok(send(uc, upload, 2))
    assert [p["number"] for p in _ok(uc.get(upload))["parts"]] == [1, 2, 3]
    err = assert_error(uc.post(f"{upload}/complete"), 409, "FAILED_PRECONDITION")
    assert err["details"]["wrong_size_parts"] == [3]
    assert httpx.put(last["url"], content=DATA[2 * PART :]).status_code == 200
    assert _ok(uc.post(f"{upload}/complete"))["sha256"] == _sha(DATA)
    assert uc.get(f"{version}/files/w.bin").content == DATA
    assert_error(uc.post(f"{upload}/parts/1/url"), 404, "NOT_FOUND")  # completed: gone


def test_presign_checks_like_a_part_put(lc: TestClient) -> None:
    version = pending(lc)
    upload = start(lc, version)
    assert_error(lc.post(f"{upload}/parts/4/url"), 400, "INVALID_ARGUMENT")
    assert_error(lc.post(f"{upload}/parts/0/url"), 400, "INVALID_ARGUMENT")
    assert_error(lc.post(f"{version}/uploads/{uuid.uuid4()}/parts/1/url"), 404, "NOT_FOUND")


def test_open_uploads_are_listed_with_their_parts(lc: TestClient) -> None:
    """What a client that lost its upload ids resumes from: oldest first, parts included,
    completed uploads gone."""
    version = pending(lc)
    assert _ok(lc.get(f"{version}/uploads")) == {"items": []}
    first = start(lc, version, path="a.bin")
    second = start(lc, version, path="b.bin")
    _ok(send(lc, second, 2))
    listed = _ok(lc.get(f"{version}/uploads"))["items"]
    assert [u["path"] for u in listed] == ["a.bin", "b.bin"]
    assert [u["parts"] for u in listed] == [[], [{"number": 2, "size": PART}]]
    assert listed[1] == _ok(lc.get(second))
    for n in (1, 2, 3):
        _ok(send(lc, first, n))
    _ok(lc.post(f"{first}/complete"))
    assert [u["path"] for u in _ok(lc.get(f"{version}/uploads"))["items"]] == ["b.bin"]
    assert_error(lc.get("/api/v1/models/m/versions/9/uploads"), 404, "NOT_FOUND")
