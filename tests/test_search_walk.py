"""Keyset paging holds under concurrent writes: walking 2,500 versions in pages of 100,
under several orderings, while another thread keeps inserting versions, sees every
pre-existing version exactly once and never repeats anything."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from modelreg.domain.entities import ANONYMOUS, Metric, NewModel, NewVersion, Version
from modelreg.services import Services

pytestmark = pytest.mark.slow

VSEARCH = "/api/v1/model-versions/search"
MODELS = 25
PER_MODEL = 100
PAGE = 100
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _auc(i: int) -> float | None:
    """Few distinct values (many ties) and some versions without the metric."""
    return None if i % 11 == 0 else (i % 7) / 10


def _new_version(i: int) -> NewVersion:
    auc = _auc(i)
    metrics = [] if auc is None else [Metric("auc", auc, 0, T0)]
    return NewVersion(metrics=metrics)


@dataclass(frozen=True)
class Row:
    id: str
    model: str
    number: int
    created: datetime
    auc: float | None


def _row(v: Version) -> Row:
    auc = next((m.value for m in v.metrics if m.key == "auc"), None)
    return Row(str(v.id), v.model_name, v.number, v.created_at, auc)


def _populate(services: Services) -> list[Row]:
    names = [f"walk-{m:02}" for m in range(MODELS)]
    for name in names:
        services.models.create(ANONYMOUS, "default", NewModel(name))

    def fill(m: int) -> list[Row]:
        return [
            _row(
                services.versions.create(
                    ANONYMOUS, "default", names[m], _new_version(m * PER_MODEL + k)
                )
            )
            for k in range(PER_MODEL)
        ]

    # One writer per model: PostgreSQL takes them in parallel, SQLite queues them.
    with ThreadPoolExecutor(4) as pool:
        rows = [r for chunk in pool.map(fill, range(MODELS)) for r in chunk]
    assert len(rows) == MODELS * PER_MODEL
    return rows


class Inserter(threading.Thread):
    """Keeps adding versions (to existing models and to new ones that sort in between)."""

    def __init__(self, services: Services) -> None:
        super().__init__(daemon=True)
        self.services = services
        self.stop = threading.Event()
        self.inserted = 0
        self.error: BaseException | None = None

    def run(self) -> None:
        rnd = random.Random(7)
        try:
            while not self.stop.is_set():
                if self.inserted % 25 == 0:
                    name = f"walk-{rnd.randrange(MODELS):02}-new-{self.inserted}"
                    self.services.models.create(ANONYMOUS, "default", NewModel(name))
                else:
                    name = f"walk-{rnd.randrange(MODELS):02}"
                self.services.versions.create(
                    ANONYMOUS, "default", name, _new_version(rnd.randrange(1000))
                )
                self.inserted += 1
                time.sleep(0.002)
        except BaseException as exc:
            self.error = exc


@pytest.fixture
def inserter(services: Services) -> Iterator[Inserter]:
    thread = Inserter(services)
    yield thread
    thread.stop.set()
    if thread.is_alive():
        thread.join(30)


def _walk(
    client: TestClient, order_by: list[str], method: str, filter: str | None = None
) -> tuple[list[str], int]:
    """The ids of a full walk, in order, and the number of pages."""
    ids: list[str] = []
    token: str | None = None
    pages = 0
    while True:
        q: dict[str, Any] = {"max_results": PAGE, "order_by": order_by}
        if filter is not None:
            q["filter"] = filter
        if token:
            q["page_token"] = token
        r = client.get(VSEARCH, params=q) if method == "GET" else client.post(VSEARCH, json=q)
        assert r.status_code == 200, r.text
        body = r.json()
        assert len(body["items"]) <= PAGE
        ids.extend(item["id"] for item in body["items"])
        pages += 1
        token = body["next_page_token"]
        if not token:
            return ids, pages
        assert len(body["items"]) == PAGE


def _name_key(r: Row) -> tuple[bytes, int]:
    return (r.model.encode(), -r.number)


LOWEST = float("-inf")

ORDERINGS: list[tuple[list[str], Callable[[Row], Any], str]] = [
    ([], _name_key, "GET"),
    # After an explicit order the tiebreak starts with the latest stage transition (creation
    # here: nothing moves), then name ASC, version DESC.
    (["creation_timestamp DESC"], lambda r: (T0 - r.created, *_name_key(r)), "POST"),
    (
        ["metrics.auc DESC"],
        lambda r: (-(r.auc if r.auc is not None else LOWEST), T0 - r.created, *_name_key(r)),
        "GET",
    ),
    (["name ASC", "version_number ASC"], lambda r: (r.model.encode(), r.number), "POST"),
]


def test_walks_see_every_existing_version_once_while_inserting(
    client: TestClient, services: Services, inserter: Inserter
) -> None:
    rows = _populate(services)
    by_id = {r.id: r for r in rows}
    assert len(by_id) == len(rows)

    inserter.start()
    while inserter.inserted < 5 and inserter.error is None:
        time.sleep(0.01)
    for order_by, key, method in ORDERINGS:
        before = inserter.inserted
        ids, pages = _walk(client, order_by, method)
        assert inserter.error is None, inserter.error
        assert len(ids) == len(set(ids)), f"{order_by}: a version was served twice"
        old = [i for i in ids if i in by_id]
        missing = set(by_id) - set(old)
        assert not missing, f"{order_by}: {len(missing)} pre-existing versions skipped"
        assert len(old) == len(by_id)
        # The pre-existing versions come in the requested order.
        expected = [r.id for r in sorted(rows, key=key)]
        assert old == expected, f"{order_by}: pre-existing versions out of order"
        assert pages >= len(rows) // PAGE
        assert inserter.inserted > before, "the inserter made no progress during a walk"
    # A metric filter in the default order pages through the latest_metrics index instead.
    for method in ("GET", "POST"):
        ids, _ = _walk(client, [], method, "metrics.auc >= 0.3")
        assert inserter.error is None, inserter.error
        assert len(ids) == len(set(ids)), "metric walk: a version was served twice"
        wanted = [r for r in sorted(rows, key=_name_key) if r.auc is not None and r.auc >= 0.3]
        assert [i for i in ids if i in by_id] == [r.id for r in wanted]
    inserter.stop.set()
    inserter.join(30)
    assert inserter.error is None, inserter.error
    assert inserter.inserted > 0
    # Everything inserted meanwhile is there now, exactly once.
    final, _ = _walk(client, [], "GET")
    assert len(final) == len(set(final)) == len(rows) + inserter.inserted
