"""Registered models over HTTP: create, get, list (paging, sorting, filters), patch,
rename, delete, and the version aggregates a model shows."""

from __future__ import annotations

import time
import uuid
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from tests.conftest import assert_error

MODELS = "/api/v1/models"
CARD_KEYS = {"license", "audience", "use_cases", "limitations", "trade_offs", "ethics"}
MODEL_KEYS = {
    "id",
    "workspace",
    "name",
    "description",
    "card",
    "tags",
    "latest_version",
    "version_count",
    "created_by",
    "created_at",
    "updated_at",
}
FULL_CARD = {
    "license": "Apache-2.0",
    "audience": "fraud analysts",
    "use_cases": "scoring card transactions",
    "limitations": "EU data only",
    "trade_offs": "recall over precision",
    "ethics": "no protected attributes",
}


def _ts(value: str) -> datetime:
    assert value.endswith(("Z", "+00:00")), value
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _create(client: TestClient, name: str, **fields: Any) -> dict[str, Any]:
    r = client.post(MODELS, json={"name": name, **fields})
    assert r.status_code == 201, r.text
    out: dict[str, Any] = r.json()
    return out


def _version(client: TestClient, model: str, **fields: Any) -> dict[str, Any]:
    r = client.post(f"{MODELS}/{model}/versions", json=fields)
    assert r.status_code == 201, r.text
    out: dict[str, Any] = r.json()
    return out


def _get(client: TestClient, model: str) -> dict[str, Any]:
    r = client.get(f"{MODELS}/{quote(model, safe='')}")
    assert r.status_code == 200, r.text
    out: dict[str, Any] = r.json()
    return out


def _patch(client: TestClient, model: str, body: dict[str, Any]) -> dict[str, Any]:
    r = client.patch(f"{MODELS}/{quote(model, safe='')}", json=body)
    assert r.status_code == 200, r.text
    out: dict[str, Any] = r.json()
    return out


def _list(client: TestClient, **params: Any) -> dict[str, Any]:
    r = client.get(MODELS, params=params)
    assert r.status_code == 200, r.text
    out: dict[str, Any] = r.json()
    return out


def _names(client: TestClient, **params: Any) -> list[str]:
    params.setdefault("size", 1000)
    return [m["name"] for m in _list(client, **params)["items"]]


def _walk(client: TestClient, **params: Any) -> list[str]:
    """Every model name, following next_page_token from the first page to the last."""
    body = _list(client, **params)
    seen = [m["name"] for m in body["items"]]
    pages = 1
    while body["next_page_token"]:
        body = _list(client, **params, page_token=body["next_page_token"])
        seen += [m["name"] for m in body["items"]]
        pages += 1
        assert pages < 100
    return seen


# --- create and get --------------------------------------------------------------------------


def test_create_shape_and_defaults(client: TestClient) -> None:
    r = client.post(MODELS, json={"name": "fraud"})
    assert r.status_code == 201, r.text
    m = r.json()
    assert set(m) >= MODEL_KEYS
    uuid.UUID(m["id"])
    assert m["workspace"] == "default"
    assert m["name"] == "fraud"
    assert m["description"] is None
    assert m["card"] == dict.fromkeys(CARD_KEYS)
    assert m["tags"] == {}
    assert m["latest_version"] is None
    assert m["version_count"] == 0
    assert isinstance(m["created_by"], str)
    assert m["created_by"]
    assert _ts(m["created_at"]) == _ts(m["updated_at"])


def test_create_with_card_and_tags_round_trips(client: TestClient) -> None:
    m = _create(
        client,
        "fraud",
        description="Card fraud scorer",
        card=FULL_CARD,
        tags={"team": "risk", "tier": "1", "empty": ""},
    )
    assert m["description"] == "Card fraud scorer"
    assert m["card"] == FULL_CARD
    assert m["tags"] == {"team": "risk", "tier": "1", "empty": ""}
    assert _get(client, "fraud") == m
    assert _get(client, m["id"]) == m


def test_partial_card_shows_all_six_keys(client: TestClient) -> None:
    m = _create(client, "partial", card={"license": "MIT", "ethics": "reviewed"})
    assert set(m["card"]) == CARD_KEYS
    assert m["card"] == {**dict.fromkeys(CARD_KEYS), "license": "MIT", "ethics": "reviewed"}
    assert _get(client, "partial")["card"] == m["card"]
    assert _list(client)["items"][0]["card"] == m["card"]


def test_card_fields_are_not_top_level(client: TestClient) -> None:
    assert_error(client.post(MODELS, json={"name": "x", "license": "MIT"}), 400, "INVALID_ARGUMENT")
    assert_error(
        client.post(MODELS, json={"name": "x", "card": {"licence": "MIT"}}), 400, "INVALID_ARGUMENT"
    )
    assert _list(client)["items"] == []


def test_duplicate_name_is_already_exists(client: TestClient) -> None:
    first = _create(client, "dup", description="first")
    err = assert_error(
        client.post(MODELS, json={"name": "dup", "description": "second"}), 409, "ALREADY_EXISTS"
    )
    assert "dup" in err["message"]
    assert _get(client, "dup") == first
    assert _list(client)["total"] == 1


def test_unicode_and_punctuation_names(client: TestClient) -> None:
    names = ["Größe Modell", "модель", "a.b-c_d (v2)!", "名前", "x:y@z#1", "50%?&=+"]
    for name in names:
        m = _create(client, name)
        assert m["name"] == name
        assert _get(client, name)["id"] == m["id"]
    assert sorted(_names(client)) == sorted(names)


def test_get_unknown_is_not_found(client: TestClient) -> None:
    err = assert_error(client.get(f"{MODELS}/nope"), 404, "NOT_FOUND")
    assert "nope" in err["message"]
    assert_error(client.get(f"{MODELS}/{uuid.uuid4()}"), 404, "NOT_FOUND")


def test_get_by_id_is_tried_first(client: TestClient) -> None:
    a = _create(client, "a")
    # A model whose *name* is the other's id: the id wins.
    b = _create(client, a["id"])
    assert _get(client, a["id"])["id"] == a["id"]
    # An id-shaped name that matches no id falls back to the name.
    c = _create(client, str(uuid.uuid4()))
    assert _get(client, c["name"])["id"] == c["id"]
    assert b["name"] == a["id"]


def test_timestamps_are_utc_with_offset(client: TestClient) -> None:
    before = datetime.now().astimezone()
    m = _create(client, "ts")
    after = datetime.now().astimezone()
    for key in ("created_at", "updated_at"):
        t = _ts(m[key])
        assert t.utcoffset() == timedelta(0)
        assert before - timedelta(seconds=5) <= t <= after + timedelta(seconds=5)


# --- list: envelope and paging ---------------------------------------------------------------


def test_list_envelope(client: TestClient) -> None:
    for i in range(5):
        _create(client, f"m{i}")
    body = _list(client, page=1, size=2)
    assert set(body) == {"items", "total", "page", "size", "total_pages", "next_page_token"}
    assert body["total"] == 5
    assert body["page"] == 1
    assert body["size"] == 2
    assert body["total_pages"] == 3
    assert [m["name"] for m in body["items"]] == ["m0", "m1"]
    assert isinstance(body["next_page_token"], str)
    for item in body["items"]:
        assert set(item) >= MODEL_KEYS
    body = _list(client, page=3, size=2)
    assert [m["name"] for m in body["items"]] == ["m4"]
    assert body["next_page_token"] is None
    body = _list(client, page=4, size=2)
    assert body["items"] == []
    assert body["total"] == 5
    assert body["next_page_token"] is None


def test_list_defaults(client: TestClient) -> None:
    body = _list(client)
    assert body["items"] == []
    assert body["total"] == 0
    assert body["page"] == 1
    assert body["size"] == 50
    assert body["total_pages"] == 0
    assert body["next_page_token"] is None


def test_list_size_bounds_and_paging_exclusivity(client: TestClient) -> None:
    _create(client, "a")
    _create(client, "b")
    for size in (0, -1, 1001):
        assert_error(client.get(MODELS, params={"size": size}), 400, "INVALID_ARGUMENT")
    assert len(_list(client, size=1000)["items"]) == 2
    assert len(_list(client, size=1)["items"]) == 1
    assert_error(client.get(MODELS, params={"page": 0}), 400, "INVALID_ARGUMENT")
    token = _list(client, size=1)["next_page_token"]
    err = assert_error(
        client.get(MODELS, params={"size": 1, "page": 2, "page_token": token}),
        400,
        "INVALID_ARGUMENT",
    )
    assert err["details"].get("field") == "page_token"


@pytest.mark.parametrize("sort_by", ["name", "-name", "created", "-created", "updated", "-updated"])
def test_cursor_walk_visits_every_model_once(client: TestClient, sort_by: str) -> None:
    names = [f"model-{i:02d}" for i in range(11)]
    for n in names:
        _create(client, n)
    # Shuffle the update order away from the creation order.
    for n in names[::3]:
        _patch(client, n, {"description": "touched"})
    full = _names(client, sort_by=sort_by)
    assert sorted(full) == names
    assert _walk(client, sort_by=sort_by, size=3) == full
    assert _walk(client, sort_by=sort_by, size=1) == full


def test_cursor_token_is_bound_to_sort_and_filter(client: TestClient) -> None:
    for i in range(4):
        _create(client, f"m{i}", tags={"k": "v"})
    token = _list(client, size=1, sort_by="name")["next_page_token"]
    assert _list(client, size=1, sort_by="name", page_token=token)["items"][0]["name"] == "m1"
    assert_error(
        client.get(MODELS, params={"size": 1, "sort_by": "-name", "page_token": token}),
        400,
        "INVALID_ARGUMENT",
    )
    assert_error(
        client.get(MODELS, params={"size": 1, "name": "m", "page_token": token}),
        400,
        "INVALID_ARGUMENT",
    )
    assert_error(
        client.get(MODELS, params={"size": 1, "tag": "k=v", "page_token": token}),
        400,
        "INVALID_ARGUMENT",
    )
    assert_error(
        client.get(MODELS, params={"size": 1, "page_token": token[:-2] + "xx"}),
        400,
        "INVALID_ARGUMENT",
    )


# --- list: sorting ---------------------------------------------------------------------------


def test_sort_by_name_all_spellings(client: TestClient) -> None:
    for n in ("charlie", "alpha", "bravo"):
        _create(client, n)
    asc, desc = ["alpha", "bravo", "charlie"], ["charlie", "bravo", "alpha"]
    assert _names(client) == asc  # default: name ascending
    assert _names(client, sort_by="name") == asc
    assert _names(client, sort_by="asc:name") == asc
    assert _names(client, sort_by="-name") == desc
    assert _names(client, sort_by="desc:name") == desc


def test_sort_by_created_and_updated(client: TestClient) -> None:
    for n in ("b", "c", "a"):
        _create(client, n)
    created = ["b", "c", "a"]
    for spelling in ("created", "asc:created"):
        assert _names(client, sort_by=spelling) == created
    for spelling in ("-created", "desc:created"):
        assert _names(client, sort_by=spelling) == created[::-1]
    _patch(client, "b", {"description": "now newest"})
    assert _names(client, sort_by="updated") == ["c", "a", "b"]
    assert _names(client, sort_by="-updated") == ["b", "a", "c"]
    assert _names(client, sort_by="desc:updated") == ["b", "a", "c"]
    # A new version counts as an update of the model.
    _version(client, "c")
    assert _names(client, sort_by="-updated")[0] == "c"


def test_unknown_sort_key_is_invalid_argument(client: TestClient) -> None:
    for bad in ("number", "-number", "bogus", "sideways:name", "desc:"):
        err = assert_error(client.get(MODELS, params={"sort_by": bad}), 400, "INVALID_ARGUMENT")
        assert err["details"].get("field") == "sort_by"


# --- list: filters ---------------------------------------------------------------------------


def test_name_filter_is_case_insensitive_contains(client: TestClient) -> None:
    for n in ("FraudScorer", "fraud-lite", "churn", "antifraud"):
        _create(client, n)
    assert _names(client, name="fraud") == ["FraudScorer", "antifraud", "fraud-lite"]
    assert _names(client, name="FRAUD") == ["FraudScorer", "antifraud", "fraud-lite"]
    assert _names(client, name="SCORER") == ["FraudScorer"]
    assert _names(client, name="urn") == ["churn"]
    assert _names(client, name="zzz") == []
    body = _list(client, name="fraud")
    assert body["total"] == 3


def test_name_filter_unicode_case_insensitive(client: TestClient) -> None:
    _create(client, "École model")
    _create(client, "other")
    assert _names(client, name="école") == ["École model"]
    assert _names(client, name="ÉCOLE") == ["École model"]


def test_name_filter_matches_wildcards_literally(client: TestClient) -> None:
    for n in ("100% sure", "100 sure", "a_b", "axb", "aXb", "plain"):
        _create(client, n)
    assert _names(client, name="%") == ["100% sure"]
    assert _names(client, name="0%") == ["100% sure"]
    assert _names(client, name="_") == ["a_b"]
    assert _names(client, name="A_B") == ["a_b"]
    assert _names(client, name="a%b") == []
    # The SQL escape character itself is also literal.
    assert _names(client, name="/") == []


def test_tag_filter(client: TestClient) -> None:
    _create(client, "a", tags={"team": "risk", "env": "prod"})
    _create(client, "b", tags={"team": "risk", "env": "dev"})
    _create(client, "c", tags={"team": "growth"})
    _create(client, "d")
    assert _names(client, tag="team=risk") == ["a", "b"]
    assert _names(client, tag=["team=risk", "env=prod"]) == ["a"]
    assert _names(client, tag=["team=growth", "env=prod"]) == []
    assert _names(client, tag="env=qa") == []
    # Values may contain '='; only the first one separates key from value.
    _create(client, "e", tags={"expr": "a=b"})
    assert _names(client, tag="expr=a=b") == ["e"]
    assert_error(client.get(MODELS, params={"tag": "novalue"}), 400, "INVALID_ARGUMENT")


def test_created_after_and_before(client: TestClient) -> None:
    first = _create(client, "first")
    time.sleep(0.01)
    second = _create(client, "second")
    time.sleep(0.01)
    third = _create(client, "third")
    t1, t2, t3 = (m["created_at"] for m in (first, second, third))
    assert _names(client, created_after=t1) == ["second", "third"]
    assert _names(client, created_before=t3) == ["first", "second"]
    assert _names(client, created_after=t1, created_before=t3) == ["second"]
    assert _names(client, created_after=t3) == []
    # Other offsets mean the same instant.
    shifted = _ts(t2).astimezone(datetime.now().astimezone().tzinfo).isoformat()
    assert _names(client, created_after=shifted) == ["third"]
    plus_two = (_ts(t2) + timedelta(hours=2)).replace(tzinfo=None).isoformat() + "+02:00"
    assert _names(client, created_after=plus_two) == ["third"]
    # Naive times are ambiguous.
    naive = _ts(t2).replace(tzinfo=None).isoformat()
    assert_error(client.get(MODELS, params={"created_after": naive}), 400, "INVALID_ARGUMENT")


def test_filters_combine(client: TestClient) -> None:
    _create(client, "fraud-a", tags={"env": "prod"})
    _create(client, "fraud-b", tags={"env": "dev"})
    _create(client, "churn", tags={"env": "prod"})
    assert _names(client, name="fraud", tag="env=prod") == ["fraud-a"]


# --- patch -----------------------------------------------------------------------------------


def test_patch_description(client: TestClient) -> None:
    m = _create(client, "m", description="old", tags={"k": "v"}, card={"license": "MIT"})
    time.sleep(0.002)
    out = _patch(client, "m", {"description": "new"})
    assert out["description"] == "new"
    assert out["tags"] == {"k": "v"}
    assert out["card"]["license"] == "MIT"
    assert out["created_at"] == m["created_at"]
    assert _ts(out["updated_at"]) > _ts(m["updated_at"])
    assert _get(client, "m") == out
    assert _patch(client, "m", {"description": None})["description"] is None
    # An empty patch changes nothing.
    same = _patch(client, "m", {})
    assert same["description"] is None
    assert same["tags"] == {"k": "v"}


def test_patch_card_is_partial(client: TestClient) -> None:
    _create(client, "m", card=FULL_CARD)
    out = _patch(client, "m", {"card": {"license": "MIT", "ethics": None}})
    assert out["card"] == {**FULL_CARD, "license": "MIT", "ethics": None}
    assert set(out["card"]) == CARD_KEYS
    assert _get(client, "m")["card"] == out["card"]
    out = _patch(client, "m", {"card": {}})
    assert out["card"] == {**FULL_CARD, "license": "MIT", "ethics": None}
    out = _patch(client, "m", {"card": {"audience": "everyone"}})
    assert out["card"]["audience"] == "everyone"
    assert out["card"]["use_cases"] == FULL_CARD["use_cases"]


def test_patch_card_on_a_model_without_one(client: TestClient) -> None:
    _create(client, "m")
    out = _patch(client, "m", {"card": {"trade_offs": "speed"}})
    assert out["card"] == {**dict.fromkeys(CARD_KEYS), "trade_offs": "speed"}


def test_patch_card_null_clears_it(client: TestClient) -> None:
    _create(client, "m", card=FULL_CARD)
    out = _patch(client, "m", {"card": None})
    assert out["card"] == dict.fromkeys(CARD_KEYS)


def test_patch_tags_merge(client: TestClient) -> None:
    _create(client, "m", tags={"keep": "1", "change": "old", "drop": "x"})
    out = _patch(client, "m", {"tags": {"change": "new", "drop": None, "add": "yes"}})
    assert out["tags"] == {"keep": "1", "change": "new", "add": "yes"}
    assert _get(client, "m")["tags"] == out["tags"]
    # Removing a key that is not there is fine.
    out = _patch(client, "m", {"tags": {"never-there": None}})
    assert out["tags"] == {"keep": "1", "change": "new", "add": "yes"}
    assert _names(client, tag="change=new") == ["m"]
    assert _names(client, tag="drop=x") == []


def test_patch_by_id(client: TestClient) -> None:
    m = _create(client, "m")
    out = _patch(client, m["id"], {"description": "via id"})
    assert out["description"] == "via id"


def test_rename(client: TestClient) -> None:
    m = _create(client, "old-name", tags={"k": "v"}, card={"license": "MIT"})
    v = _version(client, "old-name")
    out = _patch(client, "old-name", {"name": "new-name"})
    assert out["name"] == "new-name"
    assert out["id"] == m["id"]
    assert out["tags"] == {"k": "v"}
    assert out["card"]["license"] == "MIT"
    assert_error(client.get(f"{MODELS}/old-name"), 404, "NOT_FOUND")
    assert _get(client, "new-name")["id"] == m["id"]
    assert _names(client) == ["new-name"]
    # Versions follow the model.
    r = client.get(f"{MODELS}/new-name/versions/1")
    assert r.status_code == 200, r.text
    assert r.json()["model_name"] == "new-name"
    assert r.json()["id"] == v["id"]
    assert client.get(f"/api/v1/model-versions/{v['id']}").json()["model_name"] == "new-name"
    assert_error(client.get(f"{MODELS}/old-name/versions/1"), 404, "NOT_FOUND")
    # The freed name can be used again, and numbering continues on the renamed model.
    _create(client, "old-name")
    assert _version(client, "new-name")["number"] == 2
    assert _version(client, "old-name")["number"] == 1


def test_rename_to_its_own_name_is_fine(client: TestClient) -> None:
    _create(client, "same")
    assert _patch(client, "same", {"name": "same", "description": "d"})["name"] == "same"


def test_rename_onto_existing_name_is_already_exists(client: TestClient) -> None:
    a = _create(client, "a", description="A")
    b = _create(client, "b", description="B")
    err = assert_error(
        client.patch(f"{MODELS}/a", json={"name": "b", "description": "changed"}),
        409,
        "ALREADY_EXISTS",
    )
    assert "b" in err["message"]
    # Nothing changed.
    assert _get(client, "a") == a
    assert _get(client, "b") == b


def test_rename_validates_name(client: TestClient) -> None:
    _create(client, "m")
    for bad in (None, "", " lead", "trail ", "a/b", "x" * 257):
        assert_error(client.patch(f"{MODELS}/m", json={"name": bad}), 400, "INVALID_ARGUMENT")
    assert _get(client, "m")["name"] == "m"


def test_patch_unknown_model_is_not_found(client: TestClient) -> None:
    assert_error(client.patch(f"{MODELS}/nope", json={"description": "x"}), 404, "NOT_FOUND")


# --- delete ----------------------------------------------------------------------------------


def test_delete_removes_model_and_versions(client: TestClient) -> None:
    m = _create(client, "gone", tags={"k": "v"})
    vs = [_version(client, "gone", tags={"t": str(i)}) for i in range(3)]
    keep = _create(client, "keep")
    kv = _version(client, "keep")
    r = client.delete(f"{MODELS}/gone")
    assert r.status_code == 204
    assert r.content == b""
    assert_error(client.get(f"{MODELS}/gone"), 404, "NOT_FOUND")
    assert_error(client.get(f"{MODELS}/{m['id']}"), 404, "NOT_FOUND")
    assert_error(client.get(f"{MODELS}/gone/versions"), 404, "NOT_FOUND")
    for v in vs:
        assert_error(client.get(f"/api/v1/model-versions/{v['id']}"), 404, "NOT_FOUND")
    assert_error(client.delete(f"{MODELS}/gone"), 404, "NOT_FOUND")
    assert _names(client) == ["keep"]
    assert _get(client, "keep")["id"] == keep["id"]
    assert _get(client, "keep")["version_count"] == 1
    assert client.get(f"/api/v1/model-versions/{kv['id']}").status_code == 200
    # The name is free again and numbering starts over for the new model.
    again = _create(client, "gone")
    assert again["id"] != m["id"]
    assert again["tags"] == {}
    assert _version(client, "gone")["number"] == 1


def test_delete_by_id(client: TestClient) -> None:
    m = _create(client, "m")
    assert client.delete(f"{MODELS}/{m['id']}").status_code == 204
    assert_error(client.get(f"{MODELS}/m"), 404, "NOT_FOUND")


# --- latest_version and version_count --------------------------------------------------------


def test_latest_version_and_count(client: TestClient) -> None:
    _create(client, "m")
    v1 = _version(client, "m")
    v2 = _version(client, "m")
    v3 = _version(client, "m")
    m = _get(client, "m")
    assert m["latest_version"] == 3
    assert m["version_count"] == 3
    if "latest_version_id" in m:
        assert m["latest_version_id"] == v3["id"]
    # Deleting the top version: latest drops to the highest remaining one.
    assert client.delete(f"{MODELS}/m/versions/3").status_code == 204
    m = _get(client, "m")
    assert m["latest_version"] == 2
    assert m["version_count"] == 2
    if "latest_version_id" in m:
        assert m["latest_version_id"] == v2["id"]
    # Deleting a middle one leaves latest alone.
    assert client.delete(f"{MODELS}/m/versions/1").status_code == 204
    m = _get(client, "m")
    assert m["latest_version"] == 2
    assert m["version_count"] == 1
    # It is not a counter: the next number is 4, and it becomes the latest.
    v4 = _version(client, "m")
    assert v4["number"] == 4
    m = _get(client, "m")
    assert m["latest_version"] == 4
    assert m["version_count"] == 2
    for n in (2, 4):
        assert client.delete(f"{MODELS}/m/versions/{n}").status_code == 204
    m = _get(client, "m")
    assert m["latest_version"] is None
    assert m["version_count"] == 0
    if "latest_version_id" in m:
        assert m["latest_version_id"] is None
    assert v1["id"] != v2["id"]


def test_list_shows_aggregates_per_model(client: TestClient) -> None:
    _create(client, "none")
    _create(client, "one")
    _create(client, "three")
    _version(client, "one")
    for _ in range(3):
        _version(client, "three")
    client.delete(f"{MODELS}/three/versions/3")
    items = {m["name"]: m for m in _list(client)["items"]}
    assert (items["none"]["latest_version"], items["none"]["version_count"]) == (None, 0)
    assert (items["one"]["latest_version"], items["one"]["version_count"]) == (1, 1)
    assert (items["three"]["latest_version"], items["three"]["version_count"]) == (2, 2)
