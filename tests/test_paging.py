"""Listing a model's versions: the page envelope, cursors, sorting, filters and hydrate."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import assert_error

MODELS = "/api/v1/models"
VERSIONS = f"{MODELS}/m/versions"
ENVELOPE = {"items", "total", "page", "size", "total_pages", "next_page_token"}
HEAVY = {"metrics", "params", "signature", "config"}
LIGHT = {
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
    "requirements",
    # lifecycle fields are light too: small, and what a deployment list needs
    "stage",
    "last_transition_at",
    "aliases",
    "fqn",
    "lineage",
}
SORT_KEYS = ("number", "name", "created", "updated")
# Display names with repeats (and some versions without one) so that the id tiebreak matters.
DISPLAY_NAMES = ["beta", "alpha", None, "beta", "gamma", "alpha", None, "beta", "Alpha", "beta"]


def _ts(value: str) -> datetime:
    assert value.endswith(("Z", "+00:00")), value
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _setup(client: TestClient, model: str = "m") -> None:
    r = client.post(MODELS, json={"name": model})
    assert r.status_code == 201, r.text


def _create(client: TestClient, model: str = "m", **fields: Any) -> dict[str, Any]:
    r = client.post(f"{MODELS}/{model}/versions", json=fields)
    assert r.status_code == 201, r.text
    out: dict[str, Any] = r.json()
    return out


def _list(client: TestClient, url: str = VERSIONS, **params: Any) -> dict[str, Any]:
    r = client.get(url, params=params)
    assert r.status_code == 200, r.text
    out: dict[str, Any] = r.json()
    assert set(out) == ENVELOPE
    return out


def _numbers(client: TestClient, **params: Any) -> list[int]:
    params.setdefault("size", 1000)
    return [v["number"] for v in _list(client, **params)["items"]]


def _walk(client: TestClient, url: str = VERSIONS, **params: Any) -> list[dict[str, Any]]:
    """Follow next_page_token from the first page until it runs out."""
    body = _list(client, url, **params)
    items = list(body["items"])
    size = params.get("size", 50)
    for _ in range(1000):
        token = body["next_page_token"]
        if token is None:
            return items
        body = _list(client, url, **params, page_token=token)
        assert len(body["items"]) <= size
        # Cursor pages carry no offset fields.
        assert body["page"] is None
        items += body["items"]
    raise AssertionError("cursor walk did not end")


def _sort_value(key: str) -> Callable[[dict[str, Any]], Any]:
    if key == "number":
        return lambda v: v["number"]
    if key == "name":
        return lambda v: v["name"] or ""
    if key == "created":
        return lambda v: _ts(v["created_at"])
    return lambda v: _ts(v["updated_at"])


@pytest.fixture
def many(client: TestClient) -> list[dict[str, Any]]:
    """Ten versions of model ``m`` with repeated display names and shuffled update times."""
    _setup(client)
    out = []
    for i, name in enumerate(DISPLAY_NAMES):
        body: dict[str, Any] = {"description": f"v{i + 1}"}
        if name is not None:
            body["name"] = name
        out.append(_create(client, **body))
    # Touch some versions so "updated" differs from "created".
    for n in (7, 2, 9, 4):
        r = client.patch(f"{VERSIONS}/{n}", json={"description": f"touched {n}"})
        assert r.status_code == 200, r.text
    return [client.get(f"{VERSIONS}/{v['number']}").json() for v in out]


# --- envelope and offset paging --------------------------------------------------------------


def test_page_and_size_envelope(client: TestClient) -> None:
    _setup(client)
    for _ in range(7):
        _create(client)
    body = _list(client, page=1, size=3)
    assert body["total"] == 7
    assert body["page"] == 1
    assert body["size"] == 3
    assert body["total_pages"] == 3
    assert [v["number"] for v in body["items"]] == [7, 6, 5]  # default: -number
    assert isinstance(body["next_page_token"], str)
    body = _list(client, page=2, size=3)
    assert [v["number"] for v in body["items"]] == [4, 3, 2]
    assert body["page"] == 2
    body = _list(client, page=3, size=3)
    assert [v["number"] for v in body["items"]] == [1]
    assert body["next_page_token"] is None
    assert body["total"] == 7


def test_defaults(client: TestClient) -> None:
    _setup(client)
    for _ in range(3):
        _create(client)
    body = _list(client)
    assert body["page"] == 1
    assert body["size"] == 50
    assert body["total"] == 3
    assert body["total_pages"] == 1
    assert body["next_page_token"] is None
    assert [v["number"] for v in body["items"]] == [3, 2, 1]


def test_empty_model(client: TestClient) -> None:
    _setup(client)
    body = _list(client)
    assert body["items"] == []
    assert body["total"] == 0
    assert body["total_pages"] == 0
    assert body["next_page_token"] is None


def test_page_beyond_the_end_is_empty(client: TestClient) -> None:
    _setup(client)
    for _ in range(3):
        _create(client)
    for page in (2, 3, 1000):
        body = _list(client, page=page, size=3)
        assert body["items"] == []
        assert body["total"] == 3
        assert body["page"] == page
        assert body["total_pages"] == 1
        assert body["next_page_token"] is None


def test_size_bounds(client: TestClient) -> None:
    _setup(client)
    _create(client)
    _create(client)
    for size in (0, -5, 1001, 10**9):
        err = assert_error(client.get(VERSIONS, params={"size": size}), 400, "INVALID_ARGUMENT")
        assert "size" in err["message"]
    for text in ("ten", "1.5", ""):
        assert_error(client.get(VERSIONS, params={"size": text}), 400, "INVALID_ARGUMENT")
    assert len(_list(client, size=1)["items"]) == 1
    assert _list(client, size=1000)["size"] == 1000


def test_page_bounds(client: TestClient) -> None:
    _setup(client)
    for page in (0, -1, "x"):
        assert_error(client.get(VERSIONS, params={"page": page}), 400, "INVALID_ARGUMENT")


def test_page_and_page_token_together(client: TestClient) -> None:
    _setup(client)
    for _ in range(3):
        _create(client)
    token = _list(client, size=1)["next_page_token"]
    assert token
    err = assert_error(
        client.get(VERSIONS, params={"size": 1, "page": 1, "page_token": token}),
        400,
        "INVALID_ARGUMENT",
    )
    assert err["details"].get("field") == "page_token"


def test_offset_pages_cover_everything(client: TestClient, many: list[dict[str, Any]]) -> None:
    seen: list[int] = []
    for page in range(1, 5):
        seen += _numbers(client, page=page, size=3, sort_by="name")
    assert sorted(seen) == list(range(1, 11))


def test_unknown_model_or_workspace(client: TestClient) -> None:
    assert_error(client.get(f"{MODELS}/nope/versions"), 404, "NOT_FOUND")
    assert_error(client.get("/api/v1/workspaces/nope/models/m/versions"), 404, "NOT_FOUND")


# --- cursor paging ---------------------------------------------------------------------------


@pytest.mark.parametrize("key", SORT_KEYS)
@pytest.mark.parametrize("direction", ["asc", "desc"])
def test_cursor_walk_visits_every_version_once(
    client: TestClient, many: list[dict[str, Any]], key: str, direction: str
) -> None:
    spellings = [key, f"asc:{key}"] if direction == "asc" else [f"-{key}", f"desc:{key}"]
    desc = direction == "desc"
    ids = {v["id"] for v in many}
    full = _list(client, sort_by=spellings[0], size=1000)["items"]
    assert {v["id"] for v in full} == ids
    # The whole order is by key, then id, in the one direction.
    expected = sorted(full, key=lambda v: (_sort_value(key)(v), v["id"]), reverse=desc)
    assert [v["id"] for v in full] == [v["id"] for v in expected]
    for sort_by in spellings:
        for size in (1, 3, 4, 10):
            walked = _walk(client, sort_by=sort_by, size=size)
            assert [v["id"] for v in walked] == [v["id"] for v in full], (sort_by, size)


def test_cursor_walk_with_a_filter(client: TestClient, many: list[dict[str, Any]]) -> None:
    beta = [v["id"] for v in many if v["name"] == "beta"]
    walked = _walk(client, sort_by="name", size=1, name="beta")
    assert sorted(v["id"] for v in walked) == sorted(beta)
    walked = _walk(client, sort_by="-number", size=2, name="ALPHA")
    assert [v["number"] for v in walked] == [9, 6, 2]


def test_cursor_pages_skip_the_total_unless_asked(client: TestClient) -> None:
    _setup(client)
    for _ in range(5):
        _create(client)
    first = _list(client, size=2)
    assert first["total"] == 5
    second = _list(client, size=2, page_token=first["next_page_token"])
    assert [v["number"] for v in second["items"]] == [3, 2]
    assert second["size"] == 2
    with_total = _list(client, size=2, page_token=first["next_page_token"], include_total="true")
    assert with_total["total"] == 5
    assert with_total["items"] == second["items"]


def test_cursor_survives_inserts_and_deletes(client: TestClient) -> None:
    _setup(client)
    for _ in range(6):
        _create(client)
    first = _list(client, sort_by="number", size=2)
    assert [v["number"] for v in first["items"]] == [1, 2]
    # Changes behind and ahead of the cursor: no skips, no repeats of rows already served.
    assert client.delete(f"{VERSIONS}/1").status_code == 204
    assert client.delete(f"{VERSIONS}/4").status_code == 204
    _create(client)
    rest = _walk_from(client, first["next_page_token"], sort_by="number", size=2)
    assert [v["number"] for v in rest] == [3, 5, 6, 7]


def _walk_from(client: TestClient, token: str, **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    next_token: str | None = token
    while next_token:
        body = _list(client, **params, page_token=next_token)
        items += body["items"]
        next_token = body["next_page_token"]
    return items


def test_token_bound_to_sort(client: TestClient, many: list[dict[str, Any]]) -> None:
    token = _list(client, sort_by="name", size=2)["next_page_token"]
    assert _list(client, sort_by="name", size=2, page_token=token)["items"]
    for other in ("-name", "desc:name", "number", "created", "-updated"):
        err = assert_error(
            client.get(VERSIONS, params={"sort_by": other, "size": 2, "page_token": token}),
            400,
            "INVALID_ARGUMENT",
        )
        assert err["details"].get("field") == "page_token"


def test_token_bound_to_filters(client: TestClient, many: list[dict[str, Any]]) -> None:
    base: dict[str, Any] = {"sort_by": "number", "size": 2, "name": "beta"}
    token = _list(client, **base)["next_page_token"]
    assert token
    assert _list(client, **base, page_token=token)["items"]
    changes: list[dict[str, Any]] = [
        {"name": "alpha"},
        {"name": None},
        {"status": "READY"},
        {"number": 4},
        {"run_id": "r"},
        {"tag": "k=v"},
        {"created_after": "2000-01-01T00:00:00Z"},
        {"created_before": "2100-01-01T00:00:00Z"},
    ]
    for change in changes:
        params = {**base, **change, "page_token": token}
        params = {k: v for k, v in params.items() if v is not None}
        assert_error(client.get(VERSIONS, params=params), 400, "INVALID_ARGUMENT")


def test_token_bound_to_model(client: TestClient) -> None:
    _setup(client, "m")
    _setup(client, "other")
    for model in ("m", "other"):
        for _ in range(3):
            _create(client, model)
    token = _list(client, size=1)["next_page_token"]
    assert_error(
        client.get(f"{MODELS}/other/versions", params={"size": 1, "page_token": token}),
        400,
        "INVALID_ARGUMENT",
    )
    # A model-list token is no version-list token either.
    r = client.get(MODELS, params={"size": 1})
    model_token = r.json()["next_page_token"]
    assert model_token
    assert_error(
        client.get(VERSIONS, params={"size": 1, "page_token": model_token}),
        400,
        "INVALID_ARGUMENT",
    )


def test_tampered_token(client: TestClient) -> None:
    _setup(client)
    for _ in range(4):
        _create(client)
    token = _list(client, size=1)["next_page_token"]
    body, _, mac = token.partition(".")
    flipped = "B" if body[3] == "A" else "A"
    tampered = [
        body[:3] + flipped + body[4:] + "." + mac,
        body + "." + mac[::-1],
        body + ".",
        body,
        "." + mac,
        "",
        "garbage",
        "not.base64!!",
        token + "x",
        "x" + token,
        token.replace(".", ".."),
        "é" * 10,
        token[:-1] + "é",
    ]
    for bad in tampered:
        if bad == token:
            continue
        err = assert_error(
            client.get(VERSIONS, params={"size": 1, "page_token": bad}), 400, "INVALID_ARGUMENT"
        )
        assert err["details"].get("field") == "page_token", bad
    # The genuine one still works.
    assert _list(client, size=1, page_token=token)["items"]


# --- sorting ---------------------------------------------------------------------------------


def test_sort_spellings(client: TestClient, many: list[dict[str, Any]]) -> None:
    asc = list(range(1, 11))
    assert _numbers(client, sort_by="number") == asc
    assert _numbers(client, sort_by="asc:number") == asc
    assert _numbers(client, sort_by="-number") == asc[::-1]
    assert _numbers(client, sort_by="desc:number") == asc[::-1]
    assert _numbers(client) == asc[::-1]
    assert _numbers(client, sort_by="created") == asc
    assert _numbers(client, sort_by="-created") == asc[::-1]
    # Touched 7, 2, 9, 4 in that order after creating all ten.
    assert _numbers(client, sort_by="updated") == [1, 3, 5, 6, 8, 10, 7, 2, 9, 4]
    assert _numbers(client, sort_by="-updated") == [4, 9, 2, 7, 10, 8, 6, 5, 3, 1]


def test_sort_by_name_ties_end_on_id(client: TestClient, many: list[dict[str, Any]]) -> None:
    items = _list(client, sort_by="name", size=1000)["items"]
    names = [v["name"] for v in items]
    # Unnamed versions sort as the empty name, first ascending.
    assert names[:2] == [None, None]
    by_name: dict[str | None, list[str]] = {}
    for v in items:
        by_name.setdefault(v["name"], []).append(v["id"])
    for ids in by_name.values():
        assert ids == sorted(ids)
    desc = _list(client, sort_by="-name", size=1000)["items"]
    assert [v["id"] for v in desc] == [v["id"] for v in items][::-1]


def test_unknown_sort_key(client: TestClient) -> None:
    _setup(client)
    for bad in ("bogus", "-bogus", "asc:bogus", "up:number", "metrics.auc", "", "--number"):
        err = assert_error(client.get(VERSIONS, params={"sort_by": bad}), 400, "INVALID_ARGUMENT")
        assert err["details"].get("field") == "sort_by", bad


# --- filters ---------------------------------------------------------------------------------


def test_filter_number(client: TestClient, many: list[dict[str, Any]]) -> None:
    assert _numbers(client, number=3) == [3]
    assert _numbers(client, number=11) == []
    body = _list(client, number=3)
    assert body["total"] == 1
    assert_error(client.get(VERSIONS, params={"number": 0}), 400, "INVALID_ARGUMENT")
    assert_error(client.get(VERSIONS, params={"number": "x"}), 400, "INVALID_ARGUMENT")


def test_filter_status(client: TestClient) -> None:
    _setup(client)
    _create(client)
    _create(client, status="PENDING_REGISTRATION")
    _create(client, status="FAILED_REGISTRATION")
    _create(client, status="PENDING_REGISTRATION")
    assert _numbers(client, status="READY") == [1]
    assert _numbers(client, status="PENDING_REGISTRATION") == [4, 2]
    assert _numbers(client, status="FAILED_REGISTRATION") == [3]
    r = client.patch(f"{VERSIONS}/2", json={"status": "READY"})
    assert r.status_code == 200, r.text
    assert _numbers(client, status="READY") == [2, 1]
    assert _list(client, status="PENDING_REGISTRATION")["total"] == 1
    assert_error(client.get(VERSIONS, params={"status": "DONE"}), 400, "INVALID_ARGUMENT")


def test_filter_name_contains(client: TestClient, many: list[dict[str, Any]]) -> None:
    assert _numbers(client, name="alpha", sort_by="number") == [2, 6, 9]
    assert _numbers(client, name="ALPHA", sort_by="number") == [2, 6, 9]
    assert _numbers(client, name="lph", sort_by="number") == [2, 6, 9]
    assert _numbers(client, name="a", sort_by="number") == [1, 2, 4, 5, 6, 8, 9, 10]
    assert _numbers(client, name="delta") == []
    assert _list(client, name="beta")["total"] == 4


def test_filter_name_wildcards_are_literal(client: TestClient) -> None:
    _setup(client)
    _create(client, name="a_b")
    _create(client, name="axb")
    _create(client, name="a.b")
    assert _numbers(client, name="_") == [1]
    assert _numbers(client, name="a_b") == [1]
    assert _numbers(client, name="%") == []
    assert _numbers(client, name="a%b") == []
    assert _numbers(client, name=".") == [3]


def test_filter_run_id(client: TestClient) -> None:
    _setup(client)
    _create(client, run_id="run-1")
    _create(client, run_id="run-2")
    _create(client, run_id="run-1")
    _create(client)
    assert _numbers(client, run_id="run-1") == [3, 1]
    assert _numbers(client, run_id="run-2") == [2]
    # Exact match, not contains.
    assert _numbers(client, run_id="run") == []
    assert _numbers(client, run_id="RUN-1") == []


def test_filter_tags_repeatable_and_anded(client: TestClient) -> None:
    _setup(client)
    _create(client, tags={"env": "prod", "team": "risk"})
    _create(client, tags={"env": "prod", "team": "growth"})
    _create(client, tags={"env": "dev", "team": "risk"})
    _create(client, tags={"expr": "a=b", "empty": ""})
    _create(client)
    assert _numbers(client, tag="env=prod") == [2, 1]
    assert _numbers(client, tag="team=risk") == [3, 1]
    assert _numbers(client, tag=["env=prod", "team=risk"]) == [1]
    assert _numbers(client, tag=["env=dev", "team=growth"]) == []
    assert _numbers(client, tag="env=PROD") == []
    assert _numbers(client, tag="expr=a=b") == [4]
    assert _numbers(client, tag="empty=") == [4]
    assert _list(client, tag=["env=prod", "team=risk"])["total"] == 1
    # Tags changed by PATCH are what the filter sees.
    r = client.patch(f"{VERSIONS}/2", json={"tags": {"env": None, "team": "risk"}})
    assert r.status_code == 200, r.text
    assert _numbers(client, tag="env=prod") == [1]
    assert _numbers(client, tag="team=risk") == [3, 2, 1]
    for bad in ("novalue", "=v"):
        assert_error(client.get(VERSIONS, params={"tag": bad}), 400, "INVALID_ARGUMENT")


def test_filter_created_after_and_before(client: TestClient) -> None:
    _setup(client)
    vs = []
    for _ in range(4):
        vs.append(_create(client))
        time.sleep(0.01)
    t = [v["created_at"] for v in vs]
    assert _numbers(client, created_after=t[1], sort_by="number") == [3, 4]
    assert _numbers(client, created_before=t[2], sort_by="number") == [1, 2]
    assert _numbers(client, created_after=t[0], created_before=t[3], sort_by="number") == [2, 3]
    assert _numbers(client, created_after=t[3]) == []
    assert _list(client, created_after=t[0])["total"] == 3
    # Any offset names the same instant.
    plus_five = (_ts(t[1]) + timedelta(hours=5)).replace(tzinfo=None).isoformat() + "+05:00"
    assert _numbers(client, created_after=plus_five, sort_by="number") == [3, 4]
    naive = _ts(t[1]).replace(tzinfo=None).isoformat()
    assert_error(client.get(VERSIONS, params={"created_after": naive}), 400, "INVALID_ARGUMENT")
    assert_error(
        client.get(VERSIONS, params={"created_before": "yesterday"}), 400, "INVALID_ARGUMENT"
    )


def test_filters_combine(client: TestClient) -> None:
    _setup(client)
    _create(client, name="prod-a", run_id="r1", tags={"env": "prod"})
    _create(client, name="prod-b", run_id="r1", tags={"env": "dev"}, status="FAILED_REGISTRATION")
    _create(client, name="prod-c", run_id="r2", tags={"env": "prod"})
    _create(client, name="test", run_id="r1", tags={"env": "prod"})
    assert _numbers(client, name="prod", run_id="r1") == [2, 1]
    assert _numbers(client, name="prod", run_id="r1", tag="env=prod") == [1]
    assert _numbers(client, name="prod", status="READY", sort_by="number") == [1, 3]
    assert _numbers(client, run_id="r1", number=4) == [4]
    assert _numbers(client, run_id="r2", number=4) == []


# --- hydrate ---------------------------------------------------------------------------------


def _heavy_version(client: TestClient) -> dict[str, Any]:
    return _create(
        client,
        name="heavy",
        tags={"k": "v"},
        metrics=[{"key": "auc", "value": 0.9, "step": 1, "timestamp": "2026-11-25T10:00:00Z"}],
        params={"p": "1"},
        signature={"inputs": [{"name": "x", "type": "tensor"}], "outputs": []},
        requirements=["numpy==2.0"],
        config={"llm": {"base_model_type": "llama", "model_path": "/m"}},
    )


def test_hydrate_false_leaves_out_heavy_fields(client: TestClient) -> None:
    _setup(client)
    full = _heavy_version(client)
    _create(client)
    items = _list(client, hydrate="false")["items"]
    assert len(items) == 2
    for item in items:
        assert set(item) == LIGHT
        assert HEAVY.isdisjoint(item)
    light = next(v for v in items if v["number"] == 1)
    assert light == {k: full[k] for k in LIGHT}
    # Tags and requirements belong to the light body.
    assert light["tags"] == {"k": "v"}
    assert light["requirements"] == ["numpy==2.0"]


def test_hydrate_true_includes_heavy_fields(client: TestClient) -> None:
    _setup(client)
    full = _heavy_version(client)
    _create(client)
    for params in ({}, {"hydrate": "true"}):
        items = _list(client, **params)["items"]
        for item in items:
            assert set(item) >= LIGHT | HEAVY
        heavy = next(v for v in items if v["number"] == 1)
        assert heavy == full
        empty = next(v for v in items if v["number"] == 2)
        assert empty["metrics"] == []
        assert empty["params"] == {}
        assert empty["signature"] is None
        assert empty["config"] is None


def test_hydrate_false_with_cursor(client: TestClient) -> None:
    _setup(client)
    for _ in range(3):
        _heavy_version(client)
    walked = _walk(client, size=1, hydrate="false")
    assert [v["number"] for v in walked] == [3, 2, 1]
    for v in walked:
        assert HEAVY.isdisjoint(v)


def test_hydrate_rejects_non_booleans(client: TestClient) -> None:
    _setup(client)
    assert_error(client.get(VERSIONS, params={"hydrate": "maybe"}), 400, "INVALID_ARGUMENT")


# --- the same listing under a named workspace ------------------------------------------------


def test_listing_in_a_named_workspace(client: TestClient) -> None:
    r = client.post("/api/v1/workspaces", json={"name": "team"})
    assert r.status_code == 201, r.text
    base = "/api/v1/workspaces/team/models"
    assert client.post(base, json={"name": "m"}).status_code == 201
    for i in range(5):
        r = client.post(f"{base}/m/versions", json={"tags": {"i": str(i % 2)}})
        assert r.status_code == 201, r.text
    url = f"{base}/m/versions"
    body = _list(client, url, page=2, size=2, sort_by="number")
    assert [v["number"] for v in body["items"]] == [3, 4]
    assert body["total"] == 5
    walked = _walk(client, url, size=2, sort_by="-number", tag="i=0")
    assert [v["number"] for v in walked] == [5, 3, 1]
    assert all(v["workspace"] == "team" for v in walked)
    # The default workspace has no model m.
    assert_error(client.get(VERSIONS), 404, "NOT_FOUND")
