"""A metric filter in the default order is answered from ``version_latest_metrics`` (kept by
triggers): its results must equal what the metric rule says — the point with the highest
step, then the latest timestamp — after any mix of metric writes, renames and deletes, on
both dialects, page by page."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import insert, select

from modelreg.domain.entities import (
    ANONYMOUS,
    Metric,
    ModelPatch,
    NewModel,
    NewVersion,
    Version,
    VersionFilter,
    VersionPatch,
)
from modelreg.query.paging import PageQuery
from modelreg.services import Services
from modelreg.store.schema import latest_metrics, version_metrics

T0 = datetime(2026, 1, 1, tzinfo=UTC)
WS = "default"
_runs = itertools.count()

POINT = st.tuples(
    st.sampled_from(["auc", "loss"]),
    st.sampled_from([0.1, 0.5, 0.9]),
    st.integers(0, 3),  # step
    st.integers(0, 3),  # timestamp, in seconds after T0
)
OPS = st.one_of(
    st.tuples(st.just("create"), st.integers(0, 1), st.lists(POINT, max_size=3)),
    st.tuples(st.just("log"), st.integers(0, 9), st.lists(POINT, min_size=1, max_size=3)),
    st.tuples(st.just("rename"), st.integers(0, 1)),
    st.tuples(st.just("delete"), st.integers(0, 9)),
)
FILTERS = [
    "metrics.auc > 0.3",
    "metrics.auc <= 0.5 AND metrics.loss > 0.2",
    "metrics.loss != 0.5",
    "tags.kind = 'a' AND metrics.auc = 0.9",
    "metrics.auc >= 0.1 AND (tags.kind = 'b' OR metrics.loss < 0.3)",
]
CHECKS: dict[str, Any] = {
    "metrics.auc > 0.3": lambda m, t: m.get("auc", -1) > 0.3,
    "metrics.auc <= 0.5 AND metrics.loss > 0.2": lambda m, t: (
        "auc" in m and m["auc"] <= 0.5 and m.get("loss", -1) > 0.2
    ),
    "metrics.loss != 0.5": lambda m, t: "loss" in m and m["loss"] != 0.5,
    "tags.kind = 'a' AND metrics.auc = 0.9": lambda m, t: t == "a" and m.get("auc") == 0.9,
    "metrics.auc >= 0.1 AND (tags.kind = 'b' OR metrics.loss < 0.3)": lambda m, t: (
        m.get("auc", -1) >= 0.1 and (t == "b" or ("loss" in m and m["loss"] < 0.3))
    ),
}


def _metrics(points: list[tuple[str, float, int, int]]) -> list[Metric]:
    # One point per (key, step, timestamp) per request: a repeat overwrites, as the store does.
    unique = {(k, s, t): v for k, v, s, t in points}
    return [Metric(k, v, s, T0 + timedelta(seconds=t)) for (k, s, t), v in unique.items()]


def _latest(v: Version) -> dict[str, float]:
    best: dict[str, Metric] = {}
    for m in v.metrics:
        if m.key not in best or (m.step, m.timestamp) > (best[m.key].step, best[m.key].timestamp):
            best[m.key] = m
    return {k: m.value for k, m in best.items()}


def _all_versions(svc: Services, names: list[str]) -> list[Version]:
    out: list[Version] = []
    for name in names:
        page = svc.versions.list(
            ANONYMOUS, WS, name, VersionFilter(), "-number", PageQuery(size=1000), True
        )
        out.extend(page.items)
    return out


def _search_walk(svc: Services, filter_text: str) -> list[str]:
    ids: list[str] = []
    token: str | None = None
    while True:
        page = svc.search.versions(
            ANONYMOUS, WS, filter_text, [], PageQuery(size=2, page_token=token)
        )
        ids.extend(str(v.id) for v in page.items)
        token = page.next_page_token
        if token is None:
            return ids


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=st.lists(OPS, min_size=1, max_size=12))
def test_metric_searches_follow_the_latest_point_rule(
    services: Services, ops: list[tuple[Any, ...]]
) -> None:
    run = next(_runs)
    names = [f"lm{run}-a", f"lm{run}-b"]
    for name in names:
        services.models.create(ANONYMOUS, WS, NewModel(name))
    made: list[tuple[int, int]] = []  # (model index, version number)
    for op in ops:
        if op[0] == "create":
            model = names[op[1]]
            kind = "ab"[len(made) % 2]
            v = services.versions.create(
                ANONYMOUS, WS, model, NewVersion(tags={"kind": kind}, metrics=_metrics(op[2]))
            )
            made.append((op[1], v.number))
        elif op[0] == "rename":
            new = f"{names[op[1]]}r"
            services.models.update(ANONYMOUS, WS, names[op[1]], ModelPatch(name=new))
            names[op[1]] = new
        elif made:
            m, number = made[op[1] % len(made)]
            if op[0] == "log":
                patch = VersionPatch(metrics=_metrics(op[2]))
                services.versions.update(ANONYMOUS, WS, names[m], number, patch)
            else:
                services.versions.delete(ANONYMOUS, WS, names[m], number)
                made.remove((m, number))
    versions = _all_versions(services, names)
    ordered = sorted(versions, key=lambda v: (v.model_name.encode(), -v.number))
    scope = f"name LIKE 'lm{run}-%'"
    for f in FILTERS:
        check = CHECKS[f]
        expected = [str(v.id) for v in ordered if check(_latest(v), v.tags.get("kind"))]
        # The name condition rides along as the "rest" of the split filter.
        assert _search_walk(services, f"{scope} AND {f}") == expected, f


def test_triggers_keep_the_latest_point_and_the_search_keys(services: Services) -> None:
    db = services.db
    services.models.create(ANONYMOUS, WS, NewModel("trig"))
    metric = [Metric("auc", 0.5, 2, T0)]
    v = services.versions.create(ANONYMOUS, WS, "trig", NewVersion(metrics=metric))

    def row() -> Any:
        with db.read() as conn:
            lm = latest_metrics.c
            q = select(lm.value, lm.step, lm.model_name, lm.number).where(lm.version_id == v.id)
            return conn.execute(q).one_or_none()

    assert tuple(row()) == (0.5, 2, "trig", 1)
    # An older point (lower step, even if logged later) is history, not the latest.
    with db.write() as conn:
        conn.execute(
            insert(version_metrics).values(
                version_id=v.id, key="auc", step=1, timestamp=T0 + timedelta(days=1), value=0.1
            )
        )
    assert tuple(row())[:2] == (0.5, 2)
    # Same step, later timestamp: newer.
    later = [Metric("auc", 0.7, 2, T0 + timedelta(seconds=1))]
    services.versions.update(ANONYMOUS, WS, "trig", 1, VersionPatch(metrics=later))
    assert tuple(row())[:2] == (0.7, 2)
    # Re-logging the latest point overwrites its value.
    again = [Metric("auc", 0.8, 2, T0 + timedelta(seconds=1))]
    services.versions.update(ANONYMOUS, WS, "trig", 1, VersionPatch(metrics=again))
    assert tuple(row())[:2] == (0.8, 2)
    services.models.update(ANONYMOUS, WS, "trig", ModelPatch(name="trig2"))
    assert tuple(row()) == (0.8, 2, "trig2", 1)
    found = services.search.versions(ANONYMOUS, WS, "metrics.auc > 0.75", [], PageQuery(size=5))
    assert [x.id for x in found.items] == [v.id]
    services.versions.delete(ANONYMOUS, WS, "trig2", 1)
    assert row() is None
