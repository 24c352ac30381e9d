"""Bad input on the MLflow surface: a 4xx in MLflow's error shape, never a 500, nothing
written. In-process against the real app, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

API = "/api/2.0/mlflow"
LONG = "x" * 300

BAD: list[tuple[str, str, dict[str, Any], int, str]] = [
    # method, path, params or JSON body, status, error_code
    ("POST", "/registered-models/create", {}, 400, "INVALID_PARAMETER_VALUE"),
    ("POST", "/registered-models/create", {"name": ""}, 400, "INVALID_PARAMETER_VALUE"),
    ("POST", "/registered-models/create", {"name": "a/b"}, 400, "INVALID_PARAMETER_VALUE"),
    ("POST", "/registered-models/create", {"name": LONG}, 400, "INVALID_PARAMETER_VALUE"),
    ("POST", "/registered-models/create", {"name": 7}, 400, "INVALID_PARAMETER_VALUE"),
    (
        "POST",
        "/registered-models/create",
        {"name": "m2", "tags": [{"key": "", "value": "v"}]},
        400,
        "INVALID_PARAMETER_VALUE",
    ),
    (
        "POST",
        "/registered-models/create",
        {"name": "m2", "tags": "nope"},
        400,
        "INVALID_PARAMETER_VALUE",
    ),
    ("POST", "/registered-models/create", {"name": "m"}, 400, "RESOURCE_ALREADY_EXISTS"),
    ("GET", "/registered-models/get", {}, 400, "INVALID_PARAMETER_VALUE"),
    ("GET", "/registered-models/get", {"name": "ghost"}, 404, "RESOURCE_DOES_NOT_EXIST"),
    ("POST", "/registered-models/rename", {"name": "m"}, 400, "INVALID_PARAMETER_VALUE"),
    (
        "POST",
        "/registered-models/rename",
        {"name": "ghost", "new_name": "x"},
        404,
        "RESOURCE_DOES_NOT_EXIST",
    ),
    ("GET", "/registered-models/search", {"max_results": 0}, 400, "INVALID_PARAMETER_VALUE"),
    ("GET", "/registered-models/search", {"max_results": 1001}, 400, "INVALID_PARAMETER_VALUE"),
    ("GET", "/registered-models/search", {"filter": "tags."}, 400, "INVALID_PARAMETER_VALUE"),
    (
        "GET",
        "/registered-models/search",
        {"filter": "metrics.auc > 1"},
        400,
        "INVALID_PARAMETER_VALUE",
    ),
    ("GET", "/registered-models/search", {"order_by": "bogus"}, 400, "INVALID_PARAMETER_VALUE"),
    ("GET", "/registered-models/search", {"page_token": "x.y"}, 400, "INVALID_PARAMETER_VALUE"),
    (
        "GET",
        "/registered-models/get-latest-versions",
        {"name": "m", "stages": "Live"},
        400,
        "INVALID_PARAMETER_VALUE",
    ),
    (
        "POST",
        "/registered-models/alias",
        {"name": "m", "alias": "a", "version": "9"},
        404,
        "RESOURCE_DOES_NOT_EXIST",
    ),
    (
        "POST",
        "/registered-models/alias",
        {"name": "m", "alias": "bad alias", "version": "1"},
        400,
        "INVALID_PARAMETER_VALUE",
    ),
    (
        "GET",
        "/registered-models/alias",
        {"name": "m", "alias": "x"},
        400,
        "INVALID_PARAMETER_VALUE",
    ),
    ("POST", "/model-versions/create", {"name": "m"}, 400, "INVALID_PARAMETER_VALUE"),
    (
        "POST",
        "/model-versions/create",
        {"name": "ghost", "source": "s3://x"},
        404,
        "RESOURCE_DOES_NOT_EXIST",
    ),
    ("GET", "/model-versions/get", {"name": "m", "version": "0"}, 400, "INVALID_PARAMETER_VALUE"),
    ("GET", "/model-versions/get", {"name": "m", "version": "-1"}, 400, "INVALID_PARAMETER_VALUE"),
    ("GET", "/model-versions/get", {"name": "m", "version": "1.5"}, 400, "INVALID_PARAMETER_VALUE"),
    ("GET", "/model-versions/get", {"name": "m", "version": "2"}, 404, "RESOURCE_DOES_NOT_EXIST"),
    (
        "POST",
        "/model-versions/transition-stage",
        {"name": "m", "version": "1", "stage": "Live"},
        400,
        "INVALID_PARAMETER_VALUE",
    ),
    (
        "POST",
        "/model-versions/transition-stage",
        {"name": "m", "version": "1", "stage": "Production", "archive_existing_versions": "x"},
        400,
        "INVALID_PARAMETER_VALUE",
    ),
    ("GET", "/model-versions/search", {"max_results": 200_001}, 400, "INVALID_PARAMETER_VALUE"),
    ("GET", "/model-versions/search", {"filter": "name = 'a"}, 400, "INVALID_PARAMETER_VALUE"),
    ("GET", "/model-versions/search", {"filter": "run_id > 3"}, 400, "INVALID_PARAMETER_VALUE"),
    (
        "DELETE",
        "/model-versions/delete-tag",
        {"name": "m", "version": "7", "key": "k"},
        404,
        "RESOURCE_DOES_NOT_EXIST",
    ),
    ("GET", "/no-such-endpoint", {}, 404, "ENDPOINT_NOT_FOUND"),
]


def _send(client: TestClient, method: str, path: str, data: dict[str, Any]) -> Any:
    if method == "GET":
        return client.get(API + path, params=data)
    return client.request(method, API + path, json=data)


@pytest.mark.parametrize(("method", "path", "data", "status", "code"), BAD)
def test_bad_input_is_a_clear_mlflow_error(
    client: TestClient, method: str, path: str, data: dict[str, Any], status: int, code: str
) -> None:
    assert client.post(f"{API}/registered-models/create", json={"name": "m"}).status_code == 200
    ok = client.post(f"{API}/model-versions/create", json={"name": "m", "source": "s3://x"})
    assert ok.status_code == 200, ok.text
    r = _send(client, method, path, data)
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"error_code", "message"}
    assert body["error_code"] == code, body
    assert body["message"]
    # nothing half-written: still one model with one version
    models = client.get(f"{API}/registered-models/search").json()["registered_models"]
    assert [m["name"] for m in models] == ["m"]
    found = client.get(f"{API}/model-versions/search").json()["model_versions"]
    assert [v["version"] for v in found] == ["1"]


def test_malformed_bodies(client: TestClient) -> None:
    for raw in (b"{", b"[]", b"null", b'{"name": "a\\u0000b"}', b'{"name": "\\ud800"}'):
        r = client.post(
            f"{API}/registered-models/create",
            content=raw,
            headers={"content-type": "application/json"},
        )
        assert r.status_code == 400, (raw, r.text)
        assert r.json()["error_code"] == "INVALID_PARAMETER_VALUE"
    assert client.get(f"{API}/registered-models/search").json() == {"registered_models": []}
