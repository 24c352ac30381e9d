"""Resumable multipart uploads and archives of generic artifact versions, over HTTP on both
dialects and both blob stores: the same routes (one router builder) as model versions, so
the same rules: resume from what GET reports, a checksum mismatch or an abort fails the
version, uploads belong to their version, archives hold exactly the files."""

from __future__ import annotations

import io
import tarfile
import zipfile
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from modelreg.blobs import BlobStore
from tests.artifact_helpers import artifact, base, ok, sha
from tests.conftest import app_over, assert_error
from tests.test_uploads_api import DATA, PART, send, start


@pytest.fixture
def ac(db_url: str, any_blobs: BlobStore) -> Iterator[TestClient]:
    with app_over(db_url, any_blobs, upload_part_size=PART) as (c, _):
        yield c


def pending_artifact(client: TestClient, ws: str | None = None, name: str = "ds") -> str:
    """A dataset with a PENDING_REGISTRATION version; the version's URL."""
    artifact(client, name, ws=ws)
    url = f"{base(ws)}/artifacts/{name}/versions"
    v = ok(client.post(url, json={"status": "PENDING_REGISTRATION"}), 201)
    return f"{url}/{v['number']}"


@pytest.mark.parametrize("ws", [None, "team"])
def test_multipart_upload_of_an_artifact_version(
    ac: TestClient, any_blobs: BlobStore, ws: str | None
) -> None:
    version = pending_artifact(ac, ws)
    upload = start(ac, version)
    for n in (2, 3, 1):
        ok(send(ac, upload, n))
    assert [p["number"] for p in ok(ac.get(upload))["parts"]] == [1, 2, 3]
    done = ok(ac.post(f"{upload}/complete"))
    assert done == {"path": "w.bin", "size": len(DATA), "sha256": sha(DATA)}
    assert ac.get(f"{version}/files/w.bin").content == DATA
    assert list(any_blobs.list_parts()) == []
    assert ok(ac.post(f"{version}/finalize"))["status"] == "READY"
    assert ac.get(f"{version}/files/w.bin").content == DATA


def test_interrupted_artifact_upload_resumes(ac: TestClient) -> None:
    version = pending_artifact(ac)
    upload = start(ac, version)
    ok(send(ac, upload, 1))
    ok(send(ac, upload, 3))
    err = assert_error(ac.post(f"{upload}/complete"), 409, "FAILED_PRECONDITION")
    assert err["details"]["missing_parts"] == [2]
    assert ok(ac.get(f"{version}/files"))["items"] == []  # nothing half-written
    assert ok(ac.get(version))["status"] == "PENDING_REGISTRATION"
    have = {p["number"] for p in ok(ac.get(upload))["parts"]}
    for n in {1, 2, 3} - have:
        ok(send(ac, upload, n))
    assert ok(ac.post(f"{upload}/complete"))["sha256"] == sha(DATA)
    assert ac.get(f"{version}/files/w.bin").content == DATA


def test_checksum_mismatch_fails_the_artifact_version(ac: TestClient, any_blobs: BlobStore) -> None:
    version = pending_artifact(ac)
    upload = start(ac, version)
    for n in (1, 2, 3):
        wrong = bytes(b ^ 1 for b in DATA) if n == 2 else DATA
        ok(send(ac, upload, n, wrong))
    err = assert_error(ac.post(f"{upload}/complete"), 400, "INVALID_ARGUMENT")
    assert err["details"]["expected"]["sha256"] == sha(DATA)
    v = ok(ac.get(version))
    assert v["status"] == "FAILED_REGISTRATION"
    assert "w.bin" in v["status_message"]
    assert sha(DATA) in v["status_message"]
    assert ok(ac.get(f"{version}/files"))["items"] == []
    assert list(any_blobs.list_parts()) == []
    assert_error(ac.get(upload), 404, "NOT_FOUND")
    body = {"path": "y.bin", "size": 1, "sha256": sha(b"y")}
    assert_error(ac.post(f"{version}/uploads", json=body), 409, "FAILED_PRECONDITION")


def test_abort_fails_the_artifact_version(ac: TestClient) -> None:
    version = pending_artifact(ac)
    upload = start(ac, version)
    ok(send(ac, upload, 1))
    assert ac.delete(upload).status_code == 204
    v = ok(ac.get(version))
    assert v["status"] == "FAILED_REGISTRATION"
    assert v["status_message"] == "upload of 'w.bin' aborted"


def test_uploads_belong_to_their_kind_of_version(ac: TestClient) -> None:
    """A model "ds" version 1 beside the dataset "ds" version 1: neither takes the other's
    upload."""
    version = pending_artifact(ac)
    upload_id = start(ac, version).rsplit("/", 1)[1]
    ok(ac.post("/api/v1/models", json={"name": "ds"}), 201)
    ok(ac.post("/api/v1/models/ds/versions", json={"status": "PENDING_REGISTRATION"}), 201)
    other = f"/api/v1/models/ds/versions/1/uploads/{upload_id}"
    assert_error(ac.get(other), 404, "NOT_FOUND")
    assert_error(ac.put(f"{other}/parts/1", content=DATA[:PART]), 404, "NOT_FOUND")
    assert_error(ac.post(f"{other}/complete"), 404, "NOT_FOUND")
    assert_error(ac.delete(other), 404, "NOT_FOUND")
    assert ok(ac.get("/api/v1/models/ds/versions/1"))["status"] == "PENDING_REGISTRATION"
    assert ok(ac.get(version))["status"] == "PENDING_REGISTRATION"


def test_deleting_an_artifact_version_removes_its_uploads(ac: TestClient) -> None:
    version = pending_artifact(ac)
    upload = start(ac, version)
    ok(send(ac, upload, 1))
    assert ac.delete(version).status_code == 204
    assert_error(ac.get(upload), 404, "NOT_FOUND")


FILES = {
    "data/train.csv": b"a,b\n1,2\n" * 500,
    "empty": b"",
    "données/é.txt": "é".encode(),
}


def test_archive_of_an_artifact_version(ac: TestClient) -> None:
    version = pending_artifact(ac)
    for path, data in FILES.items():
        headers = {"X-Checksum-Sha256": sha(data)}
        r = ac.put(f"{version}/files/{path}", content=data, headers=headers)
        assert r.status_code == 201, r.text
    ok(ac.post(f"{version}/finalize"))
    r = ac.get(f"{version}/archive?format=tar")
    assert r.status_code == 200, r.text
    assert int(r.headers["content-length"]) == len(r.content)
    assert 'filename="ds-v1.tar"' in r.headers["content-disposition"]
    with tarfile.open(fileobj=io.BytesIO(r.content), mode="r:") as tf:
        got = {}
        for m in tf.getmembers():
            f = tf.extractfile(m)
            assert f is not None
            got[m.name] = f.read()
    assert got == FILES
    r = ac.get("/api/v1/artifacts/ds/versions/latest/archive", params={"format": "zip"})
    assert r.status_code == 200, r.text
    with zipfile.ZipFile(io.BytesIO(r.content)) as zf:
        assert {n: zf.read(n) for n in zf.namelist()} == FILES
    assert_error(ac.get(f"{version}/archive?format=rar"), 400, "INVALID_ARGUMENT")
    assert_error(ac.get("/api/v1/artifacts/ds/versions/9/archive"), 404, "NOT_FOUND")
