"""List and search pages are encoded without pydantic (api.schemas.versions.version_doc);
every item must be exactly what the single-version GET (a pydantic VersionOut) answers."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

API = "/api/v1"
HEAVY = ("metrics", "params", "signature", "config")


def _make(client: TestClient) -> None:
    assert client.post(f"{API}/models", json={"name": "wire"}).status_code == 201
    bodies: list[dict[str, Any]] = [
        {},  # every optional field empty
        {
            "name": "display-name",
            "description": "d",
            "source": "s3://b/k",
            "run_id": "r1",
            "run_link": "http://x/r1",
            "tags": {"env": "prod", "a/b": "ü"},
            "params": {"lr": "0.1"},
            "requirements": ["numpy==2"],
            "metrics": [
                # whole seconds, microseconds, and the same key at two steps
                {"key": "auc", "value": 0.5, "step": 0, "timestamp": "2026-01-01T10:00:00Z"},
                {"key": "auc", "value": 0.75, "step": 1, "timestamp": "2026-01-01T10:00:00.1234Z"},
                {"key": "loss", "value": -1e-300, "step": 2, "timestamp": "2026-01-01T10:00:01Z"},
            ],
            "signature": {"inputs": [{"name": "x", "type": "tensor"}]},
            "config": {"llm": {"base_model_type": "llama", "nested": [1, 2.5, None, True]}},
            "lineage": {
                "datasets": ["ds:b", "ds:a"],
                "pipeline_runs": ["p1"],
                "experiment_id": "e1",
                "deployment_job_state": {"state": "DONE"},
            },
        },
        {"status": "PENDING_REGISTRATION", "tags": {"only": "tag"}},
    ]
    for body in bodies:
        assert client.post(f"{API}/models/wire/versions", json=body).status_code == 201, body
    r = client.post(f"{API}/models/wire/versions/2/stage", json={"stage": "Production"})
    assert r.status_code == 200, r.text
    r = client.put(f"{API}/models/wire/aliases/champion", json={"version": 2})
    assert r.status_code in (200, 201), r.text


def _singles(client: TestClient) -> dict[str, dict[str, Any]]:
    out = {}
    for n in (1, 2, 3):
        r = client.get(f"{API}/models/wire/versions/{n}")
        assert r.status_code == 200
        out[r.json()["id"]] = r.json()
    return out


def test_search_items_equal_single_gets(client: TestClient) -> None:
    _make(client)
    singles = _singles(client)
    for r in (
        client.get(f"{API}/model-versions/search", params={"filter": "name = 'wire'"}),
        client.post(f"{API}/model-versions/search", json={"include_total": True}),
    ):
        assert r.status_code == 200
        assert r.headers["content-type"] == "application/json"
        page = r.json()
        assert set(page) == {"items", "next_page_token", "total"}
        assert len(page["items"]) == 3
        for item in page["items"]:
            assert item == singles[item["id"]]
    assert r.json()["total"] == 3


def test_list_items_equal_single_gets_hydrated_or_not(client: TestClient) -> None:
    _make(client)
    singles = _singles(client)
    full = client.get(f"{API}/models/wire/versions", params={"size": 2, "include_total": True})
    assert full.status_code == 200
    page = full.json()
    assert set(page) == {"items", "total", "page", "size", "total_pages", "next_page_token"}
    assert (page["total"], page["page"], page["size"], page["total_pages"]) == (3, 1, 2, 2)
    for item in page["items"]:
        assert item == singles[item["id"]]
    light = client.get(f"{API}/models/wire/versions", params={"hydrate": "false"}).json()
    assert len(light["items"]) == 3
    for item in light["items"]:
        expected = {k: v for k, v in singles[item["id"]].items() if k not in HEAVY}
        assert item == expected
