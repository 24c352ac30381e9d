"""Workspaces over HTTP, the workspace-scoped and default-workspace routes, and the
cross-cutting behaviour every response shares (X-Request-ID, probes, OpenAPI)."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.conftest import assert_error

WS = "/api/v1/workspaces"


def _aware(value: str) -> datetime:
    assert value.endswith(("Z", "+00:00")), value
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    assert parsed.utcoffset() is not None
    return parsed


def _create_ws(client: TestClient, name: str, description: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"name": name}
    if description is not None:
        body["description"] = description
    r = client.post(WS, json=body)
    assert r.status_code == 201, r.text
    out: dict[str, Any] = r.json()
    return out


def _all_workspaces(client: TestClient) -> list[dict[str, Any]]:
    r = client.get(WS, params={"size": 1000})
    assert r.status_code == 200, r.text
    items: list[dict[str, Any]] = r.json()["items"]
    return items


# --- workspaces ------------------------------------------------------------------------------


def test_default_workspace_exists(client: TestClient) -> None:
    names = [w["name"] for w in _all_workspaces(client)]
    assert "default" in names


def test_create_workspace_shape(client: TestClient) -> None:
    r = client.post(WS, json={"name": "team-a", "description": "the A team"})
    assert r.status_code == 201, r.text
    body = r.json()
    assert set(body) == {"id", "name", "description", "created_at"}
    assert body["name"] == "team-a"
    assert body["description"] == "the A team"
    uuid.UUID(body["id"])
    _aware(body["created_at"])


def test_create_workspace_without_description(client: TestClient) -> None:
    body = _create_ws(client, "nodesc")
    assert body["description"] is None


def test_list_workspaces_includes_created_ones(client: TestClient) -> None:
    a = _create_ws(client, "bravo", "b")
    b = _create_ws(client, "alpha", "a")
    items = _all_workspaces(client)
    by_name = {w["name"]: w for w in items}
    assert by_name["bravo"] == a
    assert by_name["alpha"] == b
    for w in items:
        assert set(w) == {"id", "name", "description", "created_at"}
    # Listed by name.
    names = [w["name"] for w in items]
    assert names == sorted(names)


def test_list_workspaces_envelope_and_paging(client: TestClient) -> None:
    for i in range(4):
        _create_ws(client, f"ws-{i}")
    r = client.get(WS, params={"page": 1, "size": 2})
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"items", "total", "page", "size", "total_pages", "next_page_token"}
    assert body["total"] == 5  # default + 4
    assert body["page"] == 1
    assert body["size"] == 2
    assert body["total_pages"] == 3
    assert len(body["items"]) == 2
    seen = [w["name"] for w in body["items"]]
    token = body["next_page_token"]
    assert isinstance(token, str)
    while token:
        r = client.get(WS, params={"size": 2, "page_token": token})
        assert r.status_code == 200, r.text
        seen += [w["name"] for w in r.json()["items"]]
        token = r.json()["next_page_token"]
    assert seen == sorted(w["name"] for w in _all_workspaces(client))
    assert len(seen) == len(set(seen)) == 5


def test_duplicate_workspace_is_already_exists(client: TestClient) -> None:
    _create_ws(client, "dup")
    err = assert_error(client.post(WS, json={"name": "dup"}), 409, "ALREADY_EXISTS")
    assert "dup" in err["message"]
    assert [w["name"] for w in _all_workspaces(client)].count("dup") == 1


def test_default_workspace_cannot_be_created_again(client: TestClient) -> None:
    assert_error(client.post(WS, json={"name": "default"}), 409, "ALREADY_EXISTS")


def test_workspace_names_follow_the_dataarts_rule(client: TestClient) -> None:
    _create_ws(client, "A-1-b")
    _create_ws(client, "x" * 36)
    for bad in ("", "x" * 37, "has space", "under_score", "dot.ted", "sl/ash", "émile"):
        assert_error(client.post(WS, json={"name": bad}), 400, "INVALID_ARGUMENT")


# --- models and versions under a workspace ---------------------------------------------------


def test_models_under_a_named_workspace(client: TestClient) -> None:
    _create_ws(client, "team")
    base = f"{WS}/team/models"
    r = client.post(base, json={"name": "clf", "description": "in team"})
    assert r.status_code == 201, r.text
    model = r.json()
    assert model["workspace"] == "team"
    r = client.get(f"{base}/clf")
    assert r.status_code == 200, r.text
    assert r.json() == model
    r = client.get(f"{base}/{model['id']}")
    assert r.status_code == 200, r.text
    assert r.json()["name"] == "clf"
    r = client.get(base)
    assert [m["name"] for m in r.json()["items"]] == ["clf"]
    # Not visible in the default workspace.
    assert_error(client.get("/api/v1/models/clf"), 404, "NOT_FOUND")
    assert_error(client.get(f"/api/v1/models/{model['id']}"), 404, "NOT_FOUND")
    assert client.get("/api/v1/models").json()["items"] == []


def test_versions_under_a_named_workspace(client: TestClient) -> None:
    _create_ws(client, "team")
    base = f"{WS}/team/models"
    model = client.post(base, json={"name": "clf"}).json()
    r = client.post(f"{base}/clf/versions", json={"description": "v1"})
    assert r.status_code == 201, r.text
    v = r.json()
    assert v["number"] == 1
    assert v["workspace"] == "team"
    assert v["model_id"] == model["id"]
    assert v["model_name"] == "clf"
    assert client.get(f"{base}/clf/versions/1").json() == v
    assert client.get(f"/api/v1/model-versions/{v['id']}").json() == v
    r = client.get(f"{base}/clf/versions")
    assert [x["id"] for x in r.json()["items"]] == [v["id"]]
    r = client.patch(f"{base}/clf/versions/1", json={"description": "changed"})
    assert r.status_code == 200, r.text
    assert r.json()["description"] == "changed"
    assert client.delete(f"{base}/clf/versions/1").status_code == 204
    assert_error(client.get(f"{base}/clf/versions/1"), 404, "NOT_FOUND")
    assert client.delete(f"{base}/clf").status_code == 204
    assert_error(client.get(f"{base}/clf"), 404, "NOT_FOUND")


def test_default_workspace_reachable_both_ways(client: TestClient) -> None:
    r = client.post(f"{WS}/default/models", json={"name": "m"})
    assert r.status_code == 201, r.text
    model = r.json()
    assert model["workspace"] == "default"
    assert client.get("/api/v1/models/m").json() == model
    r = client.post("/api/v1/models/m/versions", json={})
    assert r.status_code == 201, r.text
    v = r.json()
    assert v["workspace"] == "default"
    assert client.get(f"{WS}/default/models/m/versions/1").json() == v
    short = client.get("/api/v1/models/m/versions").json()
    long = client.get(f"{WS}/default/models/m/versions").json()
    assert short["items"] == long["items"]
    assert short["total"] == long["total"] == 1
    assert (
        client.get("/api/v1/models").json()["items"]
        == client.get(f"{WS}/default/models").json()["items"]
    )
    r = client.patch(f"{WS}/default/models/m", json={"description": "d"})
    assert r.status_code == 200, r.text
    assert client.get("/api/v1/models/m").json()["description"] == "d"
    assert client.delete(f"{WS}/default/models/m").status_code == 204
    assert_error(client.get("/api/v1/models/m"), 404, "NOT_FOUND")


def test_same_model_name_in_two_workspaces(client: TestClient) -> None:
    _create_ws(client, "one")
    _create_ws(client, "two")
    a = client.post(f"{WS}/one/models", json={"name": "shared", "description": "1"})
    b = client.post(f"{WS}/two/models", json={"name": "shared", "description": "2"})
    c = client.post("/api/v1/models", json={"name": "shared", "description": "d"})
    assert (a.status_code, b.status_code, c.status_code) == (201, 201, 201)
    assert len({a.json()["id"], b.json()["id"], c.json()["id"]}) == 3
    assert client.get(f"{WS}/one/models/shared").json()["description"] == "1"
    assert client.get(f"{WS}/two/models/shared").json()["description"] == "2"
    assert client.get("/api/v1/models/shared").json()["description"] == "d"
    # Version numbers are per model, so each starts at 1.
    for ws in ("one", "two"):
        r = client.post(f"{WS}/{ws}/models/shared/versions", json={})
        assert r.json()["number"] == 1
    # Still unique within one workspace.
    assert_error(client.post(f"{WS}/one/models", json={"name": "shared"}), 409, "ALREADY_EXISTS")
    # Deleting one leaves the others.
    assert client.delete(f"{WS}/one/models/shared").status_code == 204
    assert client.get(f"{WS}/two/models/shared").status_code == 200
    assert client.get(f"{WS}/two/models/shared/versions/1").status_code == 200
    assert client.get("/api/v1/models/shared").status_code == 200


def test_model_id_from_another_workspace_is_not_found(client: TestClient) -> None:
    _create_ws(client, "other")
    m = client.post(f"{WS}/other/models", json={"name": "x"}).json()
    assert_error(client.get(f"/api/v1/models/{m['id']}"), 404, "NOT_FOUND")
    assert_error(client.patch(f"/api/v1/models/{m['id']}", json={}), 404, "NOT_FOUND")
    assert_error(client.delete(f"/api/v1/models/{m['id']}"), 404, "NOT_FOUND")
    assert_error(client.post(f"/api/v1/models/{m['id']}/versions", json={}), 404, "NOT_FOUND")
    assert client.get(f"{WS}/other/models/{m['id']}").status_code == 200


def test_unknown_workspace_is_not_found(client: TestClient) -> None:
    base = f"{WS}/nowhere/models"
    err = assert_error(client.get(base), 404, "NOT_FOUND")
    assert "nowhere" in err["message"]
    assert_error(client.post(base, json={"name": "m"}), 404, "NOT_FOUND")
    assert_error(client.get(f"{base}/m"), 404, "NOT_FOUND")
    assert_error(client.patch(f"{base}/m", json={"description": "x"}), 404, "NOT_FOUND")
    assert_error(client.delete(f"{base}/m"), 404, "NOT_FOUND")
    assert_error(client.post(f"{base}/m/versions", json={}), 404, "NOT_FOUND")
    assert_error(client.get(f"{base}/m/versions"), 404, "NOT_FOUND")
    assert_error(client.get(f"{base}/m/versions/1"), 404, "NOT_FOUND")
    assert_error(client.delete(f"{base}/m/versions/1"), 404, "NOT_FOUND")
    # Nothing was created anywhere.
    assert "nowhere" not in [w["name"] for w in _all_workspaces(client)]


def test_invalid_workspace_in_path_is_invalid_argument(client: TestClient) -> None:
    assert_error(client.get(f"{WS}/bad_name/models"), 400, "INVALID_ARGUMENT")
    assert_error(client.get(f"{WS}/{'x' * 37}/models"), 400, "INVALID_ARGUMENT")


# --- X-Request-ID ----------------------------------------------------------------------------


def test_request_id_generated_when_absent(client: TestClient) -> None:
    r1 = client.get("/healthz")
    r2 = client.get("/healthz")
    rid1, rid2 = r1.headers["x-request-id"], r2.headers["x-request-id"]
    assert rid1
    assert rid2
    assert rid1 != rid2


def test_request_id_generated_on_api_responses(client: TestClient) -> None:
    r = client.post("/api/v1/models", json={"name": "m"})
    assert r.status_code == 201
    assert r.headers["x-request-id"]
    r = client.get("/api/v1/models")
    assert r.headers["x-request-id"]
    r = client.delete("/api/v1/models/m")
    assert r.status_code == 204
    assert r.headers["x-request-id"]


def test_request_id_echoed(client: TestClient) -> None:
    for rid in ("abc-123", "req.42:x_Y", "a" * 128):
        r = client.get("/api/v1/models", headers={"X-Request-ID": rid})
        assert r.status_code == 200
        assert r.headers["x-request-id"] == rid
    r = client.post("/api/v1/models", json={"name": "m"}, headers={"x-request-id": "lower-case"})
    assert r.status_code == 201
    assert r.headers["x-request-id"] == "lower-case"


def test_request_id_on_errors(client: TestClient) -> None:
    # Generated ...
    err = assert_error(client.get("/api/v1/models/nope"), 404, "NOT_FOUND")
    assert err["request_id"]
    # ... and echoed, in the header and in the envelope.
    cases = [
        client.get("/api/v1/models/nope", headers={"X-Request-ID": "rid-404"}),
        client.post("/api/v1/models", content=b"{not json", headers={"X-Request-ID": "rid-400"}),
        client.get("/api/v1/models", params={"size": 0}, headers={"X-Request-ID": "rid-size"}),
        client.get("/api/v1/no-such-route", headers={"X-Request-ID": "rid-route"}),
    ]
    expected = [
        (404, "NOT_FOUND", "rid-404"),
        (400, "INVALID_ARGUMENT", "rid-400"),
        (400, "INVALID_ARGUMENT", "rid-size"),
        (404, "NOT_FOUND", "rid-route"),
    ]
    for r, (status, code, rid) in zip(cases, expected, strict=True):
        err = assert_error(r, status, code)
        assert r.headers["x-request-id"] == rid
        assert err["request_id"] == rid
    client.post("/api/v1/models", json={"name": "dup"})
    r = client.post("/api/v1/models", json={"name": "dup"}, headers={"X-Request-ID": "rid-409"})
    assert assert_error(r, 409, "ALREADY_EXISTS")["request_id"] == "rid-409"


def test_malformed_client_request_id_is_replaced(client: TestClient) -> None:
    for bad in ("has space", "x" * 129, "semi;colon"):
        r = client.get("/healthz", headers={"X-Request-ID": bad})
        assert r.status_code == 200
        rid = r.headers["x-request-id"]
        assert rid
        assert rid != bad
        assert re.fullmatch(r"[A-Za-z0-9._:-]{1,128}", rid)


def test_request_id_on_internal_errors(app: FastAPI) -> None:
    def boom() -> None:
        raise RuntimeError("kaboom")

    app.add_api_route("/test-boom", boom)
    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.get("/test-boom", headers={"X-Request-ID": "rid-500"})
        err = assert_error(r, 500, "INTERNAL")
        assert err["request_id"] == "rid-500"
        assert "kaboom" not in r.text
        r = c.get("/test-boom")
        err = assert_error(r, 500, "INTERNAL")
        assert err["request_id"]


# --- probes and docs -------------------------------------------------------------------------


def test_healthz_and_readyz(client: TestClient) -> None:
    for path in ("/healthz", "/readyz"):
        r = client.get(path)
        assert r.status_code == 200, r.text
        assert r.json() == {"status": "ok"}
        assert r.headers["x-request-id"]


def test_openapi_lists_routes(client: TestClient) -> None:
    r = client.get("/openapi.json")
    assert r.status_code == 200
    spec = r.json()
    paths = spec["paths"]
    expected = {
        "/api/v1/workspaces": {"get", "post"},
        "/api/v1/workspaces/{ws}/models": {"get", "post"},
        "/api/v1/workspaces/{ws}/models/{name_or_id}": {"get", "patch", "delete"},
        "/api/v1/workspaces/{ws}/models/{name_or_id}/versions": {"get", "post"},
        "/api/v1/workspaces/{ws}/models/{name_or_id}/versions/{version}": {
            "get",
            "patch",
            "delete",
        },
        "/api/v1/models": {"get", "post"},
        "/api/v1/models/{name_or_id}": {"get", "patch", "delete"},
        "/api/v1/models/{name_or_id}/versions": {"get", "post"},
        "/api/v1/models/{name_or_id}/versions/{version}": {"get", "patch", "delete"},
        "/api/v1/model-versions/{version_id}": {"get"},
        "/healthz": {"get"},
        "/readyz": {"get"},
    }
    for path, methods in expected.items():
        assert path in paths, path
        assert methods <= set(paths[path]), (path, set(paths[path]))
    # The list-versions route documents its paging, sorting and filters.
    params = {p["name"] for p in paths["/api/v1/models/{name_or_id}/versions"]["get"]["parameters"]}
    assert {
        "page",
        "size",
        "page_token",
        "sort_by",
        "number",
        "status",
        "name",
        "run_id",
        "tag",
        "created_after",
        "created_before",
        "hydrate",
    } <= params
    # Documented error envelope.
    assert "ErrorOut" in spec["components"]["schemas"]


def test_docs_page(client: TestClient) -> None:
    r = client.get("/docs")
    assert r.status_code == 200
    assert "text/html" in r.headers["content-type"]
    assert "/openapi.json" in r.text


def test_server_timing_reports_the_servers_own_time(client: TestClient) -> None:
    for r in (client.get("/healthz"), client.get("/api/v1/models/nope")):
        name, _, dur = r.headers["server-timing"].partition(";dur=")
        assert name == "app"
        assert 0 <= float(dur) < 60_000
