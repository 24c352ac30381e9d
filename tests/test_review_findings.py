"""Reproducers for bugs a review found (schemathesis run and a read of the locking).

The race tests make the interleaving deterministic: a hook runs the competing request
right after the request under test has resolved its ids, which is where READ COMMITTED
let the row vanish (or a lock be taken in the opposite order) before the fixes.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from modelreg.domain.entities import ANONYMOUS
from modelreg.services import Services
from modelreg.services.versions import VersionService
from modelreg.store import tags as tag_store
from modelreg.store import versions as version_store
from tests.conftest import assert_error

M = "/api/v1/models"


def _model(client: TestClient, name: str = "m", versions: int = 1) -> None:
    assert client.post(M, json={"name": name}).status_code == 201
    for _ in range(versions):
        assert client.post(f"{M}/{name}/versions", json={}).status_code == 201


# --- input handling ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [f"{M}/m/versions", "/api/v1/model-versions/search", "/api/v1/models/search"],
)
def test_filter_integer_with_thousands_of_leading_zeros_is_not_a_500(
    client: TestClient, path: str
) -> None:
    """int() refuses > 4,300 digits; the length check ignored leading zeros."""
    _model(client)
    r = client.get(path, params={"filter": "0" * 5000})
    assert_error(r, 400, "INVALID_ARGUMENT")


def test_filter_integer_with_leading_zeros_keeps_its_value(client: TestClient) -> None:
    _model(client, versions=2)
    r = client.get(f"{M}/m/versions", params={"filter": "version_number = " + "0" * 5000 + "2"})
    assert r.status_code == 200, r.text
    assert [v["number"] for v in r.json()["items"]] == [2]
    r = client.get(f"{M}/m/versions", params={"filter": "version_number > -" + "0" * 5000 + "1"})
    assert r.status_code == 200, r.text
    assert r.json()["total"] == 2


@pytest.mark.parametrize(
    ("path", "param"),
    [
        (M, "created_before"),
        (M, "created_after"),
        (f"{M}/m/versions", "created_after"),
        (f"{M}/m/aliases/champion", "at"),
    ],
)
def test_timestamp_query_params_are_not_epoch_numbers(
    client: TestClient, path: str, param: str
) -> None:
    """Timestamps carry an explicit offset; lax parsing took '0.5' as epoch seconds."""
    _model(client)
    assert client.put(f"{M}/m/aliases/champion", json={"version": 1}).status_code == 200
    for value in ("0.5", "1700000000"):
        assert_error(client.get(path, params={param: value}), 400, "INVALID_ARGUMENT")
    ok = client.get(path, params={param: "2030-01-01T00:00:00Z"})
    assert ok.status_code == 200, ok.text


# --- races on PostgreSQL (READ COMMITTED) -----------------------------------------------------


def _in_background(fn: Callable[[], Any]) -> tuple[threading.Thread, list[Any]]:
    out: list[Any] = []

    def run() -> None:
        try:
            out.append(fn())
        except Exception as exc:
            out.append(exc)

    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t, out


@pytest.mark.pg
def test_version_create_racing_model_delete_is_404(
    client: TestClient, services: Services, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """next_number's UPDATE ... RETURNING found no row: scalar_one() raised, a 500."""
    if not db_url.startswith("postgresql"):
        pytest.skip("SQLite serialises whole write transactions")
    _model(client, versions=0)
    real = VersionService._model

    def model_then_deleted(self: VersionService, conn: Any, workspace: str, model: str) -> Any:
        found = real(self, conn, workspace, model)
        services.models.delete(ANONYMOUS, "default", "m")  # commits; we hold no lock yet
        return found

    monkeypatch.setattr(VersionService, "_model", model_then_deleted)
    assert_error(client.post(f"{M}/m/versions", json={}), 404, "NOT_FOUND")


@pytest.mark.pg
def test_version_patch_racing_version_delete_is_not_a_500(
    client: TestClient, services: Services, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PATCH resolved the version, a DELETE committed, the tag insert hit the foreign key."""
    if not db_url.startswith("postgresql"):
        pytest.skip("SQLite serialises whole write transactions")
    _model(client)
    real = version_store.resolve_id
    racers: list[tuple[threading.Thread, list[Any]]] = []

    def resolved_then_deleted(*args: Any, **kwargs: Any) -> Any:
        found = real(*args, **kwargs)
        if not racers:
            racers.append(
                _in_background(lambda: services.versions.delete(ANONYMOUS, "default", "m", 1))
            )
            time.sleep(0.5)  # the delete commits now, unless the PATCH holds the row
        return found

    monkeypatch.setattr(version_store, "resolve_id", resolved_then_deleted)
    r = client.patch(f"{M}/m/versions/1", json={"tags": {"k": "v"}, "params": {"p": "1"}})
    assert r.status_code in (200, 404), r.text
    thread, out = racers[0]
    thread.join(30)
    assert out == [None]
    monkeypatch.setattr(version_store, "resolve_id", real)
    assert_error(client.get(f"{M}/m/versions/1"), 404, "NOT_FOUND")


@pytest.mark.pg
def test_tag_delete_racing_tag_set_does_not_deadlock(
    client: TestClient, services: Services, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """delete_tag locked the tag row, then the model row (touch); set_tag locks them the
    other way round, so PostgreSQL broke the deadlock by failing one of them with a 500.
    (Version tags had the same inverted order: tag row, then the version row.)"""
    if not db_url.startswith("postgresql"):
        pytest.skip("SQLite serialises whole write transactions")
    _model(client)
    assert client.put(f"{M}/m/tags/k", json={"value": "a"}).status_code == 200
    real = tag_store.delete_model_tag
    racers: list[tuple[threading.Thread, list[Any]]] = []

    def deleted_then_raced(*args: Any, **kwargs: Any) -> Any:
        found = real(*args, **kwargs)  # holds the tag row's lock from here on
        racers.append(
            _in_background(
                lambda: services.lifecycle.set_tag(ANONYMOUS, "default", "m", None, "k", "b")
            )
        )
        time.sleep(0.5)  # the racer takes the model row now, unless we already hold it
        return found

    monkeypatch.setattr(tag_store, "delete_model_tag", deleted_then_raced)
    r = client.delete(f"{M}/m/tags/k")
    assert r.status_code == 204, r.text
    thread, out = racers[0]
    thread.join(30)
    assert len(out) == 1, out
    assert not isinstance(out[0], Exception), out
    items = client.get(f"{M}/m/tags").json()["items"]
    assert items == [{"key": "k", "value": "b", "color": None, "exclusive": False}]


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("DELETE", "/api/v1/workspaces", "GET, POST"),
        ("POST", "/api/v1/models/m", "DELETE, GET, PATCH"),
        ("PUT", "/api/v1/models/m/versions/1", "DELETE, GET, PATCH"),
        ("DELETE", "/api/v1/models/m/versions/1/files", "GET"),
        ("GET", "/api/v1/models/m/versions/1/finalize", "POST"),
    ],
)
def test_405_allow_lists_every_method_of_the_path(
    client: TestClient, method: str, path: str, allow: str
) -> None:
    # Starlette alone names only the first matching route's methods; one path has several.
    r = client.request(method, path)
    assert_error(r, 405, "METHOD_NOT_ALLOWED")
    assert r.headers["allow"] == allow
