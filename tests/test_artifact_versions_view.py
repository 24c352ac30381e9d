"""The TrueFoundry-shaped view GET /api/v1/artifact-versions on both dialects: artifact and
model versions together, newest first; the envelope, every filter and its bad values,
offset/limit with totals, FQNs, created_by_subject, internal metadata, and a
usage_code_snippet that really fetches the version through the SDK."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.artifact_helpers import (
    API,
    VIEW,
    artifact,
    fqns,
    model_version,
    ok,
    sha,
    version,
    view,
    workspace,
)
from tests.conftest import assert_error

ITEM_KEYS = {
    "id",
    "fqn",
    "created_by_subject",
    "manifest",
    "ml_repo_id",
    "artifact_id",
    "created_at",
    "updated_at",
    "usage_code_snippet",
    "tags",
}
MANIFEST_KEYS = {
    "name",
    "metadata",
    "ml_repo",
    "source",
    "description",
    "version_alias",
    "version",
    "type",
    "step",
    "run_id",
}

# Newest first, as the view lists them.
ALL = [
    "model:default/fraud:2",
    "model:default/fraud:1",
    "artifact:default/weights:1",
    "plot:risk/loss:1",
    "dataset:risk/tx:3",
    "dataset:risk/tx:2",
    "dataset:risk/tx:1",
]


def _seed(client: TestClient) -> dict[str, Any]:
    """Versions of two datasets... in two workspaces, and of a model; in creation order."""
    risk = workspace(client, "risk")
    tx = artifact(client, "tx", ws="risk")
    artifact(client, "loss", "plot", ws="risk")
    artifact(client, "weights", "artifact")
    version(client, "tx", ws="risk", tags=["prod"], run_id="r1", step=1, metadata={"rows": 10})
    version(client, "tx", ws="risk", tags=["prod", "nov"], run_id="r2", step=2)
    version(client, "tx", ws="risk", run_id="r2", step=3, status="PENDING_REGISTRATION")
    version(client, "loss", ws="risk", run_id="r1", step=0)
    version(client, "weights", version_alias="v1.0", description="the weights")
    m1 = model_version(client, "fraud", run_id="r1", params={"lr": "0.1"})
    model_version(
        client,
        "fraud",
        tags={"env": "prod", "flag": ""},
        metrics=[{"key": "auc", "value": 0.9, "step": 1}, {"key": "auc", "value": 0.93, "step": 2}],
    )
    return {"risk": risk, "tx": tx, "model_id": m1["model_id"]}


def test_envelope_order_and_shapes(client: TestClient) -> None:
    seeded = _seed(client)
    body = view(client)
    assert body["pagination"] == {"total": 7, "offset": 0, "limit": 100}
    assert [v["fqn"] for v in body["data"]] == ALL
    for item in body["data"]:
        assert set(item) == ITEM_KEYS
        assert set(item["manifest"]) == MANIFEST_KEYS
        assert item["created_by_subject"] == {
            "subjectId": "anonymous",
            "subjectType": "user",
            "subjectSlug": "anonymous",
            "subjectDisplayName": "anonymous",
        }
        assert f"client.pull({item['fqn']!r}" in item["usage_code_snippet"]
        assert "from modelreg import Client" in item["usage_code_snippet"]
    by_fqn = {v["fqn"]: v for v in body["data"]}
    tx1 = by_fqn["dataset:risk/tx:1"]
    assert tx1["manifest"] == {
        "name": "tx",
        "metadata": {"rows": 10},
        "ml_repo": "risk",
        "source": {"type": "modelreg", "uri": "dataset:risk/tx:1"},
        "description": None,
        "version_alias": None,
        "version": 1,
        "type": "dataset-version",
        "step": 1,
        "run_id": "r1",
    }
    assert (tx1["ml_repo_id"], tx1["artifact_id"]) == (seeded["risk"]["id"], seeded["tx"]["id"])
    assert tx1["tags"] == ["prod"]
    w = by_fqn["artifact:default/weights:1"]["manifest"]
    assert (w["version_alias"], w["description"], w["type"]) == (
        "v1.0",
        "the weights",
        "artifact-version",
    )
    m2 = by_fqn["model:default/fraud:2"]
    assert m2["artifact_id"] == seeded["model_id"]
    assert (m2["manifest"]["type"], m2["manifest"]["step"]) == ("model-version", None)
    assert m2["manifest"]["metadata"] == {"metrics": {"auc": 0.93}}
    assert m2["tags"] == ["env=prod", "flag"]
    assert by_fqn["model:default/fraud:1"]["manifest"]["metadata"] == {"params": {"lr": "0.1"}}
    # The view's entry for a version is what /resolve answers for its FQN.
    assert ok(client.get(f"{API}/resolve", params={"fqn": tx1["fqn"]}))["id"] == tx1["id"]


FILTERS: list[tuple[dict[str, Any], list[str]]] = [
    ({"tag": "prod"}, ["dataset:risk/tx:2", "dataset:risk/tx:1"]),
    ({"tag": "nov"}, ["dataset:risk/tx:2"]),
    ({"tag": "env=prod"}, ["model:default/fraud:2"]),
    ({"tag": "flag"}, ["model:default/fraud:2"]),
    ({"tag": "env"}, []),
    ({"fqn": "dataset:risk/tx"}, ALL[4:]),
    ({"fqn": "dataset:risk/tx:2"}, ["dataset:risk/tx:2"]),
    ({"fqn": "dataset:risk/tx:latest"}, ["dataset:risk/tx:2"]),  # 3 is pending
    ({"fqn": "model:default/fraud:1"}, ["model:default/fraud:1"]),
    ({"fqn": "plot:risk/tx"}, []),
    ({"ml_repo": "risk"}, ALL[3:]),
    ({"workspace": "default"}, ALL[:3]),
    ({"ml_repo": "risk", "workspace": "risk"}, ALL[3:]),
    ({"name": "tx"}, ALL[4:]),
    ({"name": "fraud"}, ALL[:2]),
    ({"version": "1"}, ["model:default/fraud:1", *ALL[2:4], "dataset:risk/tx:1"]),
    ({"version": "latest"}, ["model:default/fraud:2", *ALL[2:4], "dataset:risk/tx:2"]),
    ({"version": "3", "name": "tx"}, ["dataset:risk/tx:3"]),
    ({"run_ids": ["r1"]}, ["model:default/fraud:1", "plot:risk/loss:1", "dataset:risk/tx:1"]),
    ({"run_ids": ["r2", "r9"]}, ["dataset:risk/tx:3", "dataset:risk/tx:2"]),
    ({"run_steps": [0, 3]}, ["plot:risk/loss:1", "dataset:risk/tx:3"]),
    ({"run_steps": [1], "run_ids": ["r2"]}, []),
    ({"type": ["model"]}, ALL[:2]),
    ({"type": ["plot", "artifact"]}, ALL[2:4]),
    ({"type": ["dataset"], "tag": "prod", "version": "2"}, ["dataset:risk/tx:2"]),
    ({"fqn": "dataset:risk/tx", "version": "1"}, ["dataset:risk/tx:1"]),
    ({"fqn": "dataset:risk/tx:1", "version": "2"}, []),
]


def test_every_filter(client: TestClient) -> None:
    seeded = _seed(client)
    for params, expected in FILTERS:
        body = view(client, **params)
        assert [v["fqn"] for v in body["data"]] == expected, params
        assert body["pagination"]["total"] == len(expected), params
    assert fqns(client, artifact_id=seeded["tx"]["id"]) == ALL[4:]
    assert fqns(client, artifact_id=seeded["model_id"]) == ALL[:2]
    assert fqns(client, ml_repo_id=seeded["risk"]["id"]) == ALL[3:]
    assert fqns(client, artifact_id="00000000-0000-0000-0000-000000000000") == []
    # Unknown names match nothing rather than failing: it is a filter.
    assert fqns(client, ml_repo="nope") == []
    assert fqns(client, name="nope") == []


def test_offset_limit_and_totals(client: TestClient) -> None:
    _seed(client)
    for offset, limit in ((0, 3), (3, 3), (6, 3), (2, 1), (5, 10), (7, 5), (100, 1)):
        body = view(client, offset=offset, limit=limit)
        assert body["pagination"] == {"total": 7, "offset": offset, "limit": limit}
        assert [v["fqn"] for v in body["data"]] == ALL[offset : offset + limit]
    body = view(client, name="tx", offset=1, limit=1)
    assert body["pagination"] == {"total": 3, "offset": 1, "limit": 1}
    assert [v["fqn"] for v in body["data"]] == ["dataset:risk/tx:2"]


def test_internal_metadata(client: TestClient) -> None:
    artifact(client, "d")
    data = b"hello" * 100
    v = version(client, "d", metadata={"k": "v"}, status="PENDING_REGISTRATION")
    ok(client.put(f"{API}/artifacts/d/versions/1/files/a.txt", content=data), 201)
    ok(client.put(f"{API}/artifacts/d/versions/1/files/b.txt", content=b"xy"), 201)
    model_version(client, "m")
    plain = view(client)["data"]
    assert plain[1]["manifest"]["metadata"] == {"k": "v"}
    assert plain[0]["manifest"]["metadata"] == {}
    full = view(client, include_internal_metadata="true")["data"]
    assert full[1]["id"] == v["id"]
    assert full[1]["manifest"]["metadata"] == {
        "k": "v",
        ".status": "PENDING_REGISTRATION",
        ".status_message": None,
        ".file_count": 2,
        ".size": len(data) + 2,
    }
    assert full[0]["manifest"]["metadata"] == {
        ".status": "READY",
        ".status_message": None,
        ".file_count": 0,
        ".size": 0,
        ".stage": "None",
        ".aliases": [],
    }


BAD_PARAMS: list[dict[str, Any]] = [
    {"version": "0"},
    {"version": "-1"},
    {"version": "abc"},
    {"version": "latest2"},
    {"version": "99999999999"},
    {"version": ""},
    {"artifact_id": "not-a-uuid"},
    {"ml_repo_id": "risk"},
    {"run_steps": ["a"]},
    {"run_steps": ["-1"]},
    {"run_steps": [str(2**63)]},
    {"run_ids": [""]},
    {"run_ids": ["r" * 257]},
    {"run_ids": [f"r{i}" for i in range(101)]},
    {"offset": "-1"},
    {"offset": "2000000000"},
    {"offset": "x"},
    {"limit": "0"},
    {"limit": "1001"},
    {"type": ["nope"]},
    {"type": ["Model"]},
    {"fqn": "dataset"},
    {"fqn": "dataset:risk"},
    {"fqn": "table:risk/tx"},
    {"fqn": "dataset:bad ws/tx"},
    {"fqn": "dataset:risk/"},
    {"ml_repo": "bad name"},
    {"workspace": "x" * 37},
    {"ml_repo": "risk", "workspace": "default"},
    {"name": "a/b"},
    {"name": ""},
    {"tag": ""},
    {"include_internal_metadata": "maybe"},
]


def test_bad_parameters_are_400(client: TestClient) -> None:
    for params in BAD_PARAMS:
        r = client.get(VIEW, params=params)
        assert r.status_code == 400, (params, r.text)
        assert_error(r, 400, "INVALID_ARGUMENT")


def test_usage_code_snippet_fetches_the_version(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Run the snippet as a user would (its Client() reads MODELREG_URL), against the app."""
    import modelreg.client.client as sdk

    monkeypatch.setenv("MODELREG_URL", "http://testserver")
    monkeypatch.setattr(sdk.httpx, "Client", lambda **_: client)
    data = b"column,value\n" * 50
    artifact(client, "tx", ws="risk")
    v = version(
        client,
        "tx",
        ws="risk",
        files=[{"path": "data/part-0.csv", "size": len(data), "sha256": sha(data)}],
    )
    url = f"{API}/workspaces/risk/artifacts/tx/versions/1"
    ok(client.put(f"{url}/files/data/part-0.csv", content=data), 201)
    ok(client.post(f"{url}/finalize"))
    m = model_version(client, "fraud", status="PENDING_REGISTRATION")
    ok(client.put(f"{API}/models/fraud/versions/1/files/model.pkl", content=b"pickle"), 201)
    ok(client.post(f"{API}/models/fraud/versions/1/finalize"))
    snippets = {item["id"]: item["usage_code_snippet"] for item in view(client)["data"]}
    monkeypatch.chdir(tmp_path)
    scope: dict[str, Any] = {}
    exec(snippets[v["id"]], scope)
    assert scope["version"]["id"] == v["id"]
    assert (tmp_path / "tx" / "data" / "part-0.csv").read_bytes() == data
    exec(snippets[m["id"]], scope)
    assert scope["version"]["id"] == m["id"]
    assert (tmp_path / "fraud" / "model.pkl").read_bytes() == b"pickle"


def test_one_version_by_id(client: TestClient) -> None:
    _seed(client)
    listed = view(client, include_internal_metadata="true")["data"]
    for item in listed:
        got = ok(client.get(f"{VIEW}/{item['id']}", params={"include_internal_metadata": True}))
        assert got == item
    plain = ok(client.get(f"{VIEW}/{listed[0]['id']}"))
    assert not any(k.startswith(".") for k in plain["manifest"]["metadata"])
    missing = "00000000-0000-0000-0000-000000000000"
    assert_error(client.get(f"{VIEW}/{missing}"), 404, "NOT_FOUND")
    assert_error(client.get(f"{VIEW}/not-a-uuid"), 400, "INVALID_ARGUMENT")
