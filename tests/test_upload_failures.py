"""What an aborted or failed upload does to its version, over HTTP on both dialects and
both blob stores: FAILED_REGISTRATION with a status_message, no partial file visible, no
parts left in the store, and no more files or uploads taken. A streamed PUT with a wrong
checksum is the exception: nothing is stored and the version stays PENDING (retry it)."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from modelreg.blobs import BlobStore
from tests.conftest import app_over, assert_error
from tests.test_uploads_api import DATA, PART, pending, send, start


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def fc(db_url: str, any_blobs: BlobStore) -> Iterator[TestClient]:
    with app_over(db_url, any_blobs, upload_part_size=PART) as (c, _):
        yield c


def _ok(r: Any, status: int = 200) -> Any:
    assert r.status_code == status, r.text
    return r.json()


def _parts(blobs: BlobStore) -> list[str]:
    return [p.name for p in blobs.list_parts()]


def _assert_takes_nothing(client: TestClient, version: str) -> None:
    """A FAILED_REGISTRATION version refuses files, uploads and finalize, and shows none."""
    put = client.put(f"{version}/files/x.bin", content=b"x")
    assert_error(put, 409, "FAILED_PRECONDITION")
    body = {"path": "y.bin", "size": 1, "sha256": _sha(b"y")}
    assert_error(client.post(f"{version}/uploads", json=body), 409, "FAILED_PRECONDITION")
    assert_error(client.post(f"{version}/finalize"), 409, "FAILED_PRECONDITION")
    assert _ok(client.get(f"{version}/files"))["items"] == []


def test_abort_fails_the_version_and_removes_every_open_upload(
    fc: TestClient, any_blobs: BlobStore
) -> None:
    version = pending(fc)
    upload = start(fc, version)
    other = start(fc, version, path="other.bin")
    _ok(send(fc, upload, 1))
    _ok(send(fc, other, 2))
    assert len(_parts(any_blobs)) == 2
    assert fc.delete(upload).status_code == 204
    v = _ok(fc.get(version))
    assert v["status"] == "FAILED_REGISTRATION"
    assert v["status_message"] == "upload of 'w.bin' aborted"
    assert _parts(any_blobs) == []
    assert_error(fc.get(other), 404, "NOT_FOUND")  # the version's other upload went too
    assert_error(send(fc, other, 1), 409, "FAILED_PRECONDITION")
    _assert_takes_nothing(fc, version)


def test_a_mismatched_complete_fails_the_version(fc: TestClient, any_blobs: BlobStore) -> None:
    version = pending(fc)
    upload = start(fc, version)
    wrong = os.urandom(len(DATA))
    for n in (1, 2, 3):
        _ok(send(fc, upload, n, wrong))
    err = assert_error(fc.post(f"{upload}/complete"), 400, "INVALID_ARGUMENT")
    assert err["details"]["expected"] == {"size": len(DATA), "sha256": _sha(DATA)}
    assert err["details"]["received"] == {"size": len(wrong), "sha256": _sha(wrong)}
    v = _ok(fc.get(version))
    assert v["status"] == "FAILED_REGISTRATION"
    message = v["status_message"]
    for named in ("'w.bin'", _sha(DATA), _sha(wrong)):
        assert named in message
    assert_error(fc.get(upload), 404, "NOT_FOUND")
    assert _parts(any_blobs) == []
    assert not any_blobs.exists(_sha(wrong))
    _assert_takes_nothing(fc, version)


def test_a_streamed_put_with_a_wrong_checksum_can_simply_be_retried(fc: TestClient) -> None:
    version = pending(fc)
    r = fc.put(f"{version}/files/a.bin", content=DATA, headers={"X-Checksum-Sha256": "0" * 64})
    assert_error(r, 400, "INVALID_ARGUMENT")
    assert _ok(fc.get(version))["status"] == "PENDING_REGISTRATION"
    assert _ok(fc.get(f"{version}/files"))["items"] == []
    good = {"X-Checksum-Sha256": _sha(DATA)}
    _ok(fc.put(f"{version}/files/a.bin", content=DATA, headers=good), 201)
    assert _ok(fc.post(f"{version}/finalize"))["status"] == "READY"


def test_marking_a_version_failed_removes_its_open_uploads(
    fc: TestClient, any_blobs: BlobStore
) -> None:
    version = pending(fc)
    upload = start(fc, version)
    _ok(send(fc, upload, 1))
    patch = {"status": "FAILED_REGISTRATION", "status_message": "gave up"}
    assert _ok(fc.patch(version, json=patch))["status_message"] == "gave up"
    assert_error(fc.get(upload), 404, "NOT_FOUND")
    assert _parts(any_blobs) == []
    _assert_takes_nothing(fc, version)


def test_aborting_an_upload_of_a_ready_version_only_cleans_up(fc: TestClient) -> None:
    version = pending(fc)
    upload = start(fc, version)
    _ok(fc.post(f"{version}/finalize"))
    assert fc.delete(upload).status_code == 204
    v = _ok(fc.get(version))
    assert (v["status"], v["status_message"]) == ("READY", None)
