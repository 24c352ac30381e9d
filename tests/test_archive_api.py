"""A version's whole content as a tar or zip stream, on both dialects and both blob stores:
the members equal the files (nested, non-ASCII, empty and multi-chunk ones), an empty
version is a valid empty archive, tar announces its exact length, bad formats are 400."""

from __future__ import annotations

import hashlib
import io
import os
import tarfile
import zipfile
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from modelreg.blobs import BlobStore
from tests.conftest import app_over, assert_error

FILES = {
    "model.bin": os.urandom(3 << 20),  # several 1 MiB read chunks
    "conf/config.json": b'{"a": 1}',
    "empty": b"",
    "données/é.txt": "é".encode(),
    "deep/" * 30 + "long-name.txt": b"x" * 513,  # > 100 characters: PAX header
}


@pytest.fixture
def ac(db_url: str, any_blobs: BlobStore) -> Iterator[TestClient]:
    with app_over(db_url, any_blobs) as (c, _):
        yield c


def _version(client: TestClient, files: dict[str, bytes], model: str = "m") -> str:
    assert client.post("/api/v1/models", json={"name": model}).status_code == 201
    r = client.post(f"/api/v1/models/{model}/versions", json={"status": "PENDING_REGISTRATION"})
    base = f"/api/v1/models/{model}/versions/{r.json()['number']}"
    for path, data in files.items():
        sha = hashlib.sha256(data).hexdigest()
        r = client.put(f"{base}/files/{path}", content=data, headers={"X-Checksum-Sha256": sha})
        assert r.status_code == 201, r.text
    assert client.post(f"{base}/finalize").status_code == 200
    return base


def _untar(body: bytes) -> dict[str, bytes]:
    out = {}
    with tarfile.open(fileobj=io.BytesIO(body), mode="r:") as tf:
        for m in tf.getmembers():
            assert m.isfile()
            f = tf.extractfile(m)
            assert f is not None
            out[m.name] = f.read()
    return out


def _unzip(body: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(body)) as zf:
        assert zf.testzip() is None  # every CRC checks out
        return {name: zf.read(name) for name in zf.namelist()}


def test_tar_and_zip_hold_exactly_the_files(ac: TestClient) -> None:
    base = _version(ac, FILES)
    r = ac.get(f"{base}/archive?format=tar")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/x-tar"
    assert int(r.headers["content-length"]) == len(r.content)
    assert 'filename="m-v1.tar"' in r.headers["content-disposition"]
    assert _untar(r.content) == FILES
    assert _untar(ac.get(f"{base}/archive").content) == FILES  # tar is the default

    r = ac.get(f"{base}/archive?format=zip")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/zip"
    assert _unzip(r.content) == FILES
    # Also by alias-free refs: latest resolves to the same version.
    assert _unzip(ac.get("/api/v1/models/m/versions/latest/archive?format=zip").content) == FILES


def test_empty_version(ac: TestClient) -> None:
    base = _version(ac, {})
    tar = ac.get(f"{base}/archive?format=tar")
    assert tar.status_code == 200
    assert _untar(tar.content) == {}
    assert int(tar.headers["content-length"]) == len(tar.content) == tarfile.RECORDSIZE
    z = ac.get(f"{base}/archive?format=zip")
    assert z.status_code == 200
    assert _unzip(z.content) == {}


def test_non_ascii_model_name_in_the_file_name(ac: TestClient) -> None:
    base = _version(ac, {"a": b"a"}, 'modèle "x"')
    r = ac.get(f"{base}/archive?format=zip")
    assert r.status_code == 200, r.text
    disposition = r.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="mod_le _x_-v1.zip"')
    assert "filename*=UTF-8''mod%C3%A8le%20%22x%22-v1.zip" in disposition
    assert _unzip(r.content) == {"a": b"a"}


@pytest.mark.parametrize("query", ["format=rar", "format=", "format=TAR", "format=tar%00"])
def test_bad_format(ac: TestClient, query: str) -> None:
    base = _version(ac, {})
    assert_error(ac.get(f"{base}/archive?{query}"), 400, "INVALID_ARGUMENT")


def test_missing_version_or_model(ac: TestClient) -> None:
    _version(ac, {})
    assert_error(ac.get("/api/v1/models/m/versions/9/archive"), 404, "NOT_FOUND")
    assert_error(ac.get("/api/v1/models/nope/versions/1/archive"), 404, "NOT_FOUND")
    assert_error(ac.get("/api/v1/models/..%2F..%2Fetc/versions/1/archive"), 404, "NOT_FOUND")
