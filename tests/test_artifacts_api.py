"""Generic artifacts over HTTP, on both dialects: create/get/list/delete, version numbering
(never reused), refs, version fields and their validation, the file routes below an
artifact version (immutable once READY), FQN resolution and lineage links to artifacts."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.artifact_helpers import (
    API,
    WS,
    artifact,
    base,
    model_version,
    ok,
    sha,
    version,
    workspace,
)
from tests.conftest import assert_error

ARTIFACT_KEYS = {
    "id",
    "workspace",
    "type",
    "name",
    "fqn",
    "description",
    "latest_version",
    "version_count",
    "created_by",
    "created_at",
    "updated_at",
}
VERSION_KEYS = {
    "id",
    "artifact_id",
    "workspace",
    "type",
    "name",
    "number",
    "fqn",
    "description",
    "version_alias",
    "metadata",
    "source",
    "step",
    "run_id",
    "tags",
    "status",
    "status_message",
    "created_by",
    "created_by_type",
    "created_at",
    "updated_at",
    "usage_code_snippet",
}


# --- artifacts ------------------------------------------------------------------------------


@pytest.mark.parametrize("ws", [None, "research"])
def test_create_get_list_delete(client: TestClient, ws: str | None) -> None:
    a = artifact(client, "transactions", ws=ws, description="card transactions")
    wsname = ws or "default"
    assert set(a) == ARTIFACT_KEYS
    assert (a["name"], a["type"], a["workspace"]) == ("transactions", "dataset", wsname)
    assert a["fqn"] == f"dataset:{wsname}/transactions"
    assert (a["latest_version"], a["version_count"], a["created_by"]) == (None, 0, "anonymous")
    url = f"{base(ws)}/artifacts"
    assert ok(client.get(f"{url}/transactions")) == a
    assert ok(client.get(f"{url}/{a['id']}")) == a  # by id too
    artifact(client, "loss-curve", "plot", ws=ws)
    listed = ok(client.get(url))
    assert [x["name"] for x in listed["items"]] == ["loss-curve", "transactions"]
    assert listed["total"] == 2
    assert [x["name"] for x in ok(client.get(url, params={"type": "plot"}))["items"]] == [
        "loss-curve"
    ]
    ok(client.delete(f"{url}/transactions"), 204)
    assert_error(client.get(f"{url}/transactions"), 404, "NOT_FOUND")
    assert_error(client.delete(f"{url}/transactions"), 404, "NOT_FOUND")


def test_every_type_and_bad_types(client: TestClient) -> None:
    for kind in ("artifact", "dataset", "plot", "image", "chat_prompt"):
        assert artifact(client, f"a-{kind}", kind)["type"] == kind
    for bad in ("model", "Dataset", "table", "", "x" * 33):
        r = client.post(f"{API}/artifacts", json={"name": "x", "type": bad})
        assert_error(r, 400, "INVALID_ARGUMENT")
    assert_error(client.get(f"{API}/artifacts", params={"type": "nope"}), 400, "INVALID_ARGUMENT")


def test_create_errors(client: TestClient) -> None:
    artifact(client, "d")
    assert_error(
        client.post(f"{API}/artifacts", json={"name": "d", "type": "plot"}), 409, "ALREADY_EXISTS"
    )
    for body in (
        {"name": "a/b", "type": "dataset"},
        {"name": " pad", "type": "dataset"},
        {"name": "", "type": "dataset"},
        {"name": "x" * 257, "type": "dataset"},
        {"name": "ok", "type": "dataset", "extra": 1},
        {"name": "ok"},
        {"name": 3, "type": "dataset"},
    ):
        assert_error(client.post(f"{API}/artifacts", json=body), 400, "INVALID_ARGUMENT")
    r = client.post(f"{WS}/nope/artifacts", json={"name": "d", "type": "dataset"})
    assert_error(r, 404, "NOT_FOUND")
    assert_error(client.get(f"{WS}/nope/artifacts"), 404, "NOT_FOUND")
    assert_error(client.get(f"{API}/artifacts/missing"), 404, "NOT_FOUND")


def test_same_name_in_two_workspaces_and_models_apart(client: TestClient) -> None:
    a = artifact(client, "fraud")
    b = artifact(client, "fraud", ws="other")
    assert a["id"] != b["id"]
    # A model of the same name is another namespace.
    model_version(client, "fraud")
    assert ok(client.get(f"{API}/artifacts/fraud"))["id"] == a["id"]


# --- versions -------------------------------------------------------------------------------


def test_version_fields_round_trip(client: TestClient) -> None:
    artifact(client, "features")
    v = version(
        client,
        "features",
        description="November features",
        version_alias="v1.0",
        metadata={"rows": 1200, "columns": ["amount", "country"], "nested": {"a": [1, 2]}},
        source={"type": "external", "uri": "s3://data/features/2026-11"},
        step=3,
        run_id="run-17",
        tags=["prod", "november", "prod"],
    )
    assert set(v) == VERSION_KEYS
    assert (v["number"], v["fqn"], v["status"]) == (1, "dataset:default/features:1", "READY")
    assert v["metadata"] == {
        "rows": 1200,
        "columns": ["amount", "country"],
        "nested": {"a": [1, 2]},
    }
    assert v["source"] == {"type": "external", "uri": "s3://data/features/2026-11"}
    assert (v["step"], v["run_id"], v["version_alias"]) == (3, "run-17", "v1.0")
    assert v["tags"] == ["november", "prod"]
    assert (v["created_by"], v["created_by_type"]) == ("anonymous", "user")
    assert "client.pull('dataset:default/features:1'" in v["usage_code_snippet"]
    url = f"{API}/artifacts/features/versions"
    assert ok(client.get(f"{url}/1")) == v
    assert ok(client.get(f"{url}/latest")) == v
    defaults = version(client, "features")
    assert defaults["source"] == {"type": "modelreg", "uri": None}
    assert (defaults["metadata"], defaults["tags"], defaults["step"]) == ({}, [], None)
    a = ok(client.get(f"{API}/artifacts/features"))
    assert (a["latest_version"], a["version_count"]) == (2, 2)


def test_numbers_are_never_reused(client: TestClient) -> None:
    artifact(client, "d")
    assert [version(client, "d")["number"] for _ in range(3)] == [1, 2, 3]
    url = f"{API}/artifacts/d/versions"
    ok(client.delete(f"{url}/3"), 204)
    ok(client.delete(f"{url}/2"), 204)
    assert_error(client.get(f"{url}/3"), 404, "NOT_FOUND")
    assert_error(client.delete(f"{url}/3"), 404, "NOT_FOUND")
    assert version(client, "d")["number"] == 4
    listed = ok(client.get(url))
    assert [v["number"] for v in listed["items"]] == [4, 1]
    assert listed["total"] == 2
    page = ok(client.get(url, params={"size": 1}))
    assert [v["number"] for v in page["items"]] == [4]
    nxt = ok(client.get(url, params={"size": 1, "page_token": page["next_page_token"]}))
    assert [v["number"] for v in nxt["items"]] == [1]
    # Deleting the artifact takes its versions; a new one starts at 1 again.
    ok(client.delete(f"{API}/artifacts/d"), 204)
    artifact(client, "d")
    assert version(client, "d")["number"] == 1


def test_latest_is_the_highest_ready_number(client: TestClient) -> None:
    artifact(client, "d")
    url = f"{API}/artifacts/d/versions"
    assert_error(client.get(f"{url}/latest"), 404, "NOT_FOUND")
    version(client, "d")
    version(client, "d", status="PENDING_REGISTRATION")
    assert ok(client.get(f"{url}/latest"))["number"] == 1
    assert ok(client.get(f"{url}/LATEST"))["number"] == 1


def test_bad_refs(client: TestClient) -> None:
    artifact(client, "d")
    version(client, "d")
    url = f"{API}/artifacts/d/versions"
    for ref in ("0", "-1", "abc", "v1", "99999999999", "1.0"):
        assert_error(client.get(f"{url}/{ref}"), 400, "INVALID_ARGUMENT")
    assert_error(client.get(f"{url}/2"), 404, "NOT_FOUND")
    assert_error(client.get(f"{API}/artifacts/nope/versions/1"), 404, "NOT_FOUND")
    assert_error(client.post(f"{API}/artifacts/nope/versions", json={}), 404, "NOT_FOUND")
    assert_error(client.delete(f"{url}/latest"), 400, "INVALID_ARGUMENT")


BAD_VERSION_BODIES: list[dict[str, Any]] = [
    {"metadata": {".status": "mine"}},
    {"metadata": {"x": "a\x00b"}},
    {"metadata": []},
    {"source": {"type": "external"}},
    {"source": {"type": "ftp", "uri": "ftp://x"}},
    {"source": {"uri": "s3://x", "extra": 1}},
    {"step": -1},
    {"step": 2**63},
    {"step": "3"},
    {"tags": [""]},
    {"tags": ["x" * 251]},
    {"tags": "prod"},
    {"version_alias": "v1/0"},
    {"version_alias": ""},
    {"run_id": "r" * 257},
    {"status": "DONE"},
    {"status": "READY", "files": [{"path": "a", "size": 1, "sha256": "0" * 64}]},
    {"files": [{"path": "../a", "size": 1, "sha256": "0" * 64}]},
    {"files": [{"path": "a", "size": 1, "sha256": "0" * 64}] * 2},
    {"files": [{"path": "a", "size": -1, "sha256": "0" * 64}]},
    {"unknown": True},
]


def test_bad_version_bodies_write_nothing(client: TestClient) -> None:
    artifact(client, "d")
    for body in BAD_VERSION_BODIES:
        r = client.post(f"{API}/artifacts/d/versions", json=body)
        assert r.status_code == 400, (body, r.text)
        assert_error(r, 400, "INVALID_ARGUMENT")
    assert ok(client.get(f"{API}/artifacts/d"))["version_count"] == 0
    assert version(client, "d")["number"] == 1  # failed attempts used no number


# --- files ----------------------------------------------------------------------------------

DATA = bytes(range(256)) * 8


@pytest.mark.parametrize("ws", [None, "research"])
def test_files_declare_upload_finalize_and_freeze(client: TestClient, ws: str | None) -> None:
    artifact(client, "images", "image", ws=ws)
    v = version(
        client,
        "images",
        ws=ws,
        files=[{"path": "a/cat.png", "size": len(DATA), "sha256": sha(DATA)}],
    )
    assert v["status"] == "PENDING_REGISTRATION"
    url = f"{base(ws)}/artifacts/images/versions/{v['number']}"
    r = client.post(f"{url}/finalize")
    err = assert_error(r, 409, "FAILED_PRECONDITION")
    assert err["details"]["missing"] == ["a/cat.png"]
    put = client.put(
        f"{url}/files/a/cat.png", content=DATA, headers={"X-Checksum-Sha256": sha(DATA)}
    )
    assert ok(put, 201) == {"path": "a/cat.png", "size": len(DATA), "sha256": sha(DATA)}
    assert ok(client.get(f"{url}/files"))["items"] == [ok(put, 201)]
    got = client.get(f"{url}/files/a/cat.png", headers={"Range": "bytes=0-9"})
    assert (got.status_code, got.content) == (206, DATA[:10])
    assert got.headers["etag"] == f'"{sha(DATA)}"'
    done = ok(client.post(f"{url}/finalize"))
    assert (done["status"], done["fqn"]) == ("READY", v["fqn"])
    assert ok(client.get(f"{base(ws)}/artifacts/images/versions/latest"))["id"] == v["id"]
    # READY: the files never change again.
    for path in ("a/cat.png", "b.txt"):
        assert_error(client.put(f"{url}/files/{path}", content=b"x"), 409, "FAILED_PRECONDITION")
    assert_error(client.post(f"{url}/finalize"), 409, "FAILED_PRECONDITION")
    assert client.get(f"{url}/files/a/cat.png").content == DATA


def test_file_errors_below_artifacts(client: TestClient) -> None:
    artifact(client, "d")
    version(client, "d")  # READY, no files
    pending = version(client, "d", status="PENDING_REGISTRATION")["number"]
    url = f"{API}/artifacts/d/versions"
    assert_error(client.put(f"{url}/1/files/a", content=b"x"), 409, "FAILED_PRECONDITION")
    r = client.put(
        f"{url}/{pending}/files/a", content=b"x", headers={"X-Checksum-Sha256": "0" * 64}
    )
    assert_error(r, 400, "INVALID_ARGUMENT")
    assert ok(client.get(f"{url}/{pending}/files"))["items"] == []
    assert_error(client.put(f"{url}/{pending}/files/..%2Fa", content=b"x"), 400, "INVALID_ARGUMENT")
    assert_error(client.get(f"{url}/{pending}/files/missing"), 404, "NOT_FOUND")
    assert_error(client.get(f"{url}/9/files"), 404, "NOT_FOUND")
    assert_error(client.get(f"{API}/artifacts/nope/versions/1/files"), 404, "NOT_FOUND")
    # A model of the same name does not answer for the artifact, nor the other way round.
    assert_error(client.get(f"{API}/models/d/versions/1/files"), 404, "NOT_FOUND")


def test_same_bytes_for_a_model_and_an_artifact_are_one_blob(
    client: TestClient, services: Any
) -> None:
    artifact(client, "d")
    a = version(client, "d", status="PENDING_REGISTRATION")["number"]
    m = model_version(client, "m", status="PENDING_REGISTRATION")["number"]
    ok(client.put(f"{API}/artifacts/d/versions/{a}/files/x.bin", content=DATA), 201)
    ok(client.put(f"{API}/models/m/versions/{m}/files/y.bin", content=DATA), 201)
    root = services.files.blobs.root
    assert [p.name for p in (root / "objects").rglob("*") if p.is_file()] == [sha(DATA)]


# --- FQNs and lineage -----------------------------------------------------------------------


def test_resolve_artifact_fqns(client: TestClient) -> None:
    artifact(client, "tx", ws="risk")
    v1 = version(client, "tx", ws="risk")
    v2 = version(client, "tx", ws="risk", tags=["x"])

    def resolve(fqn: str) -> dict[str, Any]:
        out: dict[str, Any] = ok(client.get(f"{API}/resolve", params={"fqn": fqn}))
        return out

    assert resolve("dataset:risk/tx:1") == v1
    assert resolve("dataset:risk/tx:latest") == v2
    assert resolve(v2["fqn"]) == v2
    mv = model_version(client, "fraud", ws="risk")
    assert resolve("model:risk/fraud:1")["id"] == mv["id"]
    for fqn in ("plot:risk/tx:1", "dataset:risk/tx:3", "dataset:nope/tx:1", "dataset:risk/no:1"):
        assert_error(client.get(f"{API}/resolve", params={"fqn": fqn}), 404, "NOT_FOUND")
    for fqn in ("dataset:risk/tx", "dataset:risk/tx:champion", "dataset:risk/tx:0", "tx:risk/a:1"):
        assert_error(client.get(f"{API}/resolve", params={"fqn": fqn}), 400, "INVALID_ARGUMENT")


def test_model_lineage_links_resolve_to_artifact_versions(client: TestClient) -> None:
    workspace(client, "risk")
    artifact(client, "tx", ws="risk")
    artifact(client, "weights", "artifact", ws="risk")
    ds = version(client, "tx", ws="risk", run_id="run-1")
    version(client, "tx", ws="risk")
    w = version(client, "weights", ws="risk")
    parent = model_version(client, "base", ws="risk")
    lineage = {
        "datasets": ["dataset:risk/tx:1", "s3://raw/tx.parquet", "dataset:risk/tx:latest"],
        "model_artifacts": ["artifact:risk/weights:1", "model:risk/base:1"],
        "data_artifacts": ["dataset:risk/gone:1", "plot:risk/tx:1"],
    }
    mv = model_version(client, "fraud", ws="risk", lineage=lineage)
    assert sorted(mv["lineage"]["datasets"]) == sorted(lineage["datasets"])  # as written
    body = ok(client.get(f"{API}/model-versions/{mv['id']}/lineage"))
    links = {(link["kind"], link["target"]): link["resolved"] for link in body["links"]}
    assert len(links) == 7
    assert links[("datasets", "dataset:risk/tx:1")]["id"] == ds["id"]
    assert links[("datasets", "dataset:risk/tx:latest")]["fqn"] == "dataset:risk/tx:2"
    assert links[("datasets", "s3://raw/tx.parquet")] is None
    art = links[("model_artifacts", "artifact:risk/weights:1")]
    assert (art["id"], art["manifest"]["type"]) == (w["id"], "artifact-version")
    model = links[("model_artifacts", "model:risk/base:1")]
    assert (model["id"], model["fqn"]) == (parent["id"], "model:risk/base:1")
    assert links[("data_artifacts", "dataset:risk/gone:1")] is None
    assert links[("data_artifacts", "plot:risk/tx:1")] is None  # tx is a dataset
    # Deleting the dataset version leaves the link, unresolved.
    ok(client.delete(f"{WS}/risk/artifacts/tx/versions/1"), 204)
    body = ok(client.get(f"{API}/model-versions/{mv['id']}/lineage"))
    links = {link["target"]: link["resolved"] for link in body["links"]}
    assert links["dataset:risk/tx:1"] is None


def test_patch_a_version(client: TestClient) -> None:
    artifact(client, "d")
    version(client, "d", description="first", metadata={"a": 1}, tags=["x"], version_alias="v1")
    url = f"{API}/artifacts/d/versions/1"
    v = ok(client.patch(url, json={"description": "second"}))
    assert (v["description"], v["metadata"], v["tags"], v["version_alias"]) == (
        "second",
        {"a": 1},
        ["x"],
        "v1",
    )
    v = ok(
        client.patch(url, json={"metadata": {"b": 2}, "tags": ["y", "z"], "version_alias": None})
    )
    assert (v["metadata"], v["tags"], v["version_alias"]) == ({"b": 2}, ["y", "z"], None)
    assert ok(client.get(url)) == v
    # READY may fail later, never go back to pending; a failed upload is marked so.
    assert_error(
        client.patch(url, json={"status": "PENDING_REGISTRATION"}), 409, "FAILED_PRECONDITION"
    )
    pending = version(client, "d", status="PENDING_REGISTRATION")["number"]
    failed = ok(
        client.patch(
            f"{API}/artifacts/d/versions/{pending}",
            json={"status": "FAILED_REGISTRATION", "status_message": "upload aborted"},
        )
    )
    assert (failed["status"], failed["status_message"]) == ("FAILED_REGISTRATION", "upload aborted")
    assert_error(
        client.put(f"{API}/artifacts/d/versions/{pending}/files/a", content=b"x"),
        409,
        "FAILED_PRECONDITION",
    )
    for body in (
        {"status": None},
        {"metadata": None},
        {"tags": None},
        {"metadata": {".x": 1}},
        {"version_alias": "a/b"},
        {"status": "NOPE"},
        {"name": "x"},
    ):
        assert_error(client.patch(url, json=body), 400, "INVALID_ARGUMENT")
    assert ok(client.get(url)) == v
    assert_error(client.patch(f"{API}/artifacts/d/versions/9", json={}), 404, "NOT_FOUND")
    assert_error(
        client.patch(f"{API}/artifacts/d/versions/latest", json={}), 400, "INVALID_ARGUMENT"
    )
