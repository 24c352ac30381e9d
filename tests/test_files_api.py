"""A version's files over HTTP, on both dialects: streamed upload with an optional client
checksum, path validation and NFC normalisation, listing, download with ETag / Range /
If-None-Match, finalize, content-addressed storage (identical bytes stored once, promotion
shares them), and the same routes under a named workspace."""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from modelreg.api.routes.files import _byte_range
from modelreg.blobs import LocalBlobStore
from modelreg.services import Services
from tests.conftest import assert_error

API = "/api/v1"
MODELS = f"{API}/models"
WS = f"{API}/workspaces"

DATA = bytes(range(256)) * 4  # 1024 bytes, every offset distinguishable
DATA_SHA = hashlib.sha256(DATA).hexdigest()


def _ok(r: Any, status: int = 200) -> Any:
    assert r.status_code == status, r.text
    return r.json()


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _model(client: TestClient, name: str = "m", workspace: str | None = None) -> str:
    """Create a model (and its workspace when named); its URL."""
    if workspace is None:
        _ok(client.post(MODELS, json={"name": name}), 201)
        return f"{MODELS}/{name}"
    if client.get(f"{WS}/{workspace}").status_code == 404:
        _ok(client.post(WS, json={"name": workspace}), 201)
    _ok(client.post(f"{WS}/{workspace}/models", json={"name": name}), 201)
    return f"{WS}/{workspace}/models/{name}"


def _version(client: TestClient, base: str, status: str = "PENDING_REGISTRATION") -> int:
    v = _ok(client.post(f"{base}/versions", json={"status": status}), 201)
    assert v["status"] == status
    number: int = v["number"]
    return number


def _put(
    client: TestClient, base: str, ref: str | int, path: str, data: bytes, sha: str | None = None
) -> Any:
    headers = {} if sha is None else {"X-Checksum-Sha256": sha}
    return client.put(f"{base}/versions/{ref}/files/{path}", content=data, headers=headers)


def _upload(client: TestClient, base: str, ref: str | int, path: str, data: bytes) -> Any:
    out = _ok(_put(client, base, ref, path, data, _sha(data)), 201)
    assert out == {"path": out["path"], "size": len(data), "sha256": _sha(data)}
    return out


def _files(client: TestClient, base: str, ref: str | int) -> list[dict[str, Any]]:
    body = _ok(client.get(f"{base}/versions/{ref}/files"))
    assert set(body) == {"items"}
    items: list[dict[str, Any]] = body["items"]
    for f in items:
        assert set(f) == {"path", "size", "sha256"}, f
    return items


def _download(client: TestClient, base: str, ref: str | int, path: str) -> bytes:
    r = client.get(f"{base}/versions/{ref}/files/{path}")
    assert r.status_code == 200, r.text
    return r.content


def _finalize(client: TestClient, base: str, ref: str | int) -> dict[str, Any]:
    out: dict[str, Any] = _ok(client.post(f"{base}/versions/{ref}/finalize"))
    return out


def _store(services: Services) -> LocalBlobStore:
    blobs = services.files.blobs
    assert isinstance(blobs, LocalBlobStore)
    return blobs


def _objects(services: Services) -> list[Path]:
    return sorted(p for p in (_store(services).root / "objects").rglob("*") if p.is_file())


def _tmp(services: Services) -> list[Path]:
    return sorted(p for p in (_store(services).root / "tmp").rglob("*") if p.is_file())


def _assert_nothing_stored(client: TestClient, services: Services, base: str, ref: int) -> None:
    assert _files(client, base, ref) == []
    assert _objects(services) == []
    assert _tmp(services) == []


# --- upload -------------------------------------------------------------------------------


def test_upload_to_pending_version(client: TestClient, services: Services) -> None:
    base = _model(client)
    n = _version(client, base)
    out = _ok(_put(client, base, n, "model/weights.bin", DATA, DATA_SHA), 201)
    assert out == {"path": "model/weights.bin", "size": len(DATA), "sha256": DATA_SHA}
    assert _files(client, base, n) == [out]
    # Stored once, under its sha256, and no temp file is left behind.
    assert [p.name for p in _objects(services)] == [DATA_SHA]
    assert _objects(services)[0].read_bytes() == DATA
    assert _tmp(services) == []
    assert _download(client, base, n, "model/weights.bin") == DATA
    # The version is still pending until finalized.
    assert _ok(client.get(f"{base}/versions/{n}"))["status"] == "PENDING_REGISTRATION"


def test_upload_without_checksum_computes_it(client: TestClient) -> None:
    base = _model(client)
    n = _version(client, base)
    data = b"no checksum sent\n" * 100
    out = _ok(_put(client, base, n, "a.txt", data), 201)
    assert out == {"path": "a.txt", "size": len(data), "sha256": _sha(data)}
    assert _files(client, base, n) == [out]


def test_upload_accepts_uppercase_checksum(client: TestClient) -> None:
    base = _model(client)
    n = _version(client, base)
    out = _ok(_put(client, base, n, "a", DATA, DATA_SHA.upper()), 201)
    assert out["sha256"] == DATA_SHA


def test_empty_file(client: TestClient) -> None:
    base = _model(client)
    n = _version(client, base)
    out = _ok(_put(client, base, n, "empty", b"", _sha(b"")), 201)
    assert out == {"path": "empty", "size": 0, "sha256": _sha(b"")}
    r = client.get(f"{base}/versions/{n}/files/empty")
    assert r.status_code == 200
    assert r.content == b""
    assert r.headers["content-length"] == "0"
    assert r.headers["etag"] == f'"{_sha(b"")}"'


def test_checksum_mismatch_stores_nothing(client: TestClient, services: Services) -> None:
    base = _model(client)
    n = _version(client, base)
    err = assert_error(
        _put(client, base, n, "a.bin", DATA, _sha(b"something else")), 400, "INVALID_ARGUMENT"
    )
    assert err["details"]["received"] == DATA_SHA
    _assert_nothing_stored(client, services, base, n)
    assert_error(client.get(f"{base}/versions/{n}/files/a.bin"), 404, "NOT_FOUND")


def test_checksum_mismatch_keeps_the_previous_file(client: TestClient, services: Services) -> None:
    base = _model(client)
    n = _version(client, base)
    before = _upload(client, base, n, "a.bin", DATA)
    assert_error(_put(client, base, n, "a.bin", b"new", _sha(b"other")), 400, "INVALID_ARGUMENT")
    assert _files(client, base, n) == [before]
    assert [p.name for p in _objects(services)] == [DATA_SHA]
    assert _tmp(services) == []
    assert _download(client, base, n, "a.bin") == DATA


MALFORMED_SHAS = [
    "abc",
    "g" * 64,
    DATA_SHA + "0",
    DATA_SHA[:-1],
    "sha256=" + DATA_SHA,
    "",
    "a" * 200,  # longer than the header's declared limit
]


def test_malformed_checksum_header(client: TestClient, services: Services) -> None:
    base = _model(client)
    n = _version(client, base)
    for sha in MALFORMED_SHAS:
        assert_error(_put(client, base, n, "a.bin", DATA, sha), 400, "INVALID_ARGUMENT")
    _assert_nothing_stored(client, services, base, n)


@pytest.mark.parametrize("status", ["READY", "FAILED_REGISTRATION"])
def test_upload_to_non_pending_version(client: TestClient, services: Services, status: str) -> None:
    base = _model(client)
    n = _version(client, base, status)
    err = assert_error(_put(client, base, n, "a.bin", DATA, DATA_SHA), 409, "FAILED_PRECONDITION")
    assert err["details"]["status"] == status
    assert_error(_put(client, base, n, "a.bin", DATA), 409, "FAILED_PRECONDITION")
    _assert_nothing_stored(client, services, base, n)


def test_upload_to_default_version_is_409(client: TestClient, services: Services) -> None:
    """A version created without a status is READY, so it takes no files."""
    base = _model(client)
    v = _ok(client.post(f"{base}/versions", json={}), 201)
    assert v["status"] == "READY"
    assert_error(_put(client, base, 1, "a.bin", DATA), 409, "FAILED_PRECONDITION")
    _assert_nothing_stored(client, services, base, 1)


def test_upload_to_missing_model_or_version(client: TestClient, services: Services) -> None:
    base = _model(client)
    assert_error(_put(client, base, 1, "a", DATA), 404, "NOT_FOUND")
    assert_error(_put(client, f"{MODELS}/nope", 1, "a", DATA), 404, "NOT_FOUND")
    assert _objects(services) == []
    assert _tmp(services) == []


# --- paths ----------------------------------------------------------------------------------

BAD_PATHS = [
    "%2e%2e/x",
    "a/%2e%2e/b",
    "a/%2E%2E",
    ".%2e/x",
    "%2e/x",
    "a/%2e/b",
    "a//b",
    "a/",
    "%2Fabs",  # decodes to an absolute path
    "%2F%2Fhost/x",
    "a%5Cb",  # backslash
    "..%5Cx",
    "a%00b",  # NUL
    "a%01b",
    "a%1Fb",
    "a%7Fb",  # DEL
    "a%0Ab",  # newline
    "x" * 1025,
    "a/" + "x" * 1023,
]


def test_bad_paths_are_rejected(client: TestClient, services: Services) -> None:
    base = _model(client)
    n = _version(client, base)
    for path in BAD_PATHS:
        r = _put(client, base, n, path, DATA, DATA_SHA)
        assert r.status_code in (400, 404), (path, r.text)
        if r.status_code == 400:
            assert_error(r, 400, "INVALID_ARGUMENT")
        _assert_nothing_stored(client, services, base, n)
        g = client.get(f"{base}/versions/{n}/files/{path}")
        assert g.status_code in (400, 404), (path, g.text)


def test_bad_path_checked_before_the_body(client: TestClient, services: Services) -> None:
    """All of these are decided from the URL: 400 with the error envelope, not a 404."""
    base = _model(client)
    n = _version(client, base)
    for path in ("%2e%2e/x", "a/%2e%2e/b", "a//b", "a%5Cb", "a%00b", "a%01b", "x" * 1025):
        assert_error(_put(client, base, n, path, DATA), 400, "INVALID_ARGUMENT")
    _assert_nothing_stored(client, services, base, n)


def test_path_length_limit(client: TestClient) -> None:
    base = _model(client)
    n = _version(client, base)
    longest = "d/" + "x" * 1022
    assert len(longest) == 1024
    assert _upload(client, base, n, longest, b"long")["path"] == longest
    assert _download(client, base, n, longest) == b"long"


def test_paths_are_nfc_normalised(client: TestClient) -> None:
    base = _model(client)
    n = _version(client, base)
    composed = "caf\u00e9/r\u00e9sum\u00e9.txt"
    decomposed = unicodedata.normalize("NFD", composed)
    assert decomposed != composed
    out = _upload(client, base, n, decomposed, b"v1")
    assert out["path"] == composed
    assert [f["path"] for f in _files(client, base, n)] == [composed]
    # Either spelling reaches it; uploading the other spelling replaces it.
    assert _download(client, base, n, decomposed) == b"v1"
    assert _download(client, base, n, composed) == b"v1"
    assert _upload(client, base, n, composed, b"v2")["path"] == composed
    files = _files(client, base, n)
    assert [(f["path"], f["sha256"]) for f in files] == [(composed, _sha(b"v2"))]


def test_unusual_but_valid_paths(client: TestClient) -> None:
    base = _model(client)
    n = _version(client, base)
    paths = ["a b.txt", ".hidden", "a/...", "a/.b/c", "100%", "\u6a21\u578b.bin", "q?x"]
    # Sent percent-encoded, as a client would. (Starlette's TestClient decodes the path twice,
    # so a literal "%20" in a name cannot be tested through it; "100%" survives both.)
    for p in paths:
        assert _upload(client, base, n, quote(p), p.encode())["path"] == p
    assert [f["path"] for f in _files(client, base, n)] == sorted(paths)
    for p in paths:
        assert _download(client, base, n, quote(p)) == p.encode()


# --- replace, list ------------------------------------------------------------------------


def test_replace_file_while_pending(client: TestClient, services: Services) -> None:
    base = _model(client)
    n = _version(client, base)
    _upload(client, base, n, "w.bin", b"first")
    out = _upload(client, base, n, "w.bin", b"second version")
    assert _files(client, base, n) == [out]
    assert out == {"path": "w.bin", "size": 14, "sha256": _sha(b"second version")}
    assert _download(client, base, n, "w.bin") == b"second version"
    r = client.get(f"{base}/versions/{n}/files/w.bin")
    assert r.headers["etag"] == f'"{_sha(b"second version")}"'
    assert _tmp(services) == []


def test_list_files_sorted_by_path(client: TestClient) -> None:
    base = _model(client)
    n = _version(client, base)
    # Case and punctuation make locale collations disagree with byte order.
    paths = ["b.txt", "a/z.bin", "B.txt", "a.txt", "A.txt", "a-b", "a_b", "ab", "a/b/c", "Z", "_"]
    for i, p in enumerate(paths):
        _upload(client, base, n, p, f"{i}".encode())
    files = _files(client, base, n)
    assert [f["path"] for f in files] == sorted(paths)
    by_path = {f["path"]: f for f in files}
    for i, p in enumerate(paths):
        assert by_path[p] == {"path": p, "size": len(f"{i}"), "sha256": _sha(f"{i}".encode())}


def test_list_files_of_missing_version(client: TestClient) -> None:
    base = _model(client)
    assert_error(client.get(f"{base}/versions/1/files"), 404, "NOT_FOUND")
    assert_error(client.get(f"{MODELS}/nope/versions/1/files"), 404, "NOT_FOUND")
    assert_error(client.get(f"{base}/versions/latest/files"), 404, "NOT_FOUND")
    n = _version(client, base, "READY")
    assert _files(client, base, n) == []


# --- download -------------------------------------------------------------------------------


def test_download_etag_and_headers(client: TestClient) -> None:
    base = _model(client)
    n = _version(client, base)
    _upload(client, base, n, "d/f.bin", DATA)
    r = client.get(f"{base}/versions/{n}/files/d/f.bin")
    assert r.status_code == 200
    assert r.content == DATA
    assert r.headers["etag"] == f'"{DATA_SHA}"'
    assert r.headers["content-length"] == str(len(DATA))
    assert r.headers["accept-ranges"] == "bytes"
    assert r.headers["content-type"] == "application/octet-stream"
    assert "content-range" not in r.headers


RANGES = [
    ("bytes=0-0", 0, 1),
    ("bytes=10-19", 10, 20),
    ("bytes=-5", 1019, 1024),
    ("bytes=5-", 5, 1024),
    ("bytes=1000-5000", 1000, 1024),  # the end is clamped to the file
    ("bytes=-5000", 0, 1024),  # a suffix longer than the file is the whole file
    ("bytes=1023-1023", 1023, 1024),
]
UNSATISFIABLE = ["bytes=999999-", "bytes=1024-", "bytes=1024-2000", "bytes=-0"]
NOT_A_SINGLE_RANGE = ["bytes=0-0,5-9", "bytes=0-1, 3-4", "items=0-5", "bytes=a-b", "bytes=-", "x"]


def test_ranges(client: TestClient) -> None:
    base = _model(client)
    n = _version(client, base)
    _upload(client, base, n, "f", DATA)
    url = f"{base}/versions/{n}/files/f"
    for header, start, end in RANGES:
        r = client.get(url, headers={"Range": header})
        assert r.status_code == 206, (header, r.text)
        assert r.content == DATA[start:end], header
        assert r.headers["content-range"] == f"bytes {start}-{end - 1}/{len(DATA)}", header
        assert r.headers["content-length"] == str(end - start), header
        assert r.headers["etag"] == f'"{DATA_SHA}"'
    for header in UNSATISFIABLE:
        r = client.get(url, headers={"Range": header})
        assert_error(r, 416, "INVALID_ARGUMENT")
        assert r.headers["content-range"] == f"bytes */{len(DATA)}", header
    # Multiple ranges, other units, nonsense: served whole, as RFC 9110 allows.
    for header in NOT_A_SINGLE_RANGE:
        r = client.get(url, headers={"Range": header})
        assert r.status_code == 200, (header, r.text)
        assert r.content == DATA, header
        assert "content-range" not in r.headers, header
        assert r.headers["content-length"] == str(len(DATA)), header


def test_if_none_match(client: TestClient) -> None:
    base = _model(client)
    n = _version(client, base)
    _upload(client, base, n, "f", DATA)
    url = f"{base}/versions/{n}/files/f"
    etag = client.get(url).headers["etag"]
    assert etag == f'"{DATA_SHA}"'
    for value in (etag, f'"x", {etag}', f"W/{etag}"):
        r = client.get(url, headers={"If-None-Match": value})
        assert r.status_code == 304, value
        assert r.content == b""
        assert r.headers["etag"] == etag
    r = client.get(url, headers={"If-None-Match": f'"{_sha(b"other")}"'})
    assert r.status_code == 200
    assert r.content == DATA


def test_unknown_file_is_404(client: TestClient) -> None:
    base = _model(client)
    n = _version(client, base)
    _upload(client, base, n, "a/b", DATA)
    for path in ("nope", "a", "a/b/c", "A/b"):
        assert_error(client.get(f"{base}/versions/{n}/files/{path}"), 404, "NOT_FOUND")
    assert_error(client.get(f"{base}/versions/99/files/a/b"), 404, "NOT_FOUND")
    assert_error(client.get(f"{MODELS}/nope/versions/1/files/a/b"), 404, "NOT_FOUND")


# --- finalize -------------------------------------------------------------------------------


def test_finalize_freezes_the_files(client: TestClient, services: Services) -> None:
    base = _model(client)
    n = _version(client, base)
    _upload(client, base, n, "a", b"alpha")
    v = _finalize(client, base, n)
    assert v["status"] == "READY"
    assert v["number"] == n
    assert _ok(client.get(f"{base}/versions/{n}"))["status"] == "READY"
    objects = _objects(services)
    # No upload is taken any more: new path, same path, with or without a checksum.
    assert_error(_put(client, base, n, "b", b"beta"), 409, "FAILED_PRECONDITION")
    assert_error(
        _put(client, base, n, "a", b"changed", _sha(b"changed")), 409, "FAILED_PRECONDITION"
    )
    assert [f["path"] for f in _files(client, base, n)] == ["a"]
    assert _download(client, base, n, "a") == b"alpha"
    assert _objects(services) == objects
    assert _tmp(services) == []
    # A READY version cannot be finalized again.
    assert_error(client.post(f"{base}/versions/{n}/finalize"), 409, "FAILED_PRECONDITION")


def test_finalize_without_files_and_of_ready_version(client: TestClient) -> None:
    base = _model(client)
    ready = _version(client, base, "READY")
    assert_error(client.post(f"{base}/versions/{ready}/finalize"), 409, "FAILED_PRECONDITION")
    failed = _version(client, base, "FAILED_REGISTRATION")
    assert_error(client.post(f"{base}/versions/{failed}/finalize"), 409, "FAILED_PRECONDITION")
    empty = _version(client, base)
    assert _finalize(client, base, empty)["status"] == "READY"
    assert_error(client.post(f"{base}/versions/99/finalize"), 404, "NOT_FOUND")


def test_finalize_by_alias(client: TestClient) -> None:
    base = _model(client)
    n = _version(client, base)
    _ok(client.put(f"{base}/aliases/next", json={"version": n}))
    _upload(client, base, "next", "a", b"via alias")
    assert _finalize(client, base, "next")["status"] == "READY"
    assert _download(client, base, n, "a") == b"via alias"


# --- content addressing, promotion, delete ----------------------------------------------------


def test_identical_content_is_stored_once(client: TestClient, services: Services) -> None:
    base = _model(client)
    v1 = _version(client, base)
    v2 = _version(client, base)
    _upload(client, base, v1, "a.bin", DATA)
    _upload(client, base, v1, "copy/a.bin", DATA)
    _upload(client, base, v2, "other.bin", DATA)
    other = _model(client, "other")
    v3 = _version(client, other)
    _upload(client, other, v3, "x", DATA)
    assert [p.name for p in _objects(services)] == [DATA_SHA]
    assert _tmp(services) == []
    for ref, path in ((v1, "a.bin"), (v1, "copy/a.bin"), (v2, "other.bin")):
        assert _download(client, base, ref, path) == DATA
    assert _download(client, other, v3, "x") == DATA
    _upload(client, base, v2, "different", b"different")
    assert len(_objects(services)) == 2


def test_promotion_copies_file_references(client: TestClient, services: Services) -> None:
    src = _model(client, "src")
    n = _version(client, src)
    _upload(client, src, n, "weights.bin", DATA)
    _upload(client, src, n, "conf/config.json", b'{"a": 1}')
    _finalize(client, src, n)
    objects = _objects(services)
    assert len(objects) == 2

    dst = _model(client, "dst", workspace="prod")
    copy = _ok(client.post(f"{dst}/versions:promote", json={"source": "model:default/src:1"}), 201)
    assert copy["status"] == "READY"
    assert _files(client, dst, copy["number"]) == _files(client, src, n)
    assert _download(client, dst, copy["number"], "weights.bin") == DATA
    assert _download(client, dst, copy["number"], "conf/config.json") == b'{"a": 1}'
    r = client.get(f"{dst}/versions/{copy['number']}/files/weights.bin")
    assert r.headers["etag"] == f'"{DATA_SHA}"'
    # References, not copies: no new object; and the copy is READY, so frozen too.
    assert _objects(services) == objects
    assert_error(_put(client, dst, copy["number"], "new", b"x"), 409, "FAILED_PRECONDITION")

    # A second promotion within the same model also shares the blobs.
    again = _ok(client.post(f"{src}/versions:promote", json={"source": copy["id"]}), 201)
    assert again["number"] == 2
    assert _files(client, src, 2) == _files(client, src, 1)
    assert _objects(services) == objects


def test_promotion_of_pending_version_is_refused(client: TestClient) -> None:
    src = _model(client, "src")
    n = _version(client, src)
    _upload(client, src, n, "a", b"a")
    dst = _model(client, "dst")
    r = client.post(f"{dst}/versions:promote", json={"source": "model:default/src:1"})
    assert_error(r, 409, "FAILED_PRECONDITION")
    assert_error(client.get(f"{dst}/versions/1/files"), 404, "NOT_FOUND")


def test_deleting_a_version_makes_its_files_unreachable(
    client: TestClient, services: Services
) -> None:
    base = _model(client)
    v1 = _version(client, base)
    _upload(client, base, v1, "a", b"one")
    v2 = _version(client, base)
    _upload(client, base, v2, "a", b"one")
    assert client.delete(f"{base}/versions/{v1}").status_code == 204
    assert_error(client.get(f"{base}/versions/{v1}/files"), 404, "NOT_FOUND")
    assert_error(client.get(f"{base}/versions/{v1}/files/a"), 404, "NOT_FOUND")
    assert_error(_put(client, base, v1, "b", b"x"), 404, "NOT_FOUND")
    assert_error(client.post(f"{base}/versions/{v1}/finalize"), 404, "NOT_FOUND")
    # The other version's reference to the same blob is untouched.
    assert _download(client, base, v2, "a") == b"one"
    assert [f["path"] for f in _files(client, base, v2)] == ["a"]


# --- addressing -------------------------------------------------------------------------------


def test_files_by_alias_and_latest(client: TestClient) -> None:
    base = _model(client)
    v1 = _version(client, base)
    _upload(client, base, v1, "m.bin", b"one")
    _finalize(client, base, v1)
    v2 = _version(client, base)
    _upload(client, base, v2, "m.bin", b"two")
    _ok(client.put(f"{base}/aliases/champion", json={"version": v1}))
    _ok(client.put(f"{base}/aliases/challenger", json={"version": v2}))

    assert _download(client, base, "champion", "m.bin") == b"one"
    assert _download(client, base, "challenger", "m.bin") == b"two"
    # latest is the highest READY version: v2 is still pending.
    assert _download(client, base, "latest", "m.bin") == b"one"
    assert _files(client, base, "latest") == _files(client, base, v1)
    assert _files(client, base, "challenger") == _files(client, base, v2)
    _finalize(client, base, v2)
    assert _download(client, base, "latest", "m.bin") == b"two"
    assert _download(client, base, "LATEST", "m.bin") == b"two"
    assert_error(client.get(f"{base}/versions/nobody/files"), 404, "NOT_FOUND")
    assert_error(client.get(f"{base}/versions/nobody/files/m.bin"), 404, "NOT_FOUND")


def test_files_under_a_named_workspace(client: TestClient, services: Services) -> None:
    base = _model(client, "fraud", workspace="risk")
    n = _version(client, base)
    out = _ok(_put(client, base, n, "dir/f.bin", DATA, DATA_SHA), 201)
    assert out == {"path": "dir/f.bin", "size": len(DATA), "sha256": DATA_SHA}
    assert _files(client, base, n) == [out]
    r = client.get(f"{base}/versions/{n}/files/dir/f.bin", headers={"Range": "bytes=10-19"})
    assert r.status_code == 206
    assert r.content == DATA[10:20]
    assert _finalize(client, base, n)["status"] == "READY"
    assert_error(_put(client, base, n, "g", b"g"), 409, "FAILED_PRECONDITION")
    # The same name in the default workspace is another model with no such version.
    assert_error(client.get(f"{MODELS}/fraud/versions/{n}/files"), 404, "NOT_FOUND")
    other = _model(client, "fraud")
    assert_error(client.get(f"{other}/versions/{n}/files"), 404, "NOT_FOUND")
    assert_error(client.get(f"{WS}/nope/models/fraud/versions/1/files"), 404, "NOT_FOUND")
    assert [p.name for p in _objects(services)] == [DATA_SHA]


# --- a large file -----------------------------------------------------------------------------


def test_large_round_trip(client: TestClient, services: Services) -> None:
    data = os.urandom(20 * 1024 * 1024 + 123)
    digest = _sha(data)
    base = _model(client)
    n = _version(client, base)
    out = _ok(_put(client, base, n, "big.bin", data, digest), 201)
    assert out == {"path": "big.bin", "size": len(data), "sha256": digest}
    r = client.get(f"{base}/versions/{n}/files/big.bin")
    assert r.status_code == 200
    assert r.headers["content-length"] == str(len(data))
    assert r.content == data
    # A range across the store's 1 MiB read chunks.
    start, end = (1 << 20) - 7, 3 * (1 << 20) + 11
    r = client.get(
        f"{base}/versions/{n}/files/big.bin", headers={"Range": f"bytes={start}-{end - 1}"}
    )
    assert r.status_code == 206
    assert r.content == data[start:end]
    assert [p.name for p in _objects(services)] == [digest]
    assert _tmp(services) == []


# --- _byte_range ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "size", "expected"),
    [
        ("bytes=0-0", 100, (0, 1)),
        ("bytes=10-19", 100, (10, 20)),
        ("bytes=-5", 100, (95, 100)),
        ("bytes=5-", 100, (5, 100)),
        ("bytes=0-", 100, (0, 100)),
        ("bytes=90-1000", 100, (90, 100)),
        ("bytes=-1000", 100, (0, 100)),
        ("bytes=99-99", 100, (99, 100)),
        (" bytes=1-2 ", 100, (1, 3)),
        ("bytes=100-", 100, None),
        ("bytes=100-200", 100, None),
        ("bytes=999999-", 100, None),
        ("bytes=-0", 100, None),
        ("bytes=0-", 0, None),
        ("bytes=-5", 0, None),
        ("bytes=5-3", 100, None),
    ],
)
def test_byte_range(header: str, size: int, expected: tuple[int, int] | None) -> None:
    assert _byte_range(header, size) == expected


@pytest.mark.parametrize(
    "header", ["bytes=-", "bytes=0-1,3-4", "bytes=a-", "items=0-1", "bytes 0-1", "", "bytes=1"]
)
def test_byte_range_rejects_what_it_does_not_serve(header: str) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(header)}$"):
        _byte_range(header, 100)


# --- declared files ------------------------------------------------------------------------


def _declare(client: TestClient, base: str, files: dict[str, bytes]) -> Any:
    decl = [{"path": p, "size": len(d), "sha256": _sha(d)} for p, d in files.items()]
    return client.post(f"{base}/versions", json={"files": decl})


def test_declared_files_are_checked_by_finalize(client: TestClient) -> None:
    base = _model(client)
    files = {"model/weights.bin": DATA, "config.json": b"{}"}
    v = _ok(_declare(client, base, files), 201)
    # Declaring files makes the version start pending.
    assert v["status"] == "PENDING_REGISTRATION"
    n = v["number"]
    _upload(client, base, n, "model/weights.bin", DATA)
    err = assert_error(client.post(f"{base}/versions/{n}/finalize"), 409, "FAILED_PRECONDITION")
    assert err["details"]["missing"] == ["config.json"]
    assert "config.json" in err["message"]
    # Other bytes under a declared path: named as mismatched, still not READY.
    _upload(client, base, n, "config.json", b"[]")
    err = assert_error(client.post(f"{base}/versions/{n}/finalize"), 409, "FAILED_PRECONDITION")
    assert err["details"] == {"missing": [], "mismatched": ["config.json"], "lost": []}
    assert _ok(client.get(f"{base}/versions/{n}"))["status"] == "PENDING_REGISTRATION"
    _upload(client, base, n, "config.json", b"{}")
    assert _finalize(client, base, n)["status"] == "READY"
    assert [f["path"] for f in _files(client, base, n)] == ["config.json", "model/weights.bin"]


def test_declared_files_bad_input(client: TestClient) -> None:
    base = _model(client)
    ok = {"path": "a", "size": 1, "sha256": _sha(b"x")}
    bad: list[Any] = [
        {"files": [{**ok, "path": "../a"}]},
        {"files": [{**ok, "path": "/a"}]},
        {"files": [{**ok, "sha256": "0" * 63}]},
        {"files": [{**ok, "sha256": "Z" * 64}]},
        {"files": [{**ok, "size": -1}]},
        {"files": [{**ok, "size": "1"}]},
        {"files": [ok, ok]},  # the same path twice
        {"files": [ok], "status": "READY"},  # files to come but READY already
        {"files": [{"path": "a", "size": 1}]},
    ]
    for body in bad:
        assert_error(client.post(f"{base}/versions", json=body), 400, "INVALID_ARGUMENT")
    assert _ok(client.get(base))["version_count"] == 0
