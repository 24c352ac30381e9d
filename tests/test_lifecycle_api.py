"""The lifecycle over HTTP: stages and transitions, aliases (compare-and-swap, protection,
history, point-in-time resolution, ``latest``), tags with color and exclusivity, promotion
across models and workspaces, lineage and FQN addressing."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from fastapi.testclient import TestClient

from modelreg.api.app import create_app
from modelreg.config import Settings
from modelreg.domain.entities import Principal
from modelreg.errors import PermissionDenied
from modelreg.services import Services
from modelreg.services.base import Action
from modelreg.store.db import Database
from tests.conftest import assert_error

API = "/api/v1"
MODELS = f"{API}/models"
WS = f"{API}/workspaces"
BY_ID = f"{API}/model-versions"

STAGE_NAMES = {"None", "Staging", "Production", "Archived"}
LINEAGE_KEYS = {
    "logged_model_id",
    "experiment_id",
    "datasets",
    "model_artifacts",
    "data_artifacts",
    "deployment_artifacts",
    "pipeline_runs",
    "promoted_from",
    "deployment_job_state",
}
EMPTY_LINEAGE: dict[str, Any] = {
    "logged_model_id": None,
    "experiment_id": None,
    "datasets": [],
    "model_artifacts": [],
    "data_artifacts": [],
    "deployment_artifacts": [],
    "pipeline_runs": [],
    "promoted_from": None,
    "deployment_job_state": None,
}
FULL_LINEAGE: dict[str, Any] = {
    "logged_model_id": "m-3f2a9c",
    "experiment_id": "exp-17",
    "datasets": ["dataset:risk/transactions:4", "s3://data/fraud/2026-01.parquet"],
    "model_artifacts": ["artifact:risk/weights:2"],
    "data_artifacts": ["artifact:risk/features:7", "artifact:risk/labels:7"],
    "deployment_artifacts": ["artifact:risk/serving-image:1"],
    "pipeline_runs": ["pipeline:risk/train:run-88"],
    "promoted_from": None,
    "deployment_job_state": {"state": "SUCCEEDED", "job_id": "job-1", "attempts": [1, 2]},
}
SIGNATURE = {
    "inputs": [
        {
            "name": "features",
            "required": True,
            "type": "dataframe",
            "columns": [{"name": "amount", "required": True, "dataType": {"type": "double"}}],
        }
    ],
    "outputs": [{"name": "score", "required": True, "type": "tensor"}],
}
FULL_VERSION: dict[str, Any] = {
    "name": "gbm tuned",
    "description": "Gradient boosting, tuned",
    "source": "s3://models/fraud/42/artifacts",
    "run_id": "run-42",
    "run_link": "https://mlflow.example/#/experiments/1/runs/42",
    "tags": {"framework": "xgboost", "owner": "risk"},
    "metrics": [
        {"key": "auc", "value": 0.91, "step": 0, "timestamp": "2026-01-25T10:00:00+00:00"},
        {"key": "auc", "value": 0.93, "step": 1, "timestamp": "2026-01-25T10:05:00+00:00"},
    ],
    "params": {"max_depth": "6", "eta": "0.1"},
    "signature": SIGNATURE,
    "requirements": ["xgboost==2.0.3", "scikit-learn>=1.4,<2"],
    "config": {"threshold": 0.5, "llm": {"base_model_type": "llama"}},
    "lineage": FULL_LINEAGE,
}
COPIED = ["name", "description", "source", "run_id", "run_link", "tags", "params"]
COPIED += ["signature", "requirements", "config"]


# --- helpers ----------------------------------------------------------------------------------


def _ts(value: str) -> datetime:
    out = datetime.fromisoformat(value.replace("Z", "+00:00"))
    assert out.tzinfo is not None, value
    return out


def _ok(r: Any, status: int = 200) -> Any:
    assert r.status_code == status, r.text
    return r.json()


def _base(workspace: str | None, model: str) -> str:
    """The model's URL, with or without the workspace segment."""
    return f"{MODELS}/{model}" if workspace is None else f"{WS}/{workspace}/models/{model}"


def _model(
    client: TestClient, name: str = "fraud", workspace: str | None = None, versions: int = 0
) -> str:
    """Create a model (and its workspace when named) with ``versions`` READY versions."""
    if workspace is not None and client.get(f"{WS}/{workspace}").status_code == 404:
        _ok(client.post(WS, json={"name": workspace}), 201)
    collection = MODELS if workspace is None else f"{WS}/{workspace}/models"
    _ok(client.post(collection, json={"name": name}), 201)
    base = _base(workspace, name)
    for _ in range(versions):
        _ok(client.post(f"{base}/versions", json={}), 201)
    return base


def _version(client: TestClient, base: str, ref: str | int) -> dict[str, Any]:
    out: dict[str, Any] = _ok(client.get(f"{base}/versions/{ref}"))
    return out


def _create(client: TestClient, base: str, **body: Any) -> dict[str, Any]:
    out: dict[str, Any] = _ok(client.post(f"{base}/versions", json=body), 201)
    return out


def _stage(
    client: TestClient,
    base: str,
    ref: str | int,
    stage: str,
    archive_existing: bool = False,
    comment: str | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {"stage": stage, "archive_existing": archive_existing}
    if comment is not None:
        body["comment"] = comment
    out: dict[str, Any] = _ok(client.post(f"{base}/versions/{ref}/stage", json=body))
    return out


def _transitions(client: TestClient, base: str, ref: str | int) -> list[dict[str, Any]]:
    body = _ok(client.get(f"{base}/versions/{ref}/transitions"))
    assert set(body) == {"items"}
    for t in body["items"]:
        assert set(t) == {"from_stage", "to_stage", "actor", "at", "comment"}, t
    items: list[dict[str, Any]] = body["items"]
    return items


def _stages(client: TestClient, base: str) -> dict[int, str]:
    page = _ok(client.get(f"{base}/versions", params={"size": 100}))
    return {v["number"]: v["stage"] for v in page["items"]}


def _put_alias(client: TestClient, base: str, alias: str, version: int, **extra: Any) -> Any:
    return client.put(f"{base}/aliases/{alias}", json={"version": version, **extra})


def _history(client: TestClient, base: str, alias: str) -> list[dict[str, Any]]:
    body = _ok(client.get(f"{base}/aliases/{alias}/history"))
    for m in body["items"]:
        assert set(m) == {"alias", "from_version", "to_version", "actor", "at"}, m
        assert m["alias"] == alias
    items: list[dict[str, Any]] = body["items"]
    return items


def _moves(history: list[dict[str, Any]]) -> list[tuple[int | None, int | None]]:
    return [(m["from_version"], m["to_version"]) for m in history]


def _version_tags(client: TestClient, base: str, ref: str | int) -> dict[str, dict[str, Any]]:
    items = _ok(client.get(f"{base}/versions/{ref}/tags"))["items"]
    return {t["key"]: t for t in items}


def _holders(client: TestClient, base: str, key: str) -> list[int]:
    """The numbers of the versions that carry tag ``key``."""
    page = _ok(client.get(f"{base}/versions", params={"size": 100}))
    return sorted(v["number"] for v in page["items"] if key in v["tags"])


def _tick() -> None:
    """Make sure the next write gets a strictly later timestamp."""
    time.sleep(0.002)


# --- stages -----------------------------------------------------------------------------------


def test_new_version_has_stage_none_and_no_transitions(client: TestClient) -> None:
    base = _model(client, versions=1)
    v = _version(client, base, 1)
    assert v["stage"] == "None"
    assert v["last_transition_at"] is None
    assert _transitions(client, base, 1) == []


def test_stage_names_in_any_case_and_transition_records(client: TestClient) -> None:
    base = _model(client, versions=1)
    moves = [
        ("production", "Production"),
        ("STAGING", "Staging"),
        ("None", "None"),
        ("nOnE", "None"),
        ("Archived", "Archived"),
        ("pRoDuCtIoN", "Production"),
    ]
    before = datetime.now(UTC) - timedelta(seconds=5)
    for i, (sent, shown) in enumerate(moves):
        v = _stage(client, base, 1, sent, comment=f"move {i}")
        assert v["stage"] == shown
        assert v["number"] == 1
        assert v["last_transition_at"] is not None
    items = _transitions(client, base, 1)
    assert [(t["from_stage"], t["to_stage"]) for t in items] == [
        ("None", "Production"),
        ("Production", "Staging"),
        ("Staging", "None"),
        ("None", "None"),
        ("None", "Archived"),
        ("Archived", "Production"),
    ]
    assert [t["comment"] for t in items] == [f"move {i}" for i in range(len(moves))]
    assert {t["actor"] for t in items} == {"anonymous"}
    times = [_ts(t["at"]) for t in items]
    assert times == sorted(times)  # oldest first
    assert times[0] >= before
    v = _version(client, base, 1)
    assert v["stage"] == "Production"
    assert _ts(v["last_transition_at"]) == times[-1]
    assert _ts(v["updated_at"]) >= times[-1]


def test_comment_is_optional(client: TestClient) -> None:
    base = _model(client, versions=1)
    _ok(client.post(f"{base}/versions/1/stage", json={"stage": "Staging"}))
    [t] = _transitions(client, base, 1)
    assert t["comment"] is None
    assert (t["from_stage"], t["to_stage"]) == ("None", "Staging")


def test_unknown_stage_is_invalid_argument(client: TestClient) -> None:
    base = _model(client, versions=1)
    for stage in ("Prod", "staged", "None ", "archive", "nul", "0", "Production!", "null"):
        r = client.post(f"{base}/versions/1/stage", json={"stage": stage})
        err = assert_error(r, 400, "INVALID_ARGUMENT")
        assert err["details"]["field"] == "stage", stage
    assert _version(client, base, 1)["stage"] == "None"
    assert _transitions(client, base, 1) == []


def test_malformed_stage_bodies_are_invalid_argument(client: TestClient) -> None:
    base = _model(client, versions=1)
    for body in ({}, {"stage": ""}, {"stage": None}, {"stage": 1}, {"stage": "Staging", "x": 1}):
        r = client.post(f"{base}/versions/1/stage", json=body)
        assert_error(r, 400, "INVALID_ARGUMENT")
    r = client.post(f"{base}/versions/1/stage", json={"stage": "Staging", "archive_existing": "y"})
    assert_error(r, 400, "INVALID_ARGUMENT")
    assert _transitions(client, base, 1) == []


def test_stage_of_missing_version_or_model_is_not_found(client: TestClient) -> None:
    base = _model(client, versions=1)
    assert_error(
        client.post(f"{base}/versions/2/stage", json={"stage": "Staging"}), 404, "NOT_FOUND"
    )
    assert_error(
        client.post(f"{base}/versions/champion/stage", json={"stage": "Staging"}), 404, "NOT_FOUND"
    )
    assert_error(
        client.post(f"{MODELS}/nope/versions/1/stage", json={"stage": "Staging"}), 404, "NOT_FOUND"
    )
    assert_error(client.get(f"{base}/versions/2/transitions"), 404, "NOT_FOUND")
    assert_error(client.get(f"{MODELS}/nope/versions/1/transitions"), 404, "NOT_FOUND")
    assert_error(
        client.post(f"{base}/versions/0/stage", json={"stage": "Staging"}), 400, "INVALID_ARGUMENT"
    )


def test_without_archive_existing_several_versions_share_a_stage(client: TestClient) -> None:
    base = _model(client, versions=3)
    _stage(client, base, 1, "Production")
    _stage(client, base, 2, "Production", archive_existing=False)
    assert _stages(client, base) == {1: "Production", 2: "Production", 3: "None"}
    assert len(_transitions(client, base, 1)) == 1


def test_archive_existing_archives_the_stage_s_other_versions(client: TestClient) -> None:
    base = _model(client, versions=5)
    _stage(client, base, 1, "Production")
    _stage(client, base, 2, "Production")
    _stage(client, base, 3, "Staging")
    _stage(client, base, 4, "Archived")
    _tick()
    v = _stage(client, base, 5, "Production", archive_existing=True, comment="release 5")
    assert v["stage"] == "Production"
    assert _stages(client, base) == {
        1: "Archived",
        2: "Archived",
        3: "Staging",
        4: "Archived",
        5: "Production",
    }
    [moved] = _transitions(client, base, 5)
    assert (moved["from_stage"], moved["to_stage"], moved["comment"]) == (
        "None",
        "Production",
        "release 5",
    )
    for number in (1, 2):
        items = _transitions(client, base, number)
        assert [(t["from_stage"], t["to_stage"]) for t in items] == [
            ("None", "Production"),
            ("Production", "Archived"),
        ]
        archived = items[-1]
        assert archived["actor"] == "anonymous"
        # The same transaction: the archive records share the promotion's time.
        assert _ts(archived["at"]) == _ts(moved["at"])
        assert _version(client, base, number)["last_transition_at"] == v["last_transition_at"]
    # Versions in other stages are untouched.
    assert len(_transitions(client, base, 3)) == 1
    assert len(_transitions(client, base, 4)) == 1


def test_archive_existing_into_staging_leaves_production_alone(client: TestClient) -> None:
    base = _model(client, versions=3)
    _stage(client, base, 1, "Production")
    _stage(client, base, 2, "Staging")
    _stage(client, base, 3, "staging", archive_existing=True)
    assert _stages(client, base) == {1: "Production", 2: "Archived", 3: "Staging"}


def test_archive_existing_when_the_version_already_is_in_the_stage(client: TestClient) -> None:
    base = _model(client, versions=2)
    _stage(client, base, 1, "Production")
    _stage(client, base, 2, "Production")
    _stage(client, base, 2, "Production", archive_existing=True)
    assert _stages(client, base) == {1: "Archived", 2: "Production"}
    assert [(t["from_stage"], t["to_stage"]) for t in _transitions(client, base, 2)] == [
        ("None", "Production"),
        ("Production", "Production"),
    ]


def test_archive_existing_into_none_or_archived_archives_nothing_else(client: TestClient) -> None:
    base = _model(client, versions=4)
    _stage(client, base, 1, "Archived")
    _stage(client, base, 2, "Production")
    _stage(client, base, 2, "None", archive_existing=True)
    _stage(client, base, 3, "Archived", archive_existing=True)
    assert _stages(client, base) == {1: "Archived", 2: "None", 3: "Archived", 4: "None"}
    assert len(_transitions(client, base, 1)) == 1
    assert _transitions(client, base, 4) == []


def test_archive_existing_is_per_model(client: TestClient) -> None:
    a = _model(client, "a", versions=1)
    b = _model(client, "b", versions=1)
    _stage(client, a, 1, "Production")
    _stage(client, b, 1, "Production", archive_existing=True)
    assert _stages(client, a) == {1: "Production"}
    assert _stages(client, b) == {1: "Production"}


def test_stage_by_alias_and_latest(client: TestClient) -> None:
    base = _model(client, versions=3)
    _ok(_put_alias(client, base, "champion", 2))
    v = _stage(client, base, "champion", "Staging")
    assert (v["number"], v["stage"]) == (2, "Staging")
    v = _stage(client, base, "latest", "Production")
    assert (v["number"], v["stage"]) == (3, "Production")
    v = _stage(client, base, "LATEST", "Archived")
    assert v["number"] == 3
    assert [t["to_stage"] for t in _transitions(client, base, "champion")] == ["Staging"]
    assert [t["to_stage"] for t in _transitions(client, base, "latest")] == [
        "Production",
        "Archived",
    ]
    assert _stages(client, base) == {1: "None", 2: "Staging", 3: "Archived"}


def test_stages_under_a_named_workspace(client: TestClient) -> None:
    base = _model(client, "clf", workspace="team-a", versions=2)
    _model(client, "clf", versions=2)  # same name in the default workspace
    _stage(client, base, 1, "Production")
    v = _stage(client, base, 2, "PRODUCTION", archive_existing=True)
    assert (v["workspace"], v["stage"]) == ("team-a", "Production")
    assert _stages(client, base) == {1: "Archived", 2: "Production"}
    assert len(_transitions(client, base, 1)) == 2
    # The default workspace's model of the same name is another model.
    assert _stages(client, _base(None, "clf")) == {1: "None", 2: "None"}
    assert _stages(client, _base("default", "clf")) == {1: "None", 2: "None"}
    assert_error(
        client.post(f"{WS}/nope/models/clf/versions/1/stage", json={"stage": "Staging"}),
        404,
        "NOT_FOUND",
    )


def test_stage_appears_in_every_read_path(client: TestClient) -> None:
    base = _model(client, versions=1)
    v = _stage(client, base, 1, "Staging")
    by_id = _ok(client.get(f"{BY_ID}/{v['id']}"))
    listed = _ok(client.get(f"{base}/versions"))["items"][0]
    for body in (by_id, listed, _version(client, base, 1)):
        assert body["stage"] == "Staging"
        assert body["last_transition_at"] == v["last_transition_at"]


# --- aliases ----------------------------------------------------------------------------------


def test_alias_set_get_move_delete(client: TestClient) -> None:
    base = _model(client, versions=3)
    r = _put_alias(client, base, "champion", 1)
    assert _ok(r) == {"alias": "champion", "version": 1, "protected": False}

    got = _ok(client.get(f"{base}/aliases/champion"))
    assert (got["number"], got["aliases"]) == (1, ["champion"])
    assert _version(client, base, "champion")["number"] == 1
    assert _version(client, base, 1)["aliases"] == ["champion"]
    assert _version(client, base, 2)["aliases"] == []
    assert _ok(client.get(base))["aliases"] == [{"alias": "champion", "version": 1}]
    assert _ok(client.get(f"{base}/aliases")) == {
        "items": [{"alias": "champion", "version": 1, "protected": False}]
    }

    # Move it.
    assert _ok(_put_alias(client, base, "champion", 3))["version"] == 3
    assert _version(client, base, "champion")["number"] == 3
    assert _version(client, base, 1)["aliases"] == []
    assert _version(client, base, 3)["aliases"] == ["champion"]
    assert _ok(client.get(base))["aliases"] == [{"alias": "champion", "version": 3}]

    # A second alias on the same version.
    _ok(_put_alias(client, base, "challenger", 3))
    assert _version(client, base, 3)["aliases"] == ["challenger", "champion"]
    assert _ok(client.get(base))["aliases"] == [
        {"alias": "challenger", "version": 3},
        {"alias": "champion", "version": 3},
    ]

    r = client.delete(f"{base}/aliases/champion")
    assert r.status_code == 204, r.text
    assert r.content == b""
    assert_error(client.get(f"{base}/aliases/champion"), 404, "NOT_FOUND")
    assert_error(client.get(f"{base}/versions/champion"), 404, "NOT_FOUND")
    assert _version(client, base, 3)["aliases"] == ["challenger"]
    assert _ok(client.get(base))["aliases"] == [{"alias": "challenger", "version": 3}]
    # Listings show them too.
    [listed] = _ok(client.get(MODELS))["items"]
    assert listed["aliases"] == [{"alias": "challenger", "version": 3}]
    for hydrate in ("true", "false"):
        page = _ok(client.get(f"{base}/versions", params={"hydrate": hydrate, "sort_by": "number"}))
        assert [v["aliases"] for v in page["items"]] == [[], [], ["challenger"]]


def test_lifecycle_routes_take_the_model_id(client: TestClient) -> None:
    base = _model(client, versions=2)
    by_id = f"{MODELS}/{_ok(client.get(base))['id']}"
    _ok(_put_alias(client, by_id, "champion", 2))
    assert _version(client, base, "champion")["number"] == 2
    assert _stage(client, by_id, "champion", "Staging")["number"] == 2
    assert _moves(_history(client, by_id, "champion")) == [(None, 2)]
    _ok(client.put(f"{by_id}/versions/1/tags/k", json={"value": "v"}))
    assert _version(client, base, 1)["tags"] == {"k": "v"}
    assert _ok(_promote(client, by_id, "model:default/fraud:1"), 201)["number"] == 3


def test_aliases_are_per_model(client: TestClient) -> None:
    a = _model(client, "a", versions=2)
    b = _model(client, "b", versions=2)
    _ok(_put_alias(client, a, "champion", 1))
    _ok(_put_alias(client, b, "champion", 2))
    assert _version(client, a, "champion")["number"] == 1
    assert _version(client, b, "champion")["number"] == 2
    assert _version(client, b, "champion")["model_name"] == "b"


def test_alias_under_a_named_workspace(client: TestClient) -> None:
    base = _model(client, "clf", workspace="team-a", versions=2)
    _model(client, "clf", versions=2)
    _ok(_put_alias(client, base, "champion", 2))
    v = _version(client, base, "champion")
    assert (v["workspace"], v["number"], v["aliases"]) == ("team-a", 2, ["champion"])
    assert_error(client.get(f"{MODELS}/clf/aliases/champion"), 404, "NOT_FOUND")
    assert _ok(client.get(f"{MODELS}/clf/aliases")) == {"items": []}


RESERVED_ALIASES = ["latest", "LATEST", "Latest", "v1", "V12", "v007", "1", "42", "0", "-1", "007"]


def test_reserved_alias_names_are_invalid_argument(client: TestClient) -> None:
    base = _model(client, versions=1)
    for alias in RESERVED_ALIASES:
        assert_error(_put_alias(client, base, alias, 1), 400, "INVALID_ARGUMENT")
        assert_error(client.delete(f"{base}/aliases/{alias}"), 400, "INVALID_ARGUMENT")
        assert_error(client.get(f"{base}/aliases/{alias}/history"), 400, "INVALID_ARGUMENT")
    assert _ok(client.get(f"{base}/aliases")) == {"items": []}


MALFORMED_ALIASES = ["a.b", "a b", "caf%C3%A9", "a+b", "x" * 65, "a:b", "a@b", "%09x"]


def test_malformed_alias_names_are_invalid_argument(client: TestClient) -> None:
    base = _model(client, versions=1)
    for alias in MALFORMED_ALIASES:
        assert_error(_put_alias(client, base, alias, 1), 400, "INVALID_ARGUMENT")
        assert_error(client.get(f"{base}/aliases/{alias}"), 400, "INVALID_ARGUMENT")
        assert_error(client.delete(f"{base}/aliases/{alias}"), 400, "INVALID_ARGUMENT")
    assert _ok(client.get(f"{base}/aliases")) == {"items": []}


def test_unusual_but_valid_alias_names(client: TestClient) -> None:
    base = _model(client, versions=1)
    good = ["v1a", "latest2", "xlatest", "vv1", "1a", "-x", "_", "a-b_C9", "x" * 64, "V"]
    for alias in good:
        assert _ok(_put_alias(client, base, alias, 1))["alias"] == alias
    assert sorted(_version(client, base, 1)["aliases"]) == sorted(good)
    for alias in good:
        assert _version(client, base, alias)["number"] == 1


def test_alias_names_are_case_sensitive(client: TestClient) -> None:
    base = _model(client, versions=2)
    _ok(_put_alias(client, base, "Champion", 1))
    _ok(_put_alias(client, base, "champion", 2))
    assert _version(client, base, "Champion")["number"] == 1
    assert _version(client, base, "champion")["number"] == 2
    assert_error(client.get(f"{base}/aliases/CHAMPION"), 404, "NOT_FOUND")
    names = [a["alias"] for a in _ok(client.get(f"{base}/aliases"))["items"]]
    assert sorted(names) == ["Champion", "champion"]
    assert _history(client, base, "Champion") != _history(client, base, "champion")
    assert _moves(_history(client, base, "Champion")) == [(None, 1)]
    assert_error(client.delete(f"{base}/aliases/CHAMPION"), 404, "NOT_FOUND")


def test_alias_to_a_missing_version_or_model(client: TestClient) -> None:
    base = _model(client, versions=1)
    assert_error(_put_alias(client, base, "champion", 2), 404, "NOT_FOUND")
    assert_error(_put_alias(client, f"{MODELS}/nope", "champion", 1), 404, "NOT_FOUND")
    assert_error(client.get(f"{MODELS}/nope/aliases"), 404, "NOT_FOUND")
    assert_error(client.get(f"{base}/aliases/champion"), 404, "NOT_FOUND")
    assert _ok(client.get(f"{base}/aliases")) == {"items": []}
    assert _history(client, base, "champion") == []
    for body in ({}, {"version": 0}, {"version": "1"}, {"version": 1, "protected": "yes"}):
        assert_error(client.put(f"{base}/aliases/champion", json=body), 400, "INVALID_ARGUMENT")


def test_alias_compare_and_swap_on_put(client: TestClient) -> None:
    base = _model(client, versions=3)
    _ok(_put_alias(client, base, "champion", 1))
    # Right expectation: it moves.
    assert _ok(_put_alias(client, base, "champion", 2, expected_version=1))["version"] == 2
    # Wrong expectation: FAILED_PRECONDITION and nothing moves.
    err = assert_error(
        _put_alias(client, base, "champion", 3, expected_version=1), 409, "FAILED_PRECONDITION"
    )
    assert err["details"]["actual_version"] == 2
    assert err["details"]["expected_version"] == 1
    assert _version(client, base, "champion")["number"] == 2
    assert _moves(_history(client, base, "champion")) == [(None, 1), (1, 2)]
    # Expecting a version on an alias that does not exist fails too, and creates nothing.
    assert_error(
        _put_alias(client, base, "challenger", 3, expected_version=1), 409, "FAILED_PRECONDITION"
    )
    assert_error(client.get(f"{base}/aliases/challenger"), 404, "NOT_FOUND")
    assert _history(client, base, "challenger") == []
    # expected_version equal to the target is a no-op move that succeeds.
    assert _ok(_put_alias(client, base, "champion", 2, expected_version=2))["version"] == 2
    assert len(_history(client, base, "champion")) == 2


def test_alias_compare_and_swap_on_delete(client: TestClient) -> None:
    base = _model(client, versions=2)
    _ok(_put_alias(client, base, "champion", 2))
    r = client.delete(f"{base}/aliases/champion", params={"expected_version": 1})
    err = assert_error(r, 409, "FAILED_PRECONDITION")
    assert err["details"]["actual_version"] == 2
    assert _version(client, base, "champion")["number"] == 2
    r = client.delete(f"{base}/aliases/champion", params={"expected_version": 2})
    assert r.status_code == 204, r.text
    assert_error(client.get(f"{base}/aliases/champion"), 404, "NOT_FOUND")
    # Now missing: a plain delete is NOT_FOUND, an expectation FAILED_PRECONDITION.
    assert_error(client.delete(f"{base}/aliases/champion"), 404, "NOT_FOUND")
    r = client.delete(f"{base}/aliases/champion", params={"expected_version": 2})
    assert_error(r, 409, "FAILED_PRECONDITION")
    assert_error(client.delete(f"{base}/aliases/never"), 404, "NOT_FOUND")
    for bad in ("0", "x", "-1"):
        r = client.delete(f"{base}/aliases/champion", params={"expected_version": bad})
        assert_error(r, 400, "INVALID_ARGUMENT")
    assert _moves(_history(client, base, "champion")) == [(None, 2), (2, None)]


def test_protected_flag_is_returned_and_kept_on_moves(client: TestClient) -> None:
    base = _model(client, versions=3)
    assert _ok(_put_alias(client, base, "prod", 1, protected=True)) == {
        "alias": "prod",
        "version": 1,
        "protected": True,
    }
    # A move that does not mention it keeps it.
    assert _ok(_put_alias(client, base, "prod", 2))["protected"] is True
    assert _ok(client.get(f"{base}/aliases")) == {
        "items": [{"alias": "prod", "version": 2, "protected": True}]
    }
    assert _ok(_put_alias(client, base, "prod", 3, protected=False))["protected"] is False
    assert _ok(_put_alias(client, base, "prod", 1))["protected"] is False
    # Changing only the flag moves nothing.
    assert _ok(_put_alias(client, base, "prod", 1, protected=True))["protected"] is True
    assert _moves(_history(client, base, "prod")) == [(None, 1), (1, 2), (2, 3), (3, 1)]
    r = client.delete(f"{base}/aliases/prod")
    assert r.status_code == 204, r.text


def test_alias_history_records_moves_and_deletes(client: TestClient) -> None:
    base = _model(client, versions=3)
    start = datetime.now(UTC) - timedelta(seconds=5)
    _ok(_put_alias(client, base, "champion", 1))
    _ok(_put_alias(client, base, "champion", 1))  # not a move: no entry
    _ok(_put_alias(client, base, "champion", 3))
    _ok(_put_alias(client, base, "champion", 2))
    assert client.delete(f"{base}/aliases/champion").status_code == 204
    _ok(_put_alias(client, base, "champion", 3))
    history = _history(client, base, "champion")
    assert _moves(history) == [(None, 1), (1, 3), (3, 2), (2, None), (None, 3)]
    assert {m["actor"] for m in history} == {"anonymous"}
    times = [_ts(m["at"]) for m in history]
    assert times == sorted(times)
    assert times[0] >= start
    # History of one alias does not mix in another's.
    _ok(_put_alias(client, base, "challenger", 1))
    assert len(_history(client, base, "champion")) == 5
    assert _moves(_history(client, base, "challenger")) == [(None, 1)]


def test_deleting_the_aliased_version_records_an_alias_delete(client: TestClient) -> None:
    base = _model(client, versions=3)
    _ok(_put_alias(client, base, "champion", 2))
    _ok(_put_alias(client, base, "challenger", 2))
    _ok(_put_alias(client, base, "shadow", 3))
    r = client.delete(f"{base}/versions/2")
    assert r.status_code == 204, r.text
    assert _moves(_history(client, base, "champion")) == [(None, 2), (2, None)]
    assert _moves(_history(client, base, "challenger")) == [(None, 2), (2, None)]
    assert _moves(_history(client, base, "shadow")) == [(None, 3)]
    assert _ok(client.get(f"{base}/aliases"))["items"] == [
        {"alias": "shadow", "version": 3, "protected": False}
    ]
    assert _ok(client.get(base))["aliases"] == [{"alias": "shadow", "version": 3}]
    assert_error(client.get(f"{base}/aliases/champion"), 404, "NOT_FOUND")
    # The name is free again.
    _ok(_put_alias(client, base, "champion", 1))
    assert _moves(_history(client, base, "champion")) == [(None, 2), (2, None), (None, 1)]


def test_deleting_a_model_with_a_protected_alias(client: TestClient) -> None:
    """With the default policy anyone who may write may delete it, aliases and all."""
    base = _model(client, versions=2)
    _ok(_put_alias(client, base, "prod", 1, protected=True))
    _ok(_put_alias(client, base, "free", 2))
    assert client.delete(base).status_code == 204
    assert_error(client.get(base), 404, "NOT_FOUND")
    assert_error(client.get(f"{base}/aliases"), 404, "NOT_FOUND")
    r = client.get(f"{API}/model-versions/search", params={"filter": "alias IS NOT NULL"})
    assert _ok(r)["items"] == []
    # The name is free again, and the new model starts without aliases or history.
    _model(client, versions=1)
    assert _ok(client.get(f"{base}/aliases")) == {"items": []}
    assert_error(client.get(f"{base}/aliases/prod"), 404, "NOT_FOUND")
    # By id, under a named workspace.
    other = _model(client, "m", workspace="team", versions=1)
    _ok(_put_alias(client, other, "prod", 1, protected=True))
    model_id = _ok(client.get(other))["id"]
    assert client.delete(f"{WS}/team/models/{model_id}").status_code == 204
    assert_error(client.get(other), 404, "NOT_FOUND")


def test_alias_resolution_at_a_point_in_time(client: TestClient) -> None:
    base = _model(client, versions=3)
    _ok(_put_alias(client, base, "champion", 1))
    _tick()
    _ok(_put_alias(client, base, "champion", 3))
    _tick()
    assert client.delete(f"{base}/aliases/champion").status_code == 204
    created, moved, deleted = (_ts(m["at"]) for m in _history(client, base, "champion"))
    assert created < moved < deleted

    def at(when: datetime) -> Any:
        return client.get(f"{base}/aliases/champion", params={"at": when.isoformat()})

    tiny = timedelta(microseconds=1)
    assert_error(at(created - tiny), 404, "NOT_FOUND")
    assert_error(at(created - timedelta(days=365)), 404, "NOT_FOUND")
    assert _ok(at(created))["number"] == 1
    assert _ok(at(created + (moved - created) / 2))["number"] == 1
    assert _ok(at(moved - tiny))["number"] == 1
    assert _ok(at(moved))["number"] == 3
    assert _ok(at(deleted - tiny))["number"] == 3
    assert_error(at(deleted), 404, "NOT_FOUND")
    assert_error(at(deleted + timedelta(days=1)), 404, "NOT_FOUND")
    # Any offset names the same instant; "Z" works too.
    plus2 = timezone(timedelta(hours=2))
    assert _ok(at(moved.astimezone(plus2)))["number"] == 3
    z = (moved - tiny).astimezone(UTC).isoformat().replace("+00:00", "Z")
    r = client.get(f"{base}/aliases/champion", params={"at": z})
    assert _ok(r)["number"] == 1
    # Without ?at= it is gone now.
    assert_error(client.get(f"{base}/aliases/champion"), 404, "NOT_FOUND")
    # Re-created later: resolves again from then on.
    _tick()
    _ok(_put_alias(client, base, "champion", 2))
    assert _ok(at(datetime.now(UTC) + timedelta(seconds=1)))["number"] == 2
    assert_error(at(deleted), 404, "NOT_FOUND")
    assert _ok(at(moved))["number"] == 3


def test_alias_resolution_at_needs_a_valid_aware_time(client: TestClient) -> None:
    base = _model(client, versions=1)
    _ok(_put_alias(client, base, "champion", 1))
    for bad in ("yesterday", "2026-03-01T12:00:00", "2026-13-01T00:00:00Z", ""):
        r = client.get(f"{base}/aliases/champion", params={"at": bad})
        assert_error(r, 400, "INVALID_ARGUMENT")
    r = client.get(f"{base}/aliases/champion", params={"at": "2000-01-01T00:00:00Z"})
    assert_error(r, 404, "NOT_FOUND")


def test_latest_is_the_highest_ready_version(client: TestClient) -> None:
    base = _model(client)
    assert_error(client.get(f"{base}/versions/latest"), 404, "NOT_FOUND")
    _create(client, base)
    _create(client, base)
    _create(client, base, status="FAILED_REGISTRATION")
    _create(client, base, status="PENDING_REGISTRATION")
    for ref in ("latest", "LATEST", "Latest"):
        assert _version(client, base, ref)["number"] == 2
    # latest is not an alias: it is listed nowhere.
    assert _ok(client.get(f"{base}/aliases")) == {"items": []}
    assert _version(client, base, 2)["aliases"] == []
    # The pending version becomes READY: it is the latest now.
    _ok(client.patch(f"{base}/versions/4", json={"status": "READY"}))
    assert _version(client, base, "latest")["number"] == 4
    assert client.delete(f"{base}/versions/4").status_code == 204
    assert client.delete(f"{base}/versions/2").status_code == 204
    assert _version(client, base, "latest")["number"] == 1


def test_latest_of_a_model_without_ready_versions_is_not_found(client: TestClient) -> None:
    base = _model(client)
    _create(client, base, status="PENDING_REGISTRATION")
    _create(client, base, status="FAILED_REGISTRATION")
    err = assert_error(client.get(f"{base}/versions/latest"), 404, "NOT_FOUND")
    assert err["details"]["version"] == "latest"
    assert_error(
        client.get(f"{API}/resolve", params={"fqn": "model:default/fraud:latest"}), 404, "NOT_FOUND"
    )
    assert _version(client, base, 1)["status"] == "PENDING_REGISTRATION"


def test_versions_route_resolves_number_alias_and_latest(client: TestClient) -> None:
    base = _model(client, versions=3)
    _ok(_put_alias(client, base, "champion", 2))
    ids = {n: _version(client, base, n)["id"] for n in (1, 2, 3)}
    assert _version(client, base, "champion")["id"] == ids[2]
    assert _version(client, base, "latest")["id"] == ids[3]
    assert _version(client, base, "3")["id"] == ids[3]
    assert_error(client.get(f"{base}/versions/challenger"), 404, "NOT_FOUND")
    for bad in ("0", "-1", "99999999999", "a.b", "v2"):
        assert_error(client.get(f"{base}/versions/{bad}"), 400, "INVALID_ARGUMENT")


# --- tags -------------------------------------------------------------------------------------


def test_model_tags_with_color(client: TestClient) -> None:
    base = _model(client)
    r = client.put(f"{base}/tags/team", json={"value": "risk", "color": "#ff0000"})
    assert _ok(r) == {"key": "team", "value": "risk", "color": "#ff0000", "exclusive": False}
    _ok(client.put(f"{base}/tags/tier", json={"value": "gold"}))
    assert _ok(client.get(f"{base}/tags")) == {
        "items": [
            {"key": "team", "value": "risk", "color": "#ff0000", "exclusive": False},
            {"key": "tier", "value": "gold", "color": None, "exclusive": False},
        ]
    }
    assert _ok(client.get(base))["tags"] == {"team": "risk", "tier": "gold"}
    # Overwrite: value and color both replaced.
    _ok(client.put(f"{base}/tags/team", json={"value": "fraud", "color": "blue"}))
    _ok(client.put(f"{base}/tags/tier", json={"value": "silver", "color": "grey"}))
    items = _ok(client.get(f"{base}/tags"))["items"]
    assert [(t["key"], t["value"], t["color"]) for t in items] == [
        ("team", "fraud", "blue"),
        ("tier", "silver", "grey"),
    ]
    # PATCH merge still works next to the tag routes.
    _ok(client.patch(base, json={"tags": {"tier": None, "region": "eu"}}))
    assert _ok(client.get(base))["tags"] == {"team": "fraud", "region": "eu"}
    assert client.delete(f"{base}/tags/team").status_code == 204
    assert _ok(client.get(base))["tags"] == {"region": "eu"}
    assert_error(client.delete(f"{base}/tags/team"), 404, "NOT_FOUND")
    assert_error(client.delete(f"{base}/tags/never"), 404, "NOT_FOUND")


def test_exclusive_is_refused_on_model_tags(client: TestClient) -> None:
    base = _model(client)
    for flag in (True, False):
        r = client.put(f"{base}/tags/deploy", json={"value": "x", "exclusive": flag})
        assert_error(r, 400, "INVALID_ARGUMENT")
    assert _ok(client.get(f"{base}/tags")) == {"items": []}


def test_tag_routes_on_missing_objects_and_bad_bodies(client: TestClient) -> None:
    base = _model(client, versions=1)
    assert_error(client.put(f"{MODELS}/nope/tags/k", json={"value": "v"}), 404, "NOT_FOUND")
    assert_error(client.put(f"{base}/versions/2/tags/k", json={"value": "v"}), 404, "NOT_FOUND")
    assert_error(client.get(f"{base}/versions/2/tags"), 404, "NOT_FOUND")
    assert_error(client.delete(f"{base}/versions/2/tags/k"), 404, "NOT_FOUND")
    assert_error(client.delete(f"{base}/versions/1/tags/k"), 404, "NOT_FOUND")
    assert_error(client.get(f"{MODELS}/nope/tags"), 404, "NOT_FOUND")
    for body in ({}, {"value": 1}, {"value": "x" * 5001}, {"value": "v", "color": ""}):
        assert_error(client.put(f"{base}/tags/k", json=body), 400, "INVALID_ARGUMENT")
        assert_error(client.put(f"{base}/versions/1/tags/k", json=body), 400, "INVALID_ARGUMENT")
    r = client.put(f"{base}/versions/1/tags/{'k' * 251}", json={"value": "v"})
    assert_error(r, 400, "INVALID_ARGUMENT")
    # The limits themselves are fine.
    _ok(client.put(f"{base}/versions/1/tags/{'k' * 250}", json={"value": "x" * 5000}))
    _ok(client.put(f"{base}/versions/1/tags/empty", json={"value": ""}))
    assert _version(client, base, 1)["tags"] == {"k" * 250: "x" * 5000, "empty": ""}


def test_version_tags_with_color(client: TestClient) -> None:
    base = _model(client, versions=2)
    r = client.put(f"{base}/versions/1/tags/framework", json={"value": "xgb", "color": "green"})
    assert _ok(r) == {"key": "framework", "value": "xgb", "color": "green", "exclusive": False}
    _ok(client.put(f"{base}/versions/1/tags/owner", json={"value": "risk"}))
    _ok(client.put(f"{base}/versions/2/tags/framework", json={"value": "lgbm"}))
    assert _version_tags(client, base, 1) == {
        "framework": {"key": "framework", "value": "xgb", "color": "green", "exclusive": False},
        "owner": {"key": "owner", "value": "risk", "color": None, "exclusive": False},
    }
    assert _version(client, base, 1)["tags"] == {"framework": "xgb", "owner": "risk"}
    assert _version(client, base, 2)["tags"] == {"framework": "lgbm"}
    # PATCH merges with what the tag routes set; a null removes a key.
    v = _ok(client.patch(f"{base}/versions/1", json={"tags": {"owner": None, "x": "1"}}))
    assert v["tags"] == {"framework": "xgb", "x": "1"}
    assert client.delete(f"{base}/versions/1/tags/framework").status_code == 204
    assert _version(client, base, 1)["tags"] == {"x": "1"}
    assert _version(client, base, 2)["tags"] == {"framework": "lgbm"}
    assert_error(client.delete(f"{base}/versions/1/tags/framework"), 404, "NOT_FOUND")
    # Tag routes take an alias or latest as the version.
    _ok(_put_alias(client, base, "champion", 1))
    _ok(client.put(f"{base}/versions/champion/tags/via", json={"value": "alias"}))
    _ok(client.put(f"{base}/versions/latest/tags/via", json={"value": "latest"}))
    assert _version(client, base, 1)["tags"]["via"] == "alias"
    assert _version(client, base, 2)["tags"]["via"] == "latest"
    assert client.delete(f"{base}/versions/champion/tags/via").status_code == 204
    assert "via" not in _version(client, base, 1)["tags"]


def test_tag_keys_may_contain_slashes(client: TestClient) -> None:
    keys = ["team/owner", "k8s.io/app/name", "a/b/c/d", "a/b"]
    for workspace in (None, "team"):
        base = _model(client, workspace=workspace, versions=2)
        for i, key in enumerate(keys):
            r = client.put(f"{base}/tags/{key}", json={"value": f"m{i}", "color": "red"})
            assert _ok(r) == {"key": key, "value": f"m{i}", "color": "red", "exclusive": False}
            r = client.put(f"{base}/versions/1/tags/{key}", json={"value": f"v{i}"})
            assert _ok(r) == {"key": key, "value": f"v{i}", "color": None, "exclusive": False}
        model_tags = {k: f"m{i}" for i, k in enumerate(keys)}
        version_tags = {k: f"v{i}" for i, k in enumerate(keys)}
        items = _ok(client.get(f"{base}/tags"))["items"]
        assert {t["key"]: t["value"] for t in items} == model_tags
        assert _ok(client.get(base))["tags"] == model_tags
        assert {k: t["value"] for k, t in _version_tags(client, base, 1).items()} == version_tags
        assert _version(client, base, 1)["tags"] == version_tags
        assert _version(client, base, 2)["tags"] == {}
        # Overwrite, by alias and latest too.
        _ok(client.put(f"{base}/tags/team/owner", json={"value": "new"}))
        assert _ok(client.get(base))["tags"]["team/owner"] == "new"
        _ok(_put_alias(client, base, "champion", 2))
        _ok(client.put(f"{base}/versions/champion/tags/x/y", json={"value": "alias"}))
        _ok(client.put(f"{base}/versions/latest/tags/x/z", json={"value": "latest"}))
        assert _version(client, base, 2)["tags"] == {"x/y": "alias", "x/z": "latest"}
        # Exclusive keys with a slash move like any other.
        r = client.put(
            f"{base}/versions/1/tags/deploy/slot", json={"value": "1", "exclusive": True}
        )
        assert _ok(r)["exclusive"] is True
        _ok(client.put(f"{base}/versions/2/tags/deploy/slot", json={"value": "2"}))
        assert _holders(client, base, "deploy/slot") == [2]
        # Delete: exactly the key named, not a prefix or an extension of it.
        assert client.delete(f"{base}/tags/a/b").status_code == 204
        left = {k: v for k, v in model_tags.items() if k != "a/b"}
        assert _ok(client.get(base))["tags"] == {**left, "team/owner": "new"}
        assert_error(client.delete(f"{base}/tags/a/b"), 404, "NOT_FOUND")
        assert_error(client.delete(f"{base}/tags/a"), 404, "NOT_FOUND")
        assert_error(client.delete(f"{base}/tags/a/b/c/d/e"), 404, "NOT_FOUND")
        assert client.delete(f"{base}/tags/k8s.io/app/name").status_code == 204
        assert set(_ok(client.get(base))["tags"]) == {"team/owner", "a/b/c/d"}
        assert client.delete(f"{base}/versions/1/tags/a/b/c/d").status_code == 204
        assert_error(client.delete(f"{base}/versions/1/tags/a/b/c/d"), 404, "NOT_FOUND")
        assert_error(client.delete(f"{base}/versions/1/tags/a/b/c"), 404, "NOT_FOUND")
        assert client.delete(f"{base}/versions/champion/tags/x/y").status_code == 204
        assert set(_version(client, base, 1)["tags"]) == {"team/owner", "k8s.io/app/name", "a/b"}
        assert _version(client, base, 2)["tags"] == {"x/z": "latest", "deploy/slot": "2"}
        # The model's tags were not touched by the version's deletes, nor the other way.
        assert set(_ok(client.get(base))["tags"]) == {"team/owner", "a/b/c/d"}
        # The key length limit counts the slashes.
        key = "a/" * 125
        _ok(client.put(f"{base}/versions/1/tags/{key}", json={"value": "v"}))
        assert _version(client, base, 1)["tags"][key] == "v"
        r = client.put(f"{base}/versions/1/tags/{key}b", json={"value": "v"})
        assert_error(r, 400, "INVALID_ARGUMENT")
        assert_error(
            client.put(f"{base}/tags/{key}b", json={"value": "v"}), 400, "INVALID_ARGUMENT"
        )
    # Searchable like any tag.
    r = client.get(f"{API}/model-versions/search", params={"filter": "tags.`team/owner` = 'v0'"})
    assert [(v["model_name"], v["number"]) for v in _ok(r)["items"]] == [("fraud", 1)]


def test_exclusive_tag_moves_between_versions(client: TestClient) -> None:
    base = _model(client, versions=3)
    r = client.put(f"{base}/versions/1/tags/deploy", json={"value": "blue", "exclusive": True})
    assert _ok(r) == {"key": "deploy", "value": "blue", "color": None, "exclusive": True}
    assert _holders(client, base, "deploy") == [1]
    # Setting it on another version (without repeating the flag) takes it off the first.
    r = client.put(f"{base}/versions/2/tags/deploy", json={"value": "green", "color": "g"})
    assert _ok(r)["exclusive"] is True
    assert _holders(client, base, "deploy") == [2]
    assert "deploy" not in _version_tags(client, base, 1)
    assert _version_tags(client, base, 2)["deploy"] == {
        "key": "deploy",
        "value": "green",
        "color": "g",
        "exclusive": True,
    }
    # Other keys are not affected.
    _ok(client.put(f"{base}/versions/1/tags/other", json={"value": "1"}))
    _ok(client.put(f"{base}/versions/3/tags/other", json={"value": "3"}))
    _ok(client.put(f"{base}/versions/3/tags/deploy", json={"value": "red"}))
    assert _holders(client, base, "deploy") == [3]
    assert _holders(client, base, "other") == [1, 3]
    # exclusive: false un-marks the key: now it may sit on several versions.
    r = client.put(f"{base}/versions/1/tags/deploy", json={"value": "x", "exclusive": False})
    assert _ok(r)["exclusive"] is False
    assert _holders(client, base, "deploy") == [1, 3]
    assert _version_tags(client, base, 3)["deploy"]["exclusive"] is False
    _ok(client.put(f"{base}/versions/2/tags/deploy", json={"value": "y"}))
    assert _holders(client, base, "deploy") == [1, 2, 3]
    # Marking it again sweeps the others at once.
    r = client.put(f"{base}/versions/2/tags/deploy", json={"value": "z", "exclusive": True})
    assert _ok(r)["exclusive"] is True
    assert _holders(client, base, "deploy") == [2]


def test_exclusive_belongs_to_the_key_within_one_model(client: TestClient) -> None:
    a = _model(client, "a", versions=2)
    b = _model(client, "b", versions=2)
    _ok(client.put(f"{b}/versions/1/tags/deploy", json={"value": "1"}))
    _ok(client.put(f"{b}/versions/2/tags/deploy", json={"value": "2"}))
    _ok(client.put(f"{a}/versions/1/tags/deploy", json={"value": "1", "exclusive": True}))
    _ok(client.put(f"{a}/versions/2/tags/deploy", json={"value": "2"}))
    assert _holders(client, a, "deploy") == [2]
    assert _holders(client, b, "deploy") == [1, 2]
    assert _version_tags(client, b, 1)["deploy"]["exclusive"] is False


def test_exclusive_tag_set_by_create_or_patch_moves_too(client: TestClient) -> None:
    base = _model(client, versions=2)
    _ok(client.put(f"{base}/versions/1/tags/deploy", json={"value": "1", "exclusive": True}))
    # A new version created with the key takes it.
    v3 = _create(client, base, tags={"deploy": "3", "other": "x"})
    assert v3["tags"] == {"deploy": "3", "other": "x"}
    assert _holders(client, base, "deploy") == [3]
    # A PATCH that sets it takes it.
    v = _ok(client.patch(f"{base}/versions/2", json={"tags": {"deploy": "2"}}))
    assert v["tags"] == {"deploy": "2"}
    assert _holders(client, base, "deploy") == [2]
    # A PATCH that removes it leaves nobody with it.
    _ok(client.patch(f"{base}/versions/2", json={"tags": {"deploy": None}}))
    assert _holders(client, base, "deploy") == []
    # Non-exclusive keys are still merged normally.
    _ok(client.patch(f"{base}/versions/1", json={"tags": {"other": "y"}}))
    assert _holders(client, base, "other") == [1, 3]


# --- lineage ----------------------------------------------------------------------------------


def test_new_version_has_an_empty_lineage(client: TestClient) -> None:
    base = _model(client, versions=1)
    v = _version(client, base, 1)
    assert v["lineage"] == EMPTY_LINEAGE


def test_lineage_round_trips_on_create_and_every_read(client: TestClient) -> None:
    base = _model(client)
    v = _create(client, base, lineage=FULL_LINEAGE)
    assert set(v["lineage"]) == LINEAGE_KEYS
    assert v["lineage"] == FULL_LINEAGE
    assert _version(client, base, 1)["lineage"] == FULL_LINEAGE
    assert _ok(client.get(f"{BY_ID}/{v['id']}"))["lineage"] == FULL_LINEAGE
    listed = _ok(client.get(f"{base}/versions", params={"hydrate": "false"}))["items"][0]
    assert listed["lineage"] == FULL_LINEAGE


def test_lineage_partial_and_duplicates(client: TestClient) -> None:
    base = _model(client)
    parent = _create(client, base)
    v = _create(
        client,
        base,
        lineage={"datasets": ["d1", "d1"], "promoted_from": parent["id"]},
    )
    assert v["lineage"] == {**EMPTY_LINEAGE, "datasets": ["d1"], "promoted_from": parent["id"]}


def test_patch_lineage_replaces_it(client: TestClient) -> None:
    base = _model(client)
    _create(client, base, lineage=FULL_LINEAGE, description="keep me")
    # A PATCH without lineage keeps it.
    v = _ok(client.patch(f"{base}/versions/1", json={"description": "changed"}))
    assert v["lineage"] == FULL_LINEAGE
    new = {"experiment_id": "exp-99", "pipeline_runs": ["run-a", "run-b"]}
    v = _ok(client.patch(f"{base}/versions/1", json={"lineage": new}))
    assert v["lineage"] == {**EMPTY_LINEAGE, **new}
    assert _version(client, base, 1)["lineage"] == {**EMPTY_LINEAGE, **new}
    assert v["description"] == "changed"
    # null clears it.
    v = _ok(client.patch(f"{base}/versions/1", json={"lineage": None}))
    assert v["lineage"] == EMPTY_LINEAGE
    v = _ok(client.patch(f"{base}/versions/1", json={"lineage": FULL_LINEAGE}))
    assert v["lineage"] == FULL_LINEAGE


def test_malformed_lineage_is_invalid_argument(client: TestClient) -> None:
    base = _model(client, versions=1)
    malformed: list[dict[str, Any]] = [
        {"promoted_from": "not-a-uuid"},
        {"datasets": "d1"},
        {"datasets": [1]},
        {"datasets": [""]},
        {"unknown": []},
        {"deployment_job_state": "done"},
        {"logged_model_id": 5},
    ]
    for lineage in malformed:
        r = client.post(f"{base}/versions", json={"lineage": lineage})
        assert_error(r, 400, "INVALID_ARGUMENT")
        r = client.patch(f"{base}/versions/1", json={"lineage": lineage})
        assert_error(r, 400, "INVALID_ARGUMENT")
    assert _version(client, base, 1)["lineage"] == EMPTY_LINEAGE
    assert _ok(client.get(f"{base}/versions"))["total"] == 1


# --- promotion --------------------------------------------------------------------------------


def _promote(client: TestClient, target: str, source: str) -> Any:
    return client.post(f"{target}/versions:promote", json={"source": source})


def _assert_copy(copy: dict[str, Any], src: dict[str, Any]) -> None:
    for key in COPIED:
        assert copy[key] == src[key], key
    assert sorted(map(str, copy["metrics"])) == sorted(map(str, src["metrics"]))
    assert copy["id"] != src["id"]
    assert copy["status"] == "READY"
    assert copy["lineage"] == {**src["lineage"], "promoted_from": src["id"]}


def test_promote_within_a_workspace(client: TestClient) -> None:
    src_base = _model(client, "fraud")
    src = _create(client, src_base, **FULL_VERSION)
    target = _model(client, "fraud-prod", versions=2)
    before = datetime.now(UTC) - timedelta(seconds=5)
    copy = _ok(_promote(client, target, src["id"]), 201)
    assert copy["number"] == 3
    assert (copy["model_name"], copy["workspace"]) == ("fraud-prod", "default")
    assert copy["fqn"] == "model:default/fraud-prod:3"
    assert copy["stage"] == "None"
    assert copy["aliases"] == []
    assert _ts(copy["created_at"]) >= before
    _assert_copy(copy, src)
    # The copy reads back the same way, and the source is untouched.
    assert _version(client, target, 3) == copy
    assert _ok(client.get(f"{BY_ID}/{copy['id']}")) == copy
    assert _version(client, src_base, 1) == src
    assert _ok(client.get(target))["latest_version"] == 3


def test_promote_by_fqn_number_alias_and_latest(client: TestClient) -> None:
    src_base = _model(client, "fraud", versions=3)
    _ok(_put_alias(client, src_base, "champion", 2))
    target = _model(client, "prod")
    ids = {n: _version(client, src_base, n)["id"] for n in (1, 2, 3)}
    sources = [
        ("model:default/fraud:1", 1),
        ("model:default/fraud:champion", 2),
        ("model:default/fraud:latest", 3),
    ]
    for i, (fqn, number) in enumerate(sources, start=1):
        copy = _ok(_promote(client, target, fqn), 201)
        assert copy["number"] == i
        assert copy["lineage"]["promoted_from"] == ids[number]


def test_promote_across_workspaces(client: TestClient) -> None:
    src_base = _model(client, "clf", workspace="research")
    src = _create(client, src_base, **FULL_VERSION)
    target = _model(client, "clf", workspace="serving", versions=1)
    copy = _ok(_promote(client, target, src["fqn"]), 201)
    assert src["fqn"] == "model:research/clf:1"
    assert (copy["workspace"], copy["model_name"], copy["number"]) == ("serving", "clf", 2)
    assert copy["fqn"] == "model:serving/clf:2"
    _assert_copy(copy, src)
    # From a named workspace into the default one, by id, through the route without {ws}.
    copy2 = _ok(_promote(client, _model(client, "clf"), copy["id"]), 201)
    assert (copy2["workspace"], copy2["number"]) == ("default", 1)
    assert copy2["lineage"]["promoted_from"] == copy["id"]


def test_promote_into_the_source_s_own_model(client: TestClient) -> None:
    base = _model(client, versions=2)
    src = _version(client, base, 1)
    copy = _ok(_promote(client, base, src["id"]), 201)
    assert copy["number"] == 3
    assert copy["lineage"]["promoted_from"] == src["id"]


def test_promoted_exclusive_tag_moves_to_the_copy(client: TestClient) -> None:
    src_base = _model(client, "src", versions=1)
    _ok(client.put(f"{src_base}/versions/1/tags/deploy", json={"value": "x"}))
    target = _model(client, "dst", versions=1)
    _ok(client.put(f"{target}/versions/1/tags/deploy", json={"value": "y", "exclusive": True}))
    copy = _ok(_promote(client, target, "model:default/src:1"), 201)
    assert copy["tags"] == {"deploy": "x"}
    assert _holders(client, target, "deploy") == [2]
    assert _holders(client, src_base, "deploy") == [1]


def test_promote_a_source_that_is_not_ready(client: TestClient) -> None:
    src_base = _model(client, "fraud")
    target = _model(client, "prod")
    for status in ("PENDING_REGISTRATION", "FAILED_REGISTRATION"):
        src = _create(client, src_base, status=status)
        err = assert_error(_promote(client, target, src["id"]), 409, "FAILED_PRECONDITION")
        assert err["details"]["which"] == "source"
        assert_error(_promote(client, target, src["fqn"]), 409, "FAILED_PRECONDITION")
    # With no READY version, "latest" names nothing.
    err = assert_error(_promote(client, target, "model:default/fraud:latest"), 404, "NOT_FOUND")
    assert err["details"]["which"] == "source"
    assert _ok(client.get(f"{target}/versions"))["total"] == 0
    assert _ok(client.get(target))["latest_version"] is None


def test_promote_a_missing_source(client: TestClient) -> None:
    _model(client, "fraud", versions=1)
    target = _model(client, "prod")
    for source in (
        str(uuid.uuid4()),
        "model:default/fraud:2",
        "model:default/fraud:champion",
        "model:default/nope:1",
        "model:nope/fraud:1",
    ):
        err = assert_error(_promote(client, target, source), 404, "NOT_FOUND")
        assert err["details"]["which"] == "source", source
    assert _ok(client.get(f"{target}/versions"))["total"] == 0


def test_promote_into_a_missing_target(client: TestClient) -> None:
    src_base = _model(client, "fraud", versions=1)
    src = _version(client, src_base, 1)
    for target in (f"{MODELS}/nope", f"{WS}/nope/models/fraud", f"{WS}/default/models/nope"):
        err = assert_error(_promote(client, target, src["id"]), 404, "NOT_FOUND")
        assert err["details"]["which"] == "target", target
    assert _ok(client.get(f"{src_base}/versions"))["total"] == 1


MALFORMED_SOURCES = [
    "fraud",
    "model:fraud:1",
    "model:/fraud:1",
    "model:default/fraud:",
    "model:default/:1",
    "datasets:default/fraud:1",
    "model:de_fault/fraud:1",
    "model:default/fraud:v1",
    "model:default/fraud:0",
    "1",
]


def test_promote_from_a_malformed_fqn(client: TestClient) -> None:
    _model(client, "fraud", versions=1)
    target = _model(client, "prod")
    for source in MALFORMED_SOURCES:
        assert_error(_promote(client, target, source), 400, "INVALID_ARGUMENT")
    assert _ok(client.get(f"{target}/versions"))["total"] == 0


def test_promote_bad_bodies(client: TestClient) -> None:
    target = _model(client, "prod")
    for body in ({}, {"source": ""}, {"source": 1}, {"source": "x", "extra": 1}):
        r = client.post(f"{target}/versions:promote", json=body)
        assert_error(r, 400, "INVALID_ARGUMENT")


def test_lineage_chain_of_a_version_promoted_twice(client: TestClient) -> None:
    a = _model(client, "a", workspace="research")
    origin = _create(client, a, **FULL_VERSION)
    b = _model(client, "b", workspace="staging")
    c = _model(client, "c")
    first = _ok(_promote(client, b, origin["id"]), 201)
    second = _ok(_promote(client, c, first["fqn"]), 201)
    sibling = _ok(_promote(client, c, origin["fqn"]), 201)
    assert second["lineage"]["promoted_from"] == first["id"]
    assert sibling["lineage"]["promoted_from"] == origin["id"]

    def view(v: dict[str, Any]) -> dict[str, Any]:
        body: dict[str, Any] = _ok(client.get(f"{BY_ID}/{v['id']}/lineage"))
        assert set(body) == {"version", "upstream", "downstream", "links"}
        assert body["version"]["id"] == v["id"]
        return body

    def ids(vs: list[dict[str, Any]]) -> list[str]:
        return [v["id"] for v in vs]

    top = view(origin)
    assert top["upstream"] == []
    assert sorted(ids(top["downstream"])) == sorted([first["id"], second["id"], sibling["id"]])
    mid = view(first)
    assert ids(mid["upstream"]) == [origin["id"]]
    assert ids(mid["downstream"]) == [second["id"]]
    leaf = view(second)
    assert ids(leaf["upstream"]) == [first["id"], origin["id"]]  # nearest first
    assert leaf["downstream"] == []
    assert leaf["upstream"][0]["fqn"] == "model:staging/b:1"
    assert leaf["upstream"][1]["fqn"] == "model:research/a:1"
    # Deleting the middle of the chain ends the upstream walk there.
    assert client.delete(f"{b}/versions/1").status_code == 204
    assert view(second)["upstream"] == []


def test_lineage_walks_stop_at_cycles(client: TestClient) -> None:
    """PATCHed lineage can point in a circle; the walks list each version once, never the
    version itself, and answer quickly."""
    base = _model(client, versions=4)
    v = {n: _version(client, base, n) for n in (1, 2, 3, 4)}

    def point(number: int, parent: int) -> None:
        lineage = {"promoted_from": v[parent]["id"]}
        _ok(client.patch(f"{base}/versions/{number}", json={"lineage": lineage}))

    point(1, 2)  # 1 -> 2 -> 1
    point(2, 1)
    point(3, 3)  # 3 -> 3
    point(4, 1)  # 4 -> 1 -> 2 -> 1

    def ids(number: int) -> tuple[list[int], list[int]]:
        started = time.monotonic()
        body = _ok(client.get(f"{BY_ID}/{v[number]['id']}/lineage"))
        assert time.monotonic() - started < 5
        return (
            [u["number"] for u in body["upstream"]],
            sorted(d["number"] for d in body["downstream"]),
        )

    assert ids(1) == ([2], [2, 4])
    assert ids(2) == ([1], [1, 4])
    assert ids(3) == ([], [])
    assert ids(4) == ([1, 2], [])


def test_lineage_of_a_missing_version(client: TestClient) -> None:
    assert_error(client.get(f"{BY_ID}/{uuid.uuid4()}/lineage"), 404, "NOT_FOUND")
    assert_error(client.get(f"{BY_ID}/not-a-uuid/lineage"), 400, "INVALID_ARGUMENT")


# --- FQN --------------------------------------------------------------------------------------


def test_every_version_shows_its_fqn(client: TestClient) -> None:
    base = _model(client, "fraud", versions=2)
    named = _model(client, "clf", workspace="team-a", versions=1)
    assert _version(client, base, 2)["fqn"] == "model:default/fraud:2"
    assert _version(client, named, 1)["fqn"] == "model:team-a/clf:1"
    for v in _ok(client.get(f"{base}/versions", params={"hydrate": "false"}))["items"]:
        assert v["fqn"] == f"model:default/fraud:{v['number']}"
    v = _stage(client, base, 1, "Staging")
    assert v["fqn"] == "model:default/fraud:1"
    assert _ok(_promote(client, named, v["id"]), 201)["fqn"] == "model:team-a/clf:2"


def test_resolve_fqn_by_number_alias_and_latest(client: TestClient) -> None:
    base = _model(client, "fraud", versions=3)
    named = _model(client, "fraud", workspace="team-a", versions=2)
    _ok(_put_alias(client, base, "champion", 2))
    _ok(_put_alias(client, named, "champion", 1))
    _create(client, base, status="PENDING_REGISTRATION")

    def resolve(fqn: str) -> dict[str, Any]:
        out: dict[str, Any] = _ok(client.get(f"{API}/resolve", params={"fqn": fqn}))
        return out

    for fqn, ws, number in [
        ("model:default/fraud:1", "default", 1),
        ("model:default/fraud:champion", "default", 2),
        ("model:default/fraud:latest", "default", 3),
        ("model:default/fraud:LATEST", "default", 3),
        ("model:team-a/fraud:2", "team-a", 2),
        ("model:team-a/fraud:champion", "team-a", 1),
        ("model:team-a/fraud:latest", "team-a", 2),
    ]:
        v = resolve(fqn)
        assert (v["workspace"], v["number"]) == (ws, number), fqn
        assert v["fqn"] == f"model:{ws}/fraud:{number}"
    # The FQN a version shows resolves to that version.
    for n in (1, 2, 3, 4):
        v = _version(client, base, n)
        assert resolve(v["fqn"]) == v


def test_resolve_fqn_of_models_with_unusual_names(client: TestClient) -> None:
    for name in ("a:b", "fraud detector", "ünï"):
        base = _model(client, name)
        _create(client, base)
        v = _ok(client.get(f"{API}/resolve", params={"fqn": f"model:default/{name}:1"}))
        assert (v["model_name"], v["fqn"]) == (name, f"model:default/{name}:1")


MALFORMED_FQNS = [
    "fraud",
    "model",
    "model:",
    "model:fraud:1",
    "model:/fraud:1",
    "model:default/fraud:",
    "model:default/fraud",
    "model:default/:1",
    "datasets:default/fraud:1",
    "MODEL:default/fraud:1",
    "model:de_fault/fraud:1",
    "model:team a/fraud:1",
    "model:t.x/fraud:1",
    f"model:{'w' * 37}/fraud:1",
    "model:default/fraud:0",
    "model:default/fraud:-1",
    "model:default/fraud:v1",
    "model:default/fraud:a.b",
    "model:default/a/b:1",
]


def test_malformed_fqns_are_invalid_argument(client: TestClient) -> None:
    base = _model(client, "fraud", versions=1)
    _ok(_put_alias(client, base, "champion", 1))
    for fqn in MALFORMED_FQNS:
        r = client.get(f"{API}/resolve", params={"fqn": fqn})
        assert r.status_code == 400, (fqn, r.text)
        assert_error(r, 400, "INVALID_ARGUMENT")


def test_resolve_requires_an_fqn(client: TestClient) -> None:
    assert_error(client.get(f"{API}/resolve"), 400, "INVALID_ARGUMENT")
    assert_error(client.get(f"{API}/resolve", params={"fqn": ""}), 400, "INVALID_ARGUMENT")


def test_resolve_fqn_of_missing_things_is_not_found(client: TestClient) -> None:
    base = _model(client, "fraud", versions=1)
    _create(client, base, status="PENDING_REGISTRATION")
    _model(client, "empty")
    for fqn in (
        "model:nope/fraud:1",
        "model:default/nope:1",
        "model:default/fraud:3",
        "model:default/fraud:champion",
        "model:default/empty:latest",
    ):
        assert_error(client.get(f"{API}/resolve", params={"fqn": fqn}), 404, "NOT_FOUND")


# --- the permission hook ---------------------------------------------------------------------


class _Policy:
    """Denies what ``rules`` lists: (action, workspace) pairs; workspace None = everywhere."""

    def __init__(self, *rules: tuple[Action, str | None]) -> None:
        self.rules = set(rules)

    def allowed(self, who: Principal, action: Action, workspace: str | None) -> bool:
        return (action, workspace) not in self.rules and (action, None) not in self.rules

    def require(self, who: Principal, action: Action, workspace: str | None) -> None:
        if not self.allowed(who, action, workspace):
            raise PermissionDenied(f"{who.subject} may not {action.value} in {workspace}")


@pytest.fixture
def guarded(db_url: str) -> Iterator[tuple[TestClient, Services]]:
    """A client whose services consult a policy the test can change."""
    services = Services(Database(db_url, pool_size=4))
    with TestClient(
        create_app(Settings(database_url=db_url, no_auth=True), services=services)
    ) as c:
        yield c, services
    services.db.dispose()


def _set_policy(services: Services, policy: _Policy) -> None:
    for svc in (services.workspaces, services.models, services.versions, services.search):
        svc.authz = policy
    services.lifecycle.authz = policy


def test_protected_alias_needs_the_owner(guarded: tuple[TestClient, Services]) -> None:
    client, services = guarded
    base = _model(client, versions=3)
    _ok(_put_alias(client, base, "prod", 1, protected=True))
    _ok(_put_alias(client, base, "free", 1))
    _set_policy(services, _Policy((Action.OWNER, None)))
    assert_error(_put_alias(client, base, "prod", 2), 403, "PERMISSION_DENIED")
    assert_error(_put_alias(client, base, "prod", 2, protected=False), 403, "PERMISSION_DENIED")
    assert_error(client.delete(f"{base}/aliases/prod"), 403, "PERMISSION_DENIED")
    assert_error(_put_alias(client, base, "free", 2, protected=True), 403, "PERMISSION_DENIED")
    assert_error(_put_alias(client, base, "new", 2, protected=True), 403, "PERMISSION_DENIED")
    # Unprotected aliases still move.
    assert _ok(_put_alias(client, base, "free", 3))["version"] == 3
    assert _ok(client.get(f"{base}/aliases")) == {
        "items": [
            {"alias": "free", "version": 3, "protected": False},
            {"alias": "prod", "version": 1, "protected": True},
        ]
    }
    assert _moves(_history(client, base, "prod")) == [(None, 1)]
    # Deleting the version would delete the protected alias with it: the owner's call too.
    assert_error(client.delete(f"{base}/versions/1"), 403, "PERMISSION_DENIED")
    assert _version(client, base, "prod")["number"] == 1
    assert _moves(_history(client, base, "prod")) == [(None, 1)]
    # A version under an unprotected alias may go.
    assert client.delete(f"{base}/versions/3").status_code == 204
    assert _moves(_history(client, base, "free")) == [(None, 1), (1, 3), (3, None)]
    _set_policy(services, _Policy())
    assert _ok(_put_alias(client, base, "prod", 2))["protected"] is True
    assert client.delete(f"{base}/versions/2").status_code == 204
    assert _moves(_history(client, base, "prod")) == [(None, 1), (1, 2), (2, None)]


def test_deleting_a_model_with_a_protected_alias_needs_the_owner(
    guarded: tuple[TestClient, Services],
) -> None:
    client, services = guarded
    base = _model(client, versions=2)
    _ok(_put_alias(client, base, "prod", 1, protected=True))
    _ok(_put_alias(client, base, "free", 2))
    _ok(client.put(f"{base}/tags/team", json={"value": "risk"}))
    loose = _model(client, "loose", versions=1)
    _ok(_put_alias(client, loose, "free", 1))
    plain = _model(client, "plain", versions=1)
    elsewhere = _model(client, "m", workspace="team", versions=1)
    _ok(_put_alias(client, elsewhere, "prod", 1, protected=True))
    model = _ok(client.get(base))
    aliases = _ok(client.get(f"{base}/aliases"))
    _set_policy(services, _Policy((Action.OWNER, None)))
    # By name and by id: 403, and nothing is gone.
    assert_error(client.delete(base), 403, "PERMISSION_DENIED")
    assert_error(client.delete(f"{MODELS}/{model['id']}"), 403, "PERMISSION_DENIED")
    assert_error(client.delete(elsewhere), 403, "PERMISSION_DENIED")
    assert _ok(client.get(base)) == model
    assert (
        _ok(client.get(f"{base}/aliases"))
        == aliases
        == {
            "items": [
                {"alias": "free", "version": 2, "protected": False},
                {"alias": "prod", "version": 1, "protected": True},
            ]
        }
    )
    assert _ok(client.get(f"{base}/versions"))["total"] == 2
    assert _version(client, base, "prod")["number"] == 1
    assert _moves(_history(client, base, "prod")) == [(None, 1)]
    assert _moves(_history(client, base, "free")) == [(None, 2)]
    assert _ok(client.get(base))["tags"] == {"team": "risk"}
    assert _ok(client.get(elsewhere))["aliases"] == [{"alias": "prod", "version": 1}]
    # Models with only unprotected aliases, or none, need no more than write.
    assert client.delete(loose).status_code == 204
    assert_error(client.get(loose), 404, "NOT_FOUND")
    assert client.delete(plain).status_code == 204
    # The owner check is per workspace: denied in "team" only, the default's may go.
    _set_policy(services, _Policy((Action.OWNER, "team")))
    assert_error(client.delete(elsewhere), 403, "PERMISSION_DENIED")
    assert client.delete(base).status_code == 204
    assert_error(client.get(base), 404, "NOT_FOUND")
    # Without write, no model goes at all.
    _set_policy(services, _Policy((Action.WRITE, "team")))
    assert_error(client.delete(elsewhere), 403, "PERMISSION_DENIED")
    _set_policy(services, _Policy())
    assert client.delete(elsewhere).status_code == 204
    assert_error(client.get(elsewhere), 404, "NOT_FOUND")


def test_promotion_permissions(guarded: tuple[TestClient, Services]) -> None:
    client, services = guarded
    secret = _model(client, "m", workspace="secret", versions=1)
    src_id = _version(client, secret, 1)["id"]
    open_ = _model(client, "m", workspace="open", versions=1)
    open_id = _version(client, open_, 1)["id"]
    locked = _model(client, "m", workspace="locked")
    target = _model(client, "m", workspace="target")
    _set_policy(services, _Policy((Action.READ, "secret"), (Action.WRITE, "locked")))
    # A source the caller may not read is NOT_FOUND, by id and by FQN: names do not leak.
    for source in (src_id, "model:secret/m:1"):
        err = assert_error(_promote(client, target, source), 404, "NOT_FOUND")
        assert err["details"]["which"] == "source"
    # A target it may read but not write is PERMISSION_DENIED.
    err = assert_error(_promote(client, locked, open_id), 403, "PERMISSION_DENIED")
    assert err["details"]["which"] == "target"
    assert _ok(client.get(f"{locked}/versions"))["total"] == 0
    assert _ok(_promote(client, target, open_id), 201)["workspace"] == "target"
