"""Garbage collection on both dialects and both blob stores: it deletes exactly the blobs no
row references, never a young one, expires stale uploads and removes orphan parts; the
admin endpoint and ``modelreg gc`` (its real entry point) report what they did."""

from __future__ import annotations

import hashlib
import json
import os
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from modelreg.api.app import create_app
from modelreg.blobs import BlobStore, LocalBlobStore
from modelreg.config import Settings
from modelreg.services import Services
from modelreg.store import blob_refs
from modelreg.store.migrate import upgrade
from modelreg.store.schema import metadata
from tests.conftest import app_over, assert_error
from tests.servers import clean_env, run_cli

GC = "/api/v1/admin/gc"
SHARED, ONLY1, KEEP = os.urandom(3000), os.urandom(2000), os.urandom(1000)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def gc_app(db_url: str, any_blobs: BlobStore) -> Iterator[tuple[TestClient, Services]]:
    with app_over(db_url, any_blobs, upload_part_size=1024) as pair:
        yield pair


@pytest.fixture
def gsvc(gc_app: tuple[TestClient, Services]) -> Services:
    return gc_app[1]


@pytest.fixture
def gc_client(gc_app: tuple[TestClient, Services]) -> TestClient:
    return gc_app[0]


def _ok(r: Any, status: int = 200) -> Any:
    assert r.status_code == status, r.text
    return r.json()


def _version(client: TestClient, files: dict[str, bytes], model: str = "m") -> str:
    if client.get(f"/api/v1/models/{model}").status_code == 404:
        _ok(client.post("/api/v1/models", json={"name": model}), 201)
    v = _ok(
        client.post(f"/api/v1/models/{model}/versions", json={"status": "PENDING_REGISTRATION"}),
        201,
    )
    base = f"/api/v1/models/{model}/versions/{v['number']}"
    for path, data in files.items():
        _ok(client.put(f"{base}/files/{path}", content=data), 201)
    return base


def _gc(client: TestClient, **body: Any) -> dict[str, Any]:
    out: dict[str, Any] = _ok(client.post(GC, json=body))
    assert set(out) == {"scanned", "deleted", "bytes_freed", "dry_run", "uploads_expired"}
    return out


def test_gc_deletes_exactly_the_unreferenced_blobs(gc_client: TestClient, gsvc: Services) -> None:
    blobs = gsvc.files.blobs
    v1 = _version(gc_client, {"shared.bin": SHARED, "only1.bin": ONLY1})
    v2 = _version(gc_client, {"shared.bin": SHARED, "keep.bin": KEEP})
    assert gc_client.delete(v1).status_code == 204

    young = _gc(gc_client)  # default grace 1h: everything was just written
    assert young == {
        "scanned": 3,
        "deleted": 0,
        "bytes_freed": 0,
        "dry_run": False,
        "uploads_expired": 0,
    }
    dry = _gc(gc_client, grace="0s", dry_run=True)
    assert (dry["deleted"], dry["bytes_freed"], dry["dry_run"]) == (1, len(ONLY1), True)
    assert blobs.exists(_sha(ONLY1))

    done = _gc(gc_client, grace="0s")
    assert (done["scanned"], done["deleted"], done["bytes_freed"]) == (3, 1, len(ONLY1))
    assert not blobs.exists(_sha(ONLY1))
    assert blobs.exists(_sha(SHARED))
    assert blobs.exists(_sha(KEEP))
    assert gc_client.get(f"{v2}/files/shared.bin").content == SHARED
    assert _gc(gc_client, grace="0s")["deleted"] == 0  # nothing left to do
    assert _ok(gc_client.post(f"{v2}/finalize"))["status"] == "READY"


def test_a_young_orphan_is_never_deleted(gc_client: TestClient, gsvc: Services) -> None:
    """Orphans on either side of the grace boundary: only the older one goes. (The gc's
    clock is set so the boundary falls between two writes 3 s apart.)"""
    blobs = gsvc.files.blobs
    old = _version(gc_client, {"a": ONLY1}, "old")
    time.sleep(1.5)
    boundary = datetime.now(UTC)
    time.sleep(1.5)
    new = _version(gc_client, {"b": KEEP}, "new")
    assert gc_client.delete(old).status_code == 204
    assert gc_client.delete(new).status_code == 204
    gsvc.gc.clock = lambda: boundary + timedelta(hours=1)
    out = _gc(gc_client, grace="1h")
    assert (out["deleted"], out["bytes_freed"]) == (1, len(ONLY1))
    assert not blobs.exists(_sha(ONLY1))
    assert blobs.exists(_sha(KEEP))


def test_reuploading_an_orphan_makes_it_young(gc_client: TestClient, gsvc: Services) -> None:
    """A blob an upload finds already stored is refreshed, so the row about to reference it
    is covered by the grace period."""
    old = _version(gc_client, {"a": ONLY1}, "old")
    assert gc_client.delete(old).status_code == 204
    time.sleep(1.5)
    boundary = datetime.now(UTC)
    time.sleep(1.5)
    _version(gc_client, {"again": ONLY1}, "again")  # same bytes, referenced again
    v = _version(gc_client, {"x": KEEP}, "x")
    assert gc_client.delete(v).status_code == 204
    gsvc.gc.clock = lambda: boundary + timedelta(hours=1)
    assert _gc(gc_client, grace="1h")["deleted"] == 0
    assert gsvc.files.blobs.exists(_sha(ONLY1))


def test_stale_uploads_and_orphan_parts(gc_client: TestClient, gsvc: Services) -> None:
    blobs = gsvc.files.blobs
    base = _version(gc_client, {})
    data = os.urandom(1500)
    uploads = []
    for name in ("u1", "u2"):
        body = {"path": name, "size": len(data), "sha256": _sha(data)}
        up = _ok(gc_client.post(f"{base}/uploads", json=body), 201)["upload_id"]
        _ok(gc_client.put(f"{base}/uploads/{up}/parts/1", content=data[:1024]))
        uploads.append(up)
    # Parts of an upload that does not exist (say, a part that landed after an abort).
    orphan = blobs.stage_part(str(uuid.uuid4()), 1, 0)
    orphan.write(b"o" * 10)
    orphan.commit()

    out = _gc(gc_client, grace="0s")  # live uploads keep their parts, however old
    assert (out["deleted"], out["bytes_freed"], out["uploads_expired"]) == (1, 10, 0)
    assert sorted(p.name.split("/")[0] for p in blobs.list_parts()) == sorted(uploads)

    out = _gc(gc_client, upload_ttl="0s", dry_run=True)
    assert (out["deleted"], out["uploads_expired"]) == (2, 2)
    assert len(list(blobs.list_parts())) == 2

    out = _gc(gc_client, upload_ttl="0s")
    assert (out["deleted"], out["bytes_freed"], out["uploads_expired"]) == (2, 2048, 2)
    assert list(blobs.list_parts()) == []
    for up in uploads:
        assert_error(gc_client.get(f"{base}/uploads/{up}"), 404, "NOT_FOUND")


@pytest.mark.parametrize(
    "body",
    [
        {"grace": "soon"},
        {"grace": "-1h"},
        {"grace": ""},
        {"upload_ttl": "1y"},
        {"dry_run": "yes"},
        {"grace": 3600},
        {"force": True},
    ],
)
def test_admin_gc_rejects_bad_input(client: TestClient, body: dict[str, Any]) -> None:
    assert_error(client.post(GC, json=body), 400, "INVALID_ARGUMENT")


def test_every_sha256_column_is_a_known_blob_reference() -> None:
    """A table that stores blob digests must list its column in store/blob_refs.py, or gc
    would delete bytes it still needs. (An upload's sha256 is the one it promises.)"""
    not_blob_refs = {"uploads.sha256"}
    columns = {
        f"{t.name}.{c.name}"
        for t in metadata.tables.values()
        for c in t.columns
        if "sha256" in c.name
    }
    registered = {f"{c.table.name}.{c.name}" for c in blob_refs.BLOB_REFERENCES}
    assert columns - not_blob_refs == registered


def test_gc_command(tmp_path: Path) -> None:
    data = tmp_path / "data"
    settings = Settings(data_dir=data, no_auth=True)
    upgrade(settings.resolved_database_url())
    svc = Services.from_settings(settings)
    try:
        with TestClient(create_app(settings, services=svc)) as client:
            v = _version(client, {"a": ONLY1, "b": KEEP})
            _version(client, {"b": KEEP})
            assert client.delete(v).status_code == 204
    finally:
        svc.db.dispose()
    assert isinstance(svc.files.blobs, LocalBlobStore)
    env = clean_env(MODELREG_DATA_DIR=str(data))

    r = run_cli("gc", "--dry-run", "--grace", "0s", "--json", cwd=tmp_path, env=env)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == {
        "scanned": 2,
        "deleted": 1,
        "bytes_freed": len(ONLY1),
        "dry_run": True,
        "uploads_expired": 0,
    }
    assert svc.files.blobs.exists(_sha(ONLY1))

    r = run_cli("gc", cwd=tmp_path, env=env)  # default grace: too young to go
    assert r.returncode == 0, r.stderr
    assert "deleted 0" in r.stdout

    r = run_cli("gc", "--grace", "0", cwd=tmp_path, env=env)
    assert r.returncode == 0, r.stderr
    assert f"deleted 1 ({len(ONLY1)} bytes)" in r.stdout
    assert not svc.files.blobs.exists(_sha(ONLY1))
    assert svc.files.blobs.exists(_sha(KEEP))

    r = run_cli("gc", "--grace", "soon", cwd=tmp_path, env=env)
    assert r.returncode == 2
    assert "invalid duration" in r.stderr
