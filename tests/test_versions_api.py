"""Model versions over HTTP: create (numbering, every field), get, patch, delete."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import assert_error

MODELS = "/api/v1/models"
BY_ID = "/api/v1/model-versions"
VERSION_KEYS = {
    "id",
    "model_id",
    "model_name",
    "workspace",
    "number",
    "name",
    "description",
    "source",
    "run_id",
    "run_link",
    "status",
    "status_message",
    "created_by",
    "created_at",
    "updated_at",
    "tags",
    "metrics",
    "params",
    "signature",
    "requirements",
    "config",
}

SIGNATURE = {
    "inputs": [
        {
            "name": "features",
            "required": True,
            "type": "dataframe",
            "format": "pandas",
            "columns": [
                {"name": "amount", "required": True, "dataType": {"type": "double"}},
                {"name": "country", "required": False, "dataType": {"type": "string"}},
                {
                    "name": "embedding",
                    "required": True,
                    "dataType": {"type": "tensor", "dtype": "float32", "shape": [-1, 128]},
                },
            ],
        }
    ],
    "outputs": [
        {"name": "score", "required": True, "type": "tensor", "format": "numpy"},
    ],
}

FULL_VERSION: dict[str, Any] = {
    "name": "gbm tuned-2.1_rc",
    "description": "Gradient boosting, tuned",
    "source": "s3://models/fraud/42/artifacts",
    "run_id": "run-42",
    "run_link": "https://mlflow.example/#/experiments/1/runs/42",
    "status": "PENDING_REGISTRATION",
    "status_message": "uploading artifacts",
    "tags": {"framework": "xgboost", "owner": "risk", "empty": ""},
    "metrics": [
        {"key": "auc", "value": 0.91, "step": 0, "timestamp": "2026-11-25T10:00:00.123Z"},
        {"key": "auc", "value": 0.93, "step": 1, "timestamp": "2026-11-25T10:05:00+00:00"},
        {"key": "loss", "value": -1.5e-3, "step": 7, "timestamp": "2026-11-25T12:00:00+02:00"},
    ],
    "params": {"max_depth": "6", "eta": "0.1", "objective": "binary:logistic"},
    "signature": SIGNATURE,
    "requirements": ["xgboost==2.0.3", "scikit-learn>=1.4,<2", "conda-forge::numpy=1.26"],
    "config": {
        "llm": {"base_model_type": "llama", "model_path": "/models/llama-3-8b"},
        "threshold": 0.5,
        "layers": [1, 2, {"deep": {"deeper": [True, False, None]}}],
        "unicode": "ünï ✓",
        "big": 9007199254740993,
    },
}


def _ts(value: str) -> datetime:
    assert value.endswith(("Z", "+00:00")), value
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _model(client: TestClient, name: str = "m") -> dict[str, Any]:
    r = client.post(MODELS, json={"name": name})
    assert r.status_code == 201, r.text
    out: dict[str, Any] = r.json()
    return out


def _create(client: TestClient, model: str = "m", **fields: Any) -> dict[str, Any]:
    r = client.post(f"{MODELS}/{model}/versions", json=fields)
    assert r.status_code == 201, r.text
    out: dict[str, Any] = r.json()
    return out


def _get(client: TestClient, number: int, model: str = "m") -> dict[str, Any]:
    r = client.get(f"{MODELS}/{model}/versions/{number}")
    assert r.status_code == 200, r.text
    out: dict[str, Any] = r.json()
    return out


def _patch(client: TestClient, number: int, body: dict[str, Any], model: str = "m") -> Any:
    r = client.patch(f"{MODELS}/{model}/versions/{number}", json=body)
    assert r.status_code == 200, r.text
    return r.json()


def _metrics(v: dict[str, Any]) -> list[tuple[str, float, int, datetime]]:
    return sorted((m["key"], m["value"], m["step"], _ts(m["timestamp"])) for m in v["metrics"])


def _expected_metrics(sent: list[dict[str, Any]]) -> list[tuple[str, float, int, datetime]]:
    return sorted(
        (m["key"], m["value"], m["step"], datetime.fromisoformat(m["timestamp"])) for m in sent
    )


# --- create ----------------------------------------------------------------------------------


def test_numbers_are_assigned_1_2_3(client: TestClient) -> None:
    m = _model(client)
    for expected in (1, 2, 3):
        r = client.post(f"{MODELS}/m/versions", json={})
        assert r.status_code == 201, r.text
        v = r.json()
        assert v["number"] == expected
        assert v["model_id"] == m["id"]
        assert v["model_name"] == "m"
        assert v["workspace"] == "default"


def test_numbers_are_per_model(client: TestClient) -> None:
    _model(client, "a")
    _model(client, "b")
    assert _create(client, "a")["number"] == 1
    assert _create(client, "a")["number"] == 2
    assert _create(client, "b")["number"] == 1
    assert _create(client, "a")["number"] == 3


def test_create_minimal_defaults(client: TestClient) -> None:
    _model(client)
    v = _create(client)
    assert set(v) >= VERSION_KEYS
    uuid.UUID(v["id"])
    assert v["status"] == "READY"
    for key in ("name", "description", "source", "run_id", "run_link", "status_message"):
        assert v[key] is None, key
    assert v["tags"] == {}
    assert v["metrics"] == []
    assert v["params"] == {}
    assert v["signature"] is None
    assert v["requirements"] == []
    assert v["config"] is None
    assert isinstance(v["created_by"], str)
    assert v["created_by"]
    assert _ts(v["created_at"]) == _ts(v["updated_at"])


def test_all_fields_round_trip(client: TestClient) -> None:
    _model(client)
    v = _create(client, **FULL_VERSION)
    assert v["number"] == 1
    for key in (
        "name",
        "description",
        "source",
        "run_id",
        "run_link",
        "status",
        "status_message",
        "tags",
        "params",
        "signature",
        "requirements",
        "config",
    ):
        assert v[key] == FULL_VERSION[key], key
    assert _metrics(v) == _expected_metrics(FULL_VERSION["metrics"])
    for m in v["metrics"]:
        assert set(m) == {"key", "value", "step", "timestamp"}
    # The same body comes back from every read path.
    by_number = _get(client, 1)
    by_id = client.get(f"{BY_ID}/{v['id']}").json()
    listed = client.get(f"{MODELS}/m/versions").json()["items"][0]
    assert by_number == v
    assert by_id == v
    assert listed == v
    # The big integer in config survives exactly (no float round trip).
    assert by_id["config"]["big"] == 9007199254740993


def test_metric_timestamps_are_returned_in_utc(client: TestClient) -> None:
    _model(client)
    v = _create(
        client,
        metrics=[{"key": "k", "value": 1.0, "step": 0, "timestamp": "2026-11-25T12:00:00+02:00"}],
    )
    ts = v["metrics"][0]["timestamp"]
    assert ts.endswith(("Z", "+00:00"))
    assert _ts(ts) == datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


def test_metric_defaults(client: TestClient) -> None:
    _model(client)
    before = datetime.now(UTC)
    v = _create(client, metrics=[{"key": "acc", "value": 1}])
    after = datetime.now(UTC)
    (m,) = v["metrics"]
    assert m["key"] == "acc"
    assert m["value"] == 1.0
    assert m["step"] == 0
    assert before - timedelta(seconds=1) <= _ts(m["timestamp"]) <= after + timedelta(seconds=1)


def test_signature_keeps_nested_type_details(client: TestClient) -> None:
    _model(client)
    sig = {
        "inputs": [
            {
                "type": "tensor",
                "tensor-spec": {"dtype": "float32", "shape": [-1, 28, 28]},
                "required": True,
            }
        ],
        "outputs": [],
    }
    v = _create(client, signature=sig)
    assert v["signature"]["inputs"][0]["tensor-spec"] == {"dtype": "float32", "shape": [-1, 28, 28]}
    assert v["signature"]["inputs"][0]["type"] == "tensor"


@pytest.mark.parametrize("status", ["PENDING_REGISTRATION", "READY", "FAILED_REGISTRATION"])
def test_status_on_create(client: TestClient, status: str) -> None:
    _model(client)
    v = _create(client, status=status, status_message=f"is {status}")
    assert v["status"] == status
    assert v["status_message"] == f"is {status}"
    assert _get(client, 1)["status"] == status


def test_create_under_unknown_model_is_not_found(client: TestClient) -> None:
    assert_error(client.post(f"{MODELS}/nope/versions", json={}), 404, "NOT_FOUND")


def test_create_by_model_id(client: TestClient) -> None:
    m = _model(client)
    r = client.post(f"{MODELS}/{m['id']}/versions", json={})
    assert r.status_code == 201, r.text
    assert r.json()["model_id"] == m["id"]
    assert _get(client, 1, m["id"])["id"] == r.json()["id"]


def test_version_name_rules(client: TestClient) -> None:
    _model(client)
    for good in ("a", "v1.2.3-rc_1", "with spaces", "x" * 64):
        assert _create(client, name=good)["name"] == good
    for bad in ("", "x" * 65, "slash/no", "ünï", "semi;colon", "tab\tno"):
        assert_error(
            client.post(f"{MODELS}/m/versions", json={"name": bad}), 400, "INVALID_ARGUMENT"
        )
    assert client.get(f"{MODELS}/m").json()["version_count"] == 4


# --- get -------------------------------------------------------------------------------------


def test_get_by_number_and_by_id(client: TestClient) -> None:
    _model(client)
    v1 = _create(client, description="one")
    v2 = _create(client, description="two")
    assert _get(client, 1) == v1
    assert _get(client, 2) == v2
    assert client.get(f"{BY_ID}/{v1['id']}").json() == v1
    assert client.get(f"{BY_ID}/{v2['id']}").json() == v2


def test_get_missing_version(client: TestClient) -> None:
    _model(client)
    _create(client)
    err = assert_error(client.get(f"{MODELS}/m/versions/2"), 404, "NOT_FOUND")
    assert "2" in err["message"]
    assert_error(client.get(f"{MODELS}/nope/versions/1"), 404, "NOT_FOUND")
    assert_error(client.get(f"{BY_ID}/{uuid.uuid4()}"), 404, "NOT_FOUND")


def test_bad_version_id_or_number(client: TestClient) -> None:
    _model(client)
    assert_error(client.get(f"{BY_ID}/not-a-uuid"), 400, "INVALID_ARGUMENT")
    for bad in ("0", "-1", "1.5", str(2**31), "v1", "latest!"):
        assert_error(client.get(f"{MODELS}/m/versions/{bad}"), 400, "INVALID_ARGUMENT")
    # A well-formed alias that does not exist is simply not found.
    assert_error(client.get(f"{MODELS}/m/versions/abc"), 404, "NOT_FOUND")


# --- patch -----------------------------------------------------------------------------------


def test_patch_description_status_and_message(client: TestClient) -> None:
    _model(client)
    v = _create(client, status="PENDING_REGISTRATION", description="old")
    time.sleep(0.002)
    out = _patch(
        client, 1, {"description": "new", "status": "READY", "status_message": "all uploaded"}
    )
    assert out["description"] == "new"
    assert out["status"] == "READY"
    assert out["status_message"] == "all uploaded"
    assert out["number"] == 1
    assert out["id"] == v["id"]
    assert out["created_at"] == v["created_at"]
    assert _ts(out["updated_at"]) > _ts(v["updated_at"])
    assert _get(client, 1) == out
    # Fields not sent stay; null clears.
    out2 = _patch(client, 1, {"status_message": None})
    assert out2["status_message"] is None
    assert out2["description"] == "new"
    assert out2["status"] == "READY"


def test_updated_at_advances_on_every_patch(client: TestClient) -> None:
    _model(client)
    v = _create(client)
    last = _ts(v["updated_at"])
    for i in range(3):
        time.sleep(0.002)
        out = _patch(client, 1, {"description": str(i)})
        now = _ts(out["updated_at"])
        assert now > last
        last = now
        assert out["created_at"] == v["created_at"]
        assert out["updated_at"].endswith(("Z", "+00:00"))


def test_patch_tags_merge(client: TestClient) -> None:
    _model(client)
    _create(client, tags={"keep": "1", "change": "old", "drop": "x"})
    out = _patch(client, 1, {"tags": {"change": "new", "drop": None, "add": "y"}})
    assert out["tags"] == {"keep": "1", "change": "new", "add": "y"}
    assert _get(client, 1)["tags"] == out["tags"]
    out = _patch(client, 1, {"tags": {"absent": None}})
    assert out["tags"] == {"keep": "1", "change": "new", "add": "y"}


def test_patch_params_merge(client: TestClient) -> None:
    _model(client)
    _create(client, params={"lr": "0.1", "depth": "6", "gone": "x"})
    out = _patch(client, 1, {"params": {"lr": "0.01", "gone": None, "epochs": "10"}})
    assert out["params"] == {"lr": "0.01", "depth": "6", "epochs": "10"}
    assert _get(client, 1)["params"] == out["params"]


def test_patch_metrics_are_appended(client: TestClient) -> None:
    _model(client)
    first = {"key": "auc", "value": 0.8, "step": 0, "timestamp": "2026-11-25T10:00:00+00:00"}
    _create(client, metrics=[first])
    more = [
        {"key": "auc", "value": 0.85, "step": 1, "timestamp": "2026-11-25T10:01:00+00:00"},
        {"key": "loss", "value": 0.3, "step": 1, "timestamp": "2026-11-25T10:01:00+00:00"},
    ]
    out = _patch(client, 1, {"metrics": more})
    assert _metrics(out) == _expected_metrics([first, *more])
    # Same key, step and timestamp: the value is overwritten, not duplicated.
    again = {**first, "value": 0.81}
    out = _patch(client, 1, {"metrics": [again]})
    assert _metrics(out) == _expected_metrics([again, *more])
    # Same instant written with another offset is the same point.
    shifted = {**first, "value": 0.82, "timestamp": "2026-11-25T11:00:00+01:00"}
    out = _patch(client, 1, {"metrics": [shifted]})
    assert _metrics(out) == _expected_metrics([{**first, "value": 0.82}, *more])
    # Same key and step at another time is another point.
    later = {**first, "value": 0.9, "timestamp": "2026-11-25T10:30:00+00:00"}
    out = _patch(client, 1, {"metrics": [later]})
    assert len(out["metrics"]) == 4
    assert _get(client, 1)["metrics"] == out["metrics"]


def test_patch_does_not_touch_unsent_fields(client: TestClient) -> None:
    _model(client)
    v = _create(client, **FULL_VERSION)
    out = _patch(client, 1, {"description": "only this"})
    for key in VERSION_KEYS - {"description", "updated_at"}:
        assert out[key] == v[key], key
    out = _patch(client, 1, {})
    assert out["description"] == "only this"
    assert out["metrics"] == v["metrics"]


@pytest.mark.parametrize(
    ("start", "target", "allowed"),
    [
        ("PENDING_REGISTRATION", "READY", True),
        ("PENDING_REGISTRATION", "FAILED_REGISTRATION", True),
        ("READY", "FAILED_REGISTRATION", True),
        ("READY", "READY", True),
        ("READY", "PENDING_REGISTRATION", False),
    ],
)
def test_status_transitions(client: TestClient, start: str, target: str, allowed: bool) -> None:
    _model(client)
    _create(client, status=start, description="before")
    r = client.patch(f"{MODELS}/m/versions/1", json={"status": target, "description": "after"})
    if allowed:
        assert r.status_code == 200, r.text
        assert r.json()["status"] == target
    else:
        err = assert_error(r, 409, "FAILED_PRECONDITION")
        assert "READY" in err["message"]
        after = _get(client, 1)
        assert after["status"] == start
        assert after["description"] == "before"


def test_ready_cannot_go_back_to_pending_after_a_pending_start(client: TestClient) -> None:
    _model(client)
    _create(client, status="PENDING_REGISTRATION")
    assert _patch(client, 1, {"status": "READY"})["status"] == "READY"
    assert_error(
        client.patch(f"{MODELS}/m/versions/1", json={"status": "PENDING_REGISTRATION"}),
        409,
        "FAILED_PRECONDITION",
    )


def test_patch_missing_version(client: TestClient) -> None:
    _model(client)
    assert_error(
        client.patch(f"{MODELS}/m/versions/1", json={"description": "x"}), 404, "NOT_FOUND"
    )
    assert_error(
        client.patch(f"{MODELS}/nope/versions/1", json={"description": "x"}), 404, "NOT_FOUND"
    )


# --- delete ----------------------------------------------------------------------------------


def test_delete_version(client: TestClient) -> None:
    _model(client)
    v1 = _create(client)
    v2 = _create(client, tags={"k": "v"}, metrics=[{"key": "a", "value": 1.0}], params={"p": "1"})
    r = client.delete(f"{MODELS}/m/versions/2")
    assert r.status_code == 204
    assert r.content == b""
    assert_error(client.get(f"{MODELS}/m/versions/2"), 404, "NOT_FOUND")
    assert_error(client.get(f"{BY_ID}/{v2['id']}"), 404, "NOT_FOUND")
    assert_error(client.delete(f"{MODELS}/m/versions/2"), 404, "NOT_FOUND")
    assert_error(
        client.patch(f"{MODELS}/m/versions/2", json={"description": "x"}), 404, "NOT_FOUND"
    )
    assert _get(client, 1) == v1
    listed = client.get(f"{MODELS}/m/versions").json()
    assert [v["number"] for v in listed["items"]] == [1]
    assert listed["total"] == 1


def test_numbers_never_reused_after_deleting_the_latest(client: TestClient) -> None:
    _model(client)
    for _ in range(3):
        _create(client)
    assert client.delete(f"{MODELS}/m/versions/3").status_code == 204
    assert _create(client)["number"] == 4
    assert client.delete(f"{MODELS}/m/versions/4").status_code == 204
    assert client.delete(f"{MODELS}/m/versions/2").status_code == 204
    assert _create(client)["number"] == 5
    # Even with every version gone.
    for n in (1, 5):
        assert client.delete(f"{MODELS}/m/versions/{n}").status_code == 204
    assert _create(client)["number"] == 6
    numbers = [v["number"] for v in client.get(f"{MODELS}/m/versions").json()["items"]]
    assert numbers == [6]


def test_delete_updates_the_model(client: TestClient) -> None:
    _model(client)
    _create(client)
    _create(client)
    before = client.get(f"{MODELS}/m").json()
    time.sleep(0.002)
    assert client.delete(f"{MODELS}/m/versions/2").status_code == 204
    after = client.get(f"{MODELS}/m").json()
    assert after["latest_version"] == 1
    assert after["version_count"] == 1
    assert _ts(after["updated_at"]) >= _ts(before["updated_at"])
