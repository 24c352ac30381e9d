"""The real MLflow client against a real ``modelreg serve``, on SQLite and PostgreSQL: the
registry workflow, MLflow's error codes, the same data through the native API."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import mlflow
import pytest
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

from modelreg.compat.mlflow import wire
from tests.mlflow_server import MlflowServer

pytestmark = [
    pytest.mark.slow,
    # Stages are deprecated in MLflow (FutureWarning), yet they are what users still call.
    pytest.mark.filterwarnings("ignore::FutureWarning"),
]


@pytest.fixture
def server(mlflow_modelreg: MlflowServer) -> MlflowServer:
    return mlflow_modelreg


@pytest.fixture
def client(server: MlflowServer) -> MlflowClient:
    return MlflowClient(tracking_uri=server.base_url, registry_uri=server.base_url)


@pytest.fixture
def http(server: MlflowServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base_url, timeout=30) as c:
        yield c


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def error_code(call: Any, *args: Any, **kwargs: Any) -> str:
    with pytest.raises(MlflowException) as info:
        call(*args, **kwargs)
    return str(info.value.error_code)


def test_registry_workflow(client: MlflowClient) -> None:
    name = unique("fraud")
    m = client.create_registered_model(name, tags={"team": "risk"}, description="scorer")
    assert (m.name, m.tags, m.description) == (name, {"team": "risk"}, "scorer")
    assert error_code(client.create_registered_model, name) == "RESOURCE_ALREADY_EXISTS"

    v1 = client.create_model_version(name, "s3://b/1", run_id="run-1", tags={"k": "a"})
    v2 = client.create_model_version(name, "s3://b/2", description="second")
    v3 = client.create_model_version(name, "s3://b/3")
    assert [v.version for v in (v1, v2, v3)] == ["1", "2", "3"]
    assert (v1.status, v1.current_stage, v1.run_id, v1.tags) == (
        "READY",
        "None",
        "run-1",
        {"k": "a"},
    )
    assert v2.creation_timestamp >= v1.creation_timestamp > 1_600_000_000_000  # milliseconds

    got = client.get_model_version(name, "2")
    assert (got.source, got.description) == ("s3://b/2", "second")
    assert client.update_model_version(name, "2", "retrained").description == "retrained"

    # tags on the model and on versions; deleting an absent key is no error (as in MLflow)
    client.set_registered_model_tag(name, "tier", "1")
    client.delete_registered_model_tag(name, "team")
    client.delete_registered_model_tag(name, "never-set")
    assert client.get_registered_model(name).tags == {"tier": "1"}
    client.set_model_version_tag(name, "3", "candidate", "yes")
    client.delete_model_version_tag(name, "1", "k")
    client.delete_model_version_tag(name, "1", "never-set")
    assert client.get_model_version(name, "3").tags == {"candidate": "yes"}
    assert client.get_model_version(name, "1").tags == {}

    # aliases
    client.set_registered_model_alias(name, "champion", "2")
    by_alias = client.get_model_version_by_alias(name, "champion")
    assert (by_alias.version, by_alias.aliases) == ("2", ["champion"])
    assert client.get_registered_model(name).aliases == {"champion": "2"}
    client.set_registered_model_alias(name, "champion", "3")  # moves it
    assert client.get_model_version_by_alias(name, "champion").version == "3"
    assert client.get_model_version(name, "2").aliases == []
    code = error_code(client.get_model_version_by_alias, name, "nope")
    assert code == "INVALID_PARAMETER_VALUE"
    for reserved in ("latest", "v1"):
        code = error_code(client.set_registered_model_alias, name, reserved, "1")
        assert code == "INVALID_PARAMETER_VALUE"
    assert client.get_model_version_by_alias(name, "latest").version == "3"
    client.delete_registered_model_alias(name, "champion")
    client.delete_registered_model_alias(name, "champion")  # absent: no error
    assert client.get_registered_model(name).aliases == {}

    # stages, and the latest version of each
    client.transition_model_version_stage(name, "1", "Production")
    moved = client.transition_model_version_stage(
        name, "2", "production", archive_existing_versions=True
    )
    assert moved.current_stage == "Production"
    assert client.get_model_version(name, "1").current_stage == "Archived"
    latest = {v.current_stage: v.version for v in client.get_latest_versions(name)}
    assert latest == {"Archived": "1", "Production": "2", "None": "3"}
    assert [v.version for v in client.get_latest_versions(name, stages=["Production"])] == ["2"]
    registered = client.get_registered_model(name)
    assert sorted(v.version for v in registered.latest_versions) == ["1", "2", "3"]
    code = error_code(
        client.transition_model_version_stage, name, "3", "Archived", archive_existing_versions=True
    )
    assert code == "INVALID_PARAMETER_VALUE"
    assert error_code(client.transition_model_version_stage, name, "3", "Live") == (
        "INVALID_PARAMETER_VALUE"
    )

    # rename: versions follow, the old name is gone
    renamed = unique("fraud-renamed")
    client.rename_registered_model(name, renamed)
    assert client.get_registered_model(renamed).name == renamed
    assert client.get_model_version(renamed, "2").name == renamed
    assert error_code(client.get_registered_model, name) == "RESOURCE_DOES_NOT_EXIST"
    assert client.get_model_version_download_uri(renamed, "3") == "s3://b/3"

    # delete a version, then the model
    client.delete_model_version(renamed, "1")
    assert error_code(client.get_model_version, renamed, "1") == "RESOURCE_DOES_NOT_EXIST"
    assert client.create_model_version(renamed, "s3://b/4").version == "4"  # never reused
    client.delete_registered_model(renamed)
    assert error_code(client.get_registered_model, renamed) == "RESOURCE_DOES_NOT_EXIST"
    assert error_code(client.create_model_version, renamed, "s3://x") == "RESOURCE_DOES_NOT_EXIST"


def test_search_with_filters_order_and_pages(client: MlflowClient) -> None:
    prefix = unique("search")
    names = [f"{prefix}-{c}" for c in "abc"]
    for i, name in enumerate(names):
        client.create_registered_model(name, tags={"team": "risk" if i < 2 else "ops"})
        for n in range(3):
            client.create_model_version(
                name, f"s3://b/{name}/{n}", run_id=f"run-{n}", tags={"env": "prod" if n else "dev"}
            )

    found = client.search_model_versions(f"name = '{names[0]}'")
    assert [v.version for v in found] == ["3", "2", "1"]  # MLflow's order: version DESC
    found = client.search_model_versions(f"name LIKE '{prefix}-%' AND tags.env = 'dev'")
    assert sorted((v.name, v.version) for v in found) == [(n, "1") for n in names]
    found = client.search_model_versions(f"name = '{names[1]}' AND run_id IN ('run-0', 'run-2')")
    assert sorted(v.version for v in found) == ["1", "3"]
    ordered = client.search_model_versions(
        f"name LIKE '{prefix}-%'", order_by=["version_number ASC"]
    )
    assert [v.version for v in ordered][:3] == ["1", "1", "1"]

    # pages of 2 through next_page_token: every version once
    seen: list[tuple[str, str]] = []
    token = None
    while True:
        page = client.search_model_versions(
            f"name LIKE '{prefix}-%'", max_results=2, page_token=token
        )
        assert len(page) <= 2
        seen += [(v.name, v.version) for v in page]
        token = page.token
        if not token:
            break
    assert sorted(seen) == sorted((n, str(k)) for n in names for k in (1, 2, 3))
    assert len(seen) == len(set(seen))

    models = client.search_registered_models(f"name LIKE '{prefix}-%'", order_by=["name DESC"])
    assert [m.name for m in models] == names[::-1]
    models = client.search_registered_models(f"name LIKE '{prefix}-%' AND tags.team = 'risk'")
    assert [m.name for m in models] == names[:2]
    first = client.search_registered_models(f"name LIKE '{prefix}-%'", max_results=2)
    assert [m.name for m in first] == names[:2]
    assert first.token
    rest = client.search_registered_models(
        f"name LIKE '{prefix}-%'", max_results=2, page_token=first.token
    )
    assert [m.name for m in rest] == names[2:]
    assert not rest.token

    assert error_code(client.search_model_versions, "name = ") == "INVALID_PARAMETER_VALUE"
    assert error_code(client.search_model_versions, "nosuch = 'x'") == "INVALID_PARAMETER_VALUE"
    code = error_code(client.search_registered_models, max_results=1001)
    assert code == "INVALID_PARAMETER_VALUE"
    code = error_code(client.search_model_versions, "name = 'x'", max_results=200_001)
    assert code == "INVALID_PARAMETER_VALUE"
    code = error_code(client.search_model_versions, "name = 'x'", page_token="forged")
    assert code == "INVALID_PARAMETER_VALUE"


def test_sixteen_concurrent_creators_get_distinct_numbers(client: MlflowClient) -> None:
    name = unique("busy")
    client.create_registered_model(name)

    def create(_: int) -> list[str]:
        return [
            client.create_model_version(name, "s3://b/x", await_creation_for=0).version
            for _ in range(4)
        ]

    with ThreadPoolExecutor(16) as pool:
        numbers = [n for chunk in pool.map(create, range(16)) for n in chunk]
    assert sorted(numbers, key=int) == [str(n) for n in range(1, 65)]


def test_register_model_carries_on_when_the_model_exists(server: MlflowServer) -> None:
    name = unique("registered")
    first = mlflow.register_model("s3://bucket/model", name)
    again = mlflow.register_model("s3://bucket/model", name)
    assert (first.version, again.version) == ("1", "2")


def test_native_api_sees_the_same_data(client: MlflowClient, http: httpx.Client) -> None:
    name = unique("both")
    client.create_registered_model(name, tags={"team": "risk"})
    client.create_model_version(name, "s3://b/x", run_id="r", tags={"env": "prod"})
    client.set_registered_model_alias(name, "champion", "1")
    client.transition_model_version_stage(name, "1", "Staging")
    native = http.get(f"/api/v1/models/{name}/versions/champion").json()
    assert native["number"] == 1
    assert (native["source"], native["run_id"], native["tags"]) == (
        "s3://b/x",
        "r",
        {"env": "prod"},
    )
    assert (native["stage"], native["aliases"]) == ("Staging", ["champion"])

    # and the other way round
    r = http.post(f"/api/v1/models/{name}/versions", json={"source": "s3://b/y"})
    assert r.status_code == 201, r.text
    assert client.get_model_version(name, "2").source == "s3://b/y"


def test_mlflow_workspaces_are_modelreg_workspaces(
    client: MlflowClient, http: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    team = unique("team")
    assert http.post("/api/v1/workspaces", json={"name": team}).status_code == 201
    name = unique("scoped")
    monkeypatch.setenv("MLFLOW_WORKSPACE", team)
    client.create_registered_model(name)
    client.create_model_version(name, "s3://b/x")
    assert [m.name for m in client.search_registered_models(f"name = '{name}'")] == [name]
    assert http.get(f"/api/v1/workspaces/{team}/models/{name}/versions/1").status_code == 200
    assert http.get(f"/api/v1/models/{name}").status_code == 404  # not in default
    monkeypatch.setenv("MLFLOW_WORKSPACE", "default")
    assert error_code(client.get_registered_model, name) == "RESOURCE_DOES_NOT_EXIST"
    monkeypatch.setenv("MLFLOW_WORKSPACE", unique("nowhere"))
    assert error_code(client.get_registered_model, name) == "RESOURCE_DOES_NOT_EXIST"


def test_wire_shapes_and_error_body(http: httpx.Client, client: MlflowClient) -> None:
    name = unique("shapes")
    client.create_registered_model(name, tags={"t": "1"}, description="d")
    client.create_model_version(name, "s3://b/x", tags={"k": "v"})
    client.set_registered_model_alias(name, "a1", "1")
    for prefix in ("/api/2.0/mlflow", "/ajax-api/2.0/mlflow"):
        r = http.get(f"{prefix}/model-versions/get", params={"name": name, "version": "1"})
        assert r.status_code == 200, r.text
        mv = wire.ModelVersionOut.model_validate(r.json()["model_version"])
        assert (mv.version, mv.aliases, mv.tags[0].key) == ("1", ["a1"], "k")
        r = http.get(f"{prefix}/registered-models/get", params={"name": name})
        rm = wire.RegisteredModelOut.model_validate(r.json()["registered_model"])
        assert rm.aliases == [wire.AliasOut(alias="a1", version="1")]
    r = http.get("/api/2.0/mlflow/model-versions/search", params={"filter": f"name = '{name}'"})
    wire.ModelVersionsPage.model_validate(r.json())

    def err(r: httpx.Response, status: int, code: str) -> None:
        assert r.status_code == status, r.text
        body = r.json()
        assert set(body) == {"error_code", "message"}, body
        assert body["error_code"] == code, body
        assert body["message"]

    err(
        http.get("/api/2.0/mlflow/registered-models/get", params={"name": "nope-" + name}),
        404,
        "RESOURCE_DOES_NOT_EXIST",
    )
    err(
        http.post("/api/2.0/mlflow/registered-models/create", json={"name": name}),
        400,
        "RESOURCE_ALREADY_EXISTS",
    )
    err(
        http.post("/api/2.0/mlflow/registered-models/create", content=b"{"),
        400,
        "INVALID_PARAMETER_VALUE",
    )
    err(
        http.post("/api/2.0/mlflow/registered-models/create", json={}),
        400,
        "INVALID_PARAMETER_VALUE",
    )
    err(
        http.post("/api/2.0/mlflow/registered-models/create", json={"name": "a\x00b"}),
        400,
        "INVALID_PARAMETER_VALUE",
    )
    err(
        http.get("/api/2.0/mlflow/model-versions/get", params={"name": name, "version": "x"}),
        400,
        "INVALID_PARAMETER_VALUE",
    )
    err(
        http.get(
            "/api/2.0/mlflow/model-versions/get", params={"name": name, "version": "99999999999999"}
        ),
        400,
        "INVALID_PARAMETER_VALUE",
    )
    err(http.get("/api/2.0/mlflow/experiments/search"), 404, "ENDPOINT_NOT_FOUND")
    err(
        http.get("/api/2.0/mlflow/registered-models/search", params={"max_results": "x"}),
        400,
        "INVALID_PARAMETER_VALUE",
    )


def test_openapi_describes_the_mlflow_surface(http: httpx.Client) -> None:
    paths = http.get("/openapi.json").json()["paths"]
    for path in (
        "/api/2.0/mlflow/registered-models/create",
        "/api/2.0/mlflow/registered-models/alias",
        "/api/2.0/mlflow/model-versions/search",
        "/api/2.0/mlflow/model-versions/get-download-uri",
        "/api/2.0/mlflow-artifacts/artifacts/{path}",
        "/api/2.0/mlflow-artifacts/artifacts",
    ):
        assert path in paths, path
    search = paths["/api/2.0/mlflow/model-versions/search"]["get"]
    assert {p["name"] for p in search["parameters"]} >= {"filter", "max_results", "page_token"}
    assert not any(p.startswith("/ajax-api") for p in paths)  # documented once

    own = http.get("/api/2.0/mlflow/openapi.json").json()
    assert own["info"]["title"].startswith("modelreg: MLflow")
    assert "/api/2.0/mlflow/model-versions/search" in own["paths"]
    mlflow_paths = ("/api/2.0/mlflow/", "/api/2.0/mlflow-artifacts/")
    assert all(p.startswith(mlflow_paths) for p in own["paths"])
