"""Search over the lifecycle on SQLite and PostgreSQL: ``alias``, ``stage`` /
``current_stage`` and ``lineage.<key>`` in filters (with NOT, AND, OR), ``stage`` in
``order_by``, the per-model list's ``filter``, ``workspace=*`` over promoted copies, and the
tiebreak after an explicit order (latest stage transition, then name ASC, version DESC)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from modelreg.services import Services
from tests.conftest import assert_error

API = "/api/v1"
MODELS = f"{API}/models"
WS = f"{API}/workspaces"
VSEARCH = f"{API}/model-versions/search"
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


# --- helpers ----------------------------------------------------------------------------------


class Clock:
    """A clock that moves ``step`` forward on every reading, so that every write of a test
    has its own, known timestamp; ``step=0`` freezes it."""

    def __init__(self, start: datetime = T0, step: timedelta = timedelta(seconds=1)) -> None:
        self.now = start
        self.step = step

    def __call__(self) -> datetime:
        self.now += self.step
        return self.now


def use_clock(services: Services, clock: Clock) -> None:
    for svc in (
        services.workspaces,
        services.models,
        services.versions,
        services.search,
        services.lifecycle,
    ):
        svc.clock = clock


def _ok(r: Any, status: int = 200) -> Any:
    assert r.status_code == status, r.text
    return r.json()


def label(v: dict[str, Any]) -> str:
    return f"{v['model_name']}/{v['number']}"


def search(
    client: TestClient, filter: str | None = None, method: str = "GET", **params: Any
) -> list[dict[str, Any]]:
    """Every item of a version search, following page tokens."""
    items: list[dict[str, Any]] = []
    token = None
    while True:
        query: dict[str, Any] = {"max_results": 1000, **params}
        if filter is not None:
            query["filter"] = filter
        if token:
            query["page_token"] = token
        if method == "GET":
            body = _ok(client.get(VSEARCH, params=query))
        else:
            body = _ok(client.post(VSEARCH, json=query))
        items.extend(body["items"])
        token = body["next_page_token"]
        if not token:
            return items


def labels(client: TestClient, filter: str | None = None, **params: Any) -> list[str]:
    return [label(v) for v in search(client, filter, **params)]


def check_table(
    client: TestClient, table: Iterable[tuple[str, Iterable[str]]], **params: Any
) -> None:
    """Run every filter (GET and POST) and report all mismatches at once."""
    wrong = []
    for filt, expected in table:
        want = sorted(expected)
        got = labels(client, filt, **params)
        posted = [label(v) for v in search(client, filt, method="POST", **params)]
        assert len(got) == len(set(got)), (filt, got)
        if sorted(got) != want or sorted(posted) != want:
            wrong.append(f"{filt!r}: want {want}, got {sorted(got)} / {sorted(posted)}")
    assert not wrong, "\n".join(wrong)


def walk(client: TestClient, size: int, method: str = "GET", **params: Any) -> list[str]:
    """A search walked in pages of ``size``: every item once, in order."""
    out: list[str] = []
    token = None
    for _ in range(100):
        query: dict[str, Any] = {"max_results": size, **params}
        if token:
            query["page_token"] = token
        if method == "GET":
            body = _ok(client.get(VSEARCH, params=query))
        else:
            body = _ok(client.post(VSEARCH, json=query))
        assert len(body["items"]) <= size
        out.extend(label(v) for v in body["items"])
        token = body["next_page_token"]
        if not token:
            return out
    raise AssertionError("the walk did not end")


def _model(client: TestClient, name: str, workspace: str | None = None) -> str:
    if workspace is not None and client.get(f"{WS}/{workspace}").status_code == 404:
        _ok(client.post(WS, json={"name": workspace}), 201)
    collection = MODELS if workspace is None else f"{WS}/{workspace}/models"
    _ok(client.post(collection, json={"name": name}), 201)
    return f"{collection}/{name}"


def _create(client: TestClient, base: str, **body: Any) -> dict[str, Any]:
    out: dict[str, Any] = _ok(client.post(f"{base}/versions", json=body), 201)
    return out


def _stage(client: TestClient, base: str, number: int, stage: str) -> dict[str, Any]:
    out: dict[str, Any] = _ok(client.post(f"{base}/versions/{number}/stage", json={"stage": stage}))
    assert out["stage"] == stage
    return out


def _alias(client: TestClient, base: str, alias: str, number: int) -> None:
    _ok(client.put(f"{base}/aliases/{alias}", json={"version": number}))


def _promote(client: TestClient, target: str, source: str) -> dict[str, Any]:
    r = client.post(f"{target}/versions:promote", json={"source": source})
    out: dict[str, Any] = _ok(r, 201)
    return out


def _numbers(client: TestClient, base: str, filt: str) -> list[int]:
    r = client.get(f"{base}/versions", params={"filter": filt, "size": 100})
    return [i["number"] for i in _ok(r)["items"]]


# --- the registry the filter tests share ------------------------------------------------------
#
#   version   aliases              stage        lineage
#   alpha/1   champion, chief      Production   datasets ds:1 ds:2, model art:w:1, data data:1,
#                                                deployment dep:1, pipeline pipe:1,
#                                                experiment exp-1, logged model lm-1
#   alpha/2   challenger           Staging      datasets ds:2, pipelines pipe:1 pipe:2,
#                                                experiment exp-2
#   alpha/3   -                    None         -
#   alpha/4   x                    None         datasets ds:1, model art:w:2, logged model lm-4
#   beta/1    champion             Production   datasets s3://data/x.parquet, experiment exp-1
#   beta/2    -                    Archived     -
#
# beta/1 moved to Production after alpha/1 did.

A1, A2, A3, A4, B1, B2 = "alpha/1", "alpha/2", "alpha/3", "alpha/4", "beta/1", "beta/2"
EVERY = [A1, A2, A3, A4, B1, B2]

LINEAGE: list[tuple[str, dict[str, Any]]] = [
    (
        "alpha",
        {
            "datasets": ["ds:1", "ds:2"],
            "model_artifacts": ["art:w:1"],
            "data_artifacts": ["data:1"],
            "deployment_artifacts": ["dep:1"],
            "pipeline_runs": ["pipe:1"],
            "experiment_id": "exp-1",
            "logged_model_id": "lm-1",
        },
    ),
    (
        "alpha",
        {"datasets": ["ds:2"], "pipeline_runs": ["pipe:1", "pipe:2"], "experiment_id": "exp-2"},
    ),
    ("alpha", {}),
    ("alpha", {"datasets": ["ds:1"], "model_artifacts": ["art:w:2"], "logged_model_id": "lm-4"}),
    ("beta", {"datasets": ["s3://data/x.parquet"], "experiment_id": "exp-1"}),
    ("beta", {}),
]


@dataclass
class Registry:
    client: TestClient
    ids: dict[str, str]  # "model/number" -> version id
    alpha: str
    beta: str


@pytest.fixture
def reg(client: TestClient, services: Services) -> Registry:
    use_clock(services, Clock())
    alpha, beta = _model(client, "alpha"), _model(client, "beta")
    ids: dict[str, str] = {}
    for model, lineage in LINEAGE:
        v = _create(client, alpha if model == "alpha" else beta, lineage=lineage)
        ids[label(v)] = v["id"]
    assert list(ids) == EVERY
    _alias(client, alpha, "champion", 1)
    _alias(client, alpha, "chief", 1)
    _alias(client, alpha, "challenger", 2)
    _alias(client, alpha, "x", 4)
    _alias(client, beta, "champion", 1)
    _stage(client, alpha, 1, "Production")
    _stage(client, alpha, 2, "Staging")
    _stage(client, beta, 1, "Production")
    _stage(client, beta, 2, "Archived")
    return Registry(client, ids, alpha, beta)


# --- alias ------------------------------------------------------------------------------------


def test_alias_filters(reg: Registry) -> None:
    check_table(
        reg.client,
        [
            ("alias = 'champion'", [A1, B1]),
            ("alias = 'chief'", [A1]),
            ("alias = 'Champion'", []),  # alias names are case-sensitive
            ("alias = 'nobody'", []),
            # != : versions having some other alias; a version without aliases never matches.
            ("alias != 'x'", [A1, A2, B1]),
            ("alias != 'champion'", [A1, A2, A4]),  # alpha/1 also is 'chief'
            ("alias IN ('champion', 'challenger')", [A1, A2, B1]),
            ("alias IN ('x')", [A4]),
            ("alias IN ('nobody', 'none')", []),
            ("alias NOT IN ('champion', 'challenger')", [A4]),
            ("alias IS NULL", [A3, B2]),
            ("alias IS NOT NULL", [A1, A2, A4, B1]),
            ("alias LIKE 'ch%'", [A1, A2, B1]),
            ("alias LIKE 'ch_ef'", [A1]),
            ("alias LIKE 'CH%'", []),  # LIKE is case-sensitive
            ("alias ILIKE 'CH%'", [A1, A2, B1]),
            ("alias LIKE '%'", [A1, A2, A4, B1]),
        ],
    )


def test_not_over_alias(reg: Registry) -> None:
    check_table(
        reg.client,
        [
            # A version is excluded by any of its aliases; one without aliases never matches.
            ("NOT alias = 'x'", [A1, A2, B1]),
            ("NOT alias = 'champion'", [A2, A4]),
            ("NOT alias = 'chief'", [A2, A4, B1]),
            ("NOT (alias = 'nobody')", [A1, A2, A4, B1]),
            ("NOT alias IN ('champion', 'challenger')", [A4]),
            ("NOT alias NOT IN ('champion', 'challenger')", [A1, A2, B1]),
            ("NOT alias IS NULL", [A1, A2, A4, B1]),
            ("NOT alias IS NOT NULL", [A3, B2]),
            ("NOT alias LIKE 'ch%'", [A4]),
            ("NOT NOT alias = 'champion'", [A1, B1]),
            ("NOT alias != 'x'", [A4]),  # has an alias, and every alias it has is 'x'
        ],
    )


def test_stage_filters(reg: Registry) -> None:
    check_table(
        reg.client,
        [
            ("stage = 'Production'", [A1, B1]),
            ("current_stage = 'Production'", [A1, B1]),
            ("stage = 'Staging'", [A2]),
            ("stage = 'Archived'", [B2]),
            ("stage = 'None'", [A3, A4]),
            ("current_stage IN ('Staging', 'Production')", [A1, A2, B1]),
            ("stage NOT IN ('None', 'Archived')", [A1, A2, B1]),
            ("stage != 'None'", [A1, A2, B1, B2]),
            ("NOT stage = 'None'", [A1, A2, B1, B2]),
            ("NOT current_stage IN ('Staging', 'Production')", [A3, A4, B2]),
            ("stage LIKE 'P%'", [A1, B1]),
            ("stage ILIKE 'production'", [A1, B1]),
            ("stage IS NULL", []),  # every version has a stage
            ("stage IS NOT NULL", EVERY),
        ],
    )


def test_lineage_link_filters(reg: Registry) -> None:
    check_table(
        reg.client,
        [
            # Singular and plural spellings.
            ("lineage.dataset = 'ds:1'", [A1, A4]),
            ("lineage.datasets = 'ds:1'", [A1, A4]),
            ("lineage.datasets = 'ds:2'", [A1, A2]),
            ("lineage.dataset = 's3://data/x.parquet'", [B1]),
            ("lineage.dataset = 'ds:3'", []),
            ("lineage.dataset IN ('ds:2', 's3://data/x.parquet')", [A1, A2, B1]),
            ("lineage.dataset LIKE 'ds:%'", [A1, A2, A4]),
            ("lineage.dataset != 'ds:1'", [A1, A2, B1]),  # some other dataset
            ("lineage.dataset IS NULL", [A3, B2]),
            ("lineage.datasets IS NOT NULL", [A1, A2, A4, B1]),
            ("lineage.model_artifact = 'art:w:1'", [A1]),
            ("lineage.model_artifacts LIKE 'art:w:%'", [A1, A4]),
            ("lineage.data_artifact = 'data:1'", [A1]),
            ("lineage.data_artifacts IS NOT NULL", [A1]),
            ("lineage.deployment_artifact = 'dep:1'", [A1]),
            ("lineage.pipeline_run = 'pipe:1'", [A1, A2]),
            ("lineage.pipeline_runs = 'pipe:2'", [A2]),
            # Link kinds do not mix.
            ("lineage.model_artifact = 'ds:1'", []),
            ("lineage.dataset = 'pipe:1'", []),
            ("lineage.pipeline_run = 'art:w:1'", []),
            # NOT: a version is excluded by any of its links; one without links never matches.
            ("NOT lineage.dataset = 'ds:1'", [A2, B1]),
            ("NOT lineage.pipeline_run IN ('pipe:2')", [A1]),
            ("NOT lineage.dataset IS NULL", [A1, A2, A4, B1]),
        ],
    )


def test_lineage_scalar_filters(reg: Registry) -> None:
    check_table(
        reg.client,
        [
            ("lineage.experiment_id = 'exp-1'", [A1, B1]),
            ("lineage.experiment_id != 'exp-1'", [A2]),  # a missing value never matches
            ("lineage.experiment_id IN ('exp-2', 'exp-9')", [A2]),
            ("lineage.experiment_id LIKE 'exp-%'", [A1, A2, B1]),
            ("lineage.experiment_id IS NULL", [A3, A4, B2]),
            ("NOT lineage.experiment_id = 'exp-1'", [A2]),
            ("lineage.logged_model_id = 'lm-4'", [A4]),
            ("lineage.logged_model_id ILIKE 'LM-%'", [A1, A4]),
            ("lineage.logged_model_id IN ('lm-1', 'nope')", [A1]),
            ("lineage.logged_model_id IS NOT NULL", [A1, A4]),
            ("lineage.promoted_from IS NULL", EVERY),
            ("lineage.promoted_from IS NOT NULL", []),
        ],
    )


def test_combinations(reg: Registry) -> None:
    check_table(
        reg.client,
        [
            ("alias = 'champion' AND stage = 'Production'", [A1, B1]),
            ("alias = 'champion' AND name = 'beta'", [B1]),
            ("alias = 'challenger' OR alias IS NULL", [A2, A3, B2]),
            ("name = 'alpha' AND (alias = 'champion' OR stage = 'Staging')", [A1, A2]),
            (
                "alias = 'champion' OR stage = 'Archived' OR lineage.dataset = 'ds:2'",
                [A1, A2, B1, B2],
            ),
            # De Morgan: (has an alias, none 'champion') AND stage != 'None'.
            ("NOT (alias = 'champion' OR stage = 'None')", [A2]),
            ("NOT (alias = 'champion' AND stage = 'Production')", [A2, A3, A4, B2]),
            ("lineage.dataset = 'ds:1' AND lineage.experiment_id IS NOT NULL", [A1]),
            ("lineage.dataset = 'ds:1' OR lineage.experiment_id = 'exp-1'", [A1, A4, B1]),
            ("lineage.dataset = 'ds:2' AND alias = 'challenger' AND stage = 'Staging'", [A2]),
            ("lineage.dataset = 'ds:1' AND NOT alias = 'champion'", [A4]),
            ("(alias IS NULL OR alias = 'x') AND lineage.dataset IS NOT NULL", [A4]),
            ("version_number = 1 AND alias = 'champion' AND lineage.dataset = 'ds:1'", [A1]),
        ],
    )


def test_include_total_with_lifecycle_filters(reg: Registry) -> None:
    for filt, total in (("alias = 'champion'", 2), ("lineage.dataset = 'ds:1'", 2)):
        body = _ok(reg.client.get(VSEARCH, params={"filter": filt, "include_total": True}))
        assert body["total"] == total
        assert len(body["items"]) == total
    body = _ok(reg.client.post(VSEARCH, json={"filter": "stage != 'None'", "include_total": True}))
    assert body["total"] == 4


def test_per_model_list_filter(reg: Registry) -> None:
    client, alpha, beta = reg.client, reg.alpha, reg.beta
    assert _numbers(client, alpha, "alias = 'champion'") == [1]
    assert _numbers(client, beta, "alias = 'champion'") == [1]
    assert _numbers(client, alpha, "alias IS NULL") == [3]
    assert _numbers(client, alpha, "alias != 'x'") == [2, 1]
    assert _numbers(client, alpha, "NOT alias = 'champion'") == [4, 2]
    assert _numbers(client, alpha, "stage = 'None'") == [4, 3]
    assert _numbers(client, beta, "current_stage IN ('Archived')") == [2]
    assert _numbers(client, alpha, "lineage.dataset = 'ds:1'") == [4, 1]
    assert _numbers(client, alpha, "lineage.experiment_id = 'exp-1'") == [1]
    assert _numbers(client, alpha, "alias LIKE 'ch%' AND stage = 'Staging'") == [2]
    r = client.get(f"{alpha}/versions", params={"filter": "alias = 'champion'", "number": 2})
    assert _ok(r)["items"] == []


# --- ordering by stage ------------------------------------------------------------------------

# Archived < None < Production < Staging; inside a stage, the latest transition first (a
# version never moved counts its creation), then name ASC, version DESC.
STAGE_ASC = [B2, A4, A3, B1, A1, A2]
STAGE_DESC = [A2, B1, A1, A4, A3, B2]


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_order_by_stage(reg: Registry, method: str) -> None:
    client = reg.client

    def order(*terms: str, filt: str | None = None) -> list[str]:
        return [label(v) for v in search(client, filt, method=method, order_by=list(terms))]

    assert order("stage") == STAGE_ASC
    assert order("stage ASC") == STAGE_ASC
    assert order("stage DESC") == STAGE_DESC
    assert order("current_stage DESC") == STAGE_DESC
    assert order("stage ASC", "version_number ASC") == [B2, A3, A4, B1, A1, A2]
    assert order("stage DESC", "name DESC") == [A2, B1, A1, A4, A3, B2]
    assert order("stage DESC", filt="alias IS NOT NULL") == [A2, B1, A1, A4]
    assert order("stage ASC", filt="lineage.dataset = 'ds:1'") == [A4, A1]
    # Keyset pages over the stage and the transition tiebreak: nothing skipped or repeated.
    for size in (1, 2, 4):
        assert walk(client, size, method, order_by=["stage ASC"]) == STAGE_ASC
        assert walk(client, size, method, order_by=["stage DESC"]) == STAGE_DESC


def test_bad_lifecycle_order_by(reg: Registry) -> None:
    for term in ("alias", "alias DESC", "lineage.dataset", "lineage.promoted_from ASC"):
        err = assert_error(
            reg.client.get(VSEARCH, params={"order_by": term}), 400, "INVALID_ARGUMENT"
        )
        assert err["details"]["field"] == "order_by", (term, err)
        assert_error(reg.client.post(VSEARCH, json={"order_by": [term]}), 400, "INVALID_ARGUMENT")


# --- errors -----------------------------------------------------------------------------------

BAD_FILTERS = [
    "lineage.promoted_from = 'not-a-uuid'",
    "lineage.promoted_from = ''",
    "lineage.promoted_from != 'nope'",
    "lineage.promoted_from IN ('nope')",
    "lineage.promoted_from NOT IN ('00000000-0000-0000-0000-000000000000', 'nope')",
    "lineage.promoted_from LIKE 'x'",
    "lineage.promoted_from ILIKE '%'",
    "NOT lineage.promoted_from LIKE 'x'",
    "lineage.promoted_from > '00000000-0000-0000-0000-000000000000'",
    "lineage.promoted_from = 1",
    "lineage.unknown = 'x'",
    "lineage.deployment_job_state = 'x'",
    "lineage.dataset = 1",
    "lineage.dataset > 1.5",
    "lineage = 'x'",
    "alias = 1",
    "alias > 2",
    "stage = 1",
    "aliases = 'champion'",
]


def test_bad_lifecycle_filters_are_400(reg: Registry) -> None:
    client = reg.client
    for filt in BAD_FILTERS:
        err = assert_error(client.get(VSEARCH, params={"filter": filt}), 400, "INVALID_ARGUMENT")
        assert err["details"]["field"] == "filter", (filt, err)
        assert_error(client.post(VSEARCH, json={"filter": filt}), 400, "INVALID_ARGUMENT")
        r = client.get(VSEARCH, params={"filter": filt, "workspace": "*"})
        assert_error(r, 400, "INVALID_ARGUMENT")
        r = client.get(f"{reg.alpha}/versions", params={"filter": filt})
        assert_error(r, 400, "INVALID_ARGUMENT")
    # Model search knows no version fields.
    for filt in ("alias = 'champion'", "stage = 'None'", "lineage.dataset = 'ds:1'"):
        r = client.get(f"{MODELS}/search", params={"filter": filt})
        assert_error(r, 400, "INVALID_ARGUMENT")


# --- promotion: lineage.promoted_from and workspace=* -----------------------------------------


def test_promoted_from_and_workspaces(reg: Registry) -> None:
    client, ids = reg.client, reg.ids
    gamma = _model(client, "gamma")
    prod_alpha = _model(client, "alpha", workspace="prod")
    c1 = _promote(client, gamma, ids[A1])
    c2 = _promote(client, gamma, ids[A2])
    assert c2["lineage"]["promoted_from"] == ids[A2]
    far = _promote(client, prod_alpha, ids[A1])
    assert c1["lineage"]["promoted_from"] == ids[A1]
    assert far["workspace"] == "prod"
    assert far["lineage"]["promoted_from"] == ids[A1]
    # A copy of a copy: only its direct source counts.
    cc = _promote(client, gamma, c1["id"])
    assert cc["lineage"]["promoted_from"] == c1["id"]

    a1, a2 = ids[A1], ids[A2]
    check_table(
        client,
        [
            (f"lineage.promoted_from = '{a1}'", ["gamma/1"]),
            (f"lineage.promoted_from = '{a1.upper()}'", ["gamma/1"]),
            (f"lineage.promoted_from = '{a2}'", ["gamma/2"]),
            (f"lineage.promoted_from = '{c1['id']}'", ["gamma/3"]),
            (f"lineage.promoted_from = '{ids[B1]}'", []),
            (f"lineage.promoted_from != '{a1}'", ["gamma/2", "gamma/3"]),
            (f"NOT lineage.promoted_from = '{a1}'", ["gamma/2", "gamma/3"]),
            (f"lineage.promoted_from IN ('{a1}', '{a2}')", ["gamma/1", "gamma/2"]),
            (f"lineage.promoted_from NOT IN ('{a1}', '{a2}')", ["gamma/3"]),
            ("lineage.promoted_from IS NOT NULL", ["gamma/1", "gamma/2", "gamma/3"]),
            ("lineage.promoted_from IS NULL", EVERY),
            (f"lineage.promoted_from = '{a1}' AND name = 'gamma'", ["gamma/1"]),
            (f"lineage.promoted_from = '{a1}' OR alias = 'chief'", ["gamma/1", A1]),
        ],
    )
    # workspace=* finds the copy in the other workspace too; the default scope does not.
    everywhere = search(client, f"lineage.promoted_from = '{a1}'", workspace="*")
    assert sorted((v["workspace"], label(v)) for v in everywhere) == [
        ("default", "gamma/1"),
        ("prod", "alpha/1"),
    ]
    assert {v["id"] for v in everywhere} == {c1["id"], far["id"]}
    posted = search(client, f"lineage.promoted_from = '{a1}'", method="POST", workspace="*")
    assert {v["id"] for v in posted} == {c1["id"], far["id"]}
    there = search(client, f"lineage.promoted_from = '{a1}'", workspace="prod")
    assert [v["id"] for v in there] == [far["id"]]
    r = client.get(f"{prod_alpha}/versions", params={"filter": f"lineage.promoted_from = '{a1}'"})
    assert [v["id"] for v in _ok(r)["items"]] == [far["id"]]
    assert _numbers(client, gamma, f"lineage.promoted_from IN ('{a1}', '{c1['id']}')") == [3, 1]
    # Aliases and stages of the copy are its own, and searchable across workspaces.
    _alias(client, prod_alpha, "champion", 1)
    _stage(client, prod_alpha, 1, "Staging")
    found = search(client, "alias = 'champion'", workspace="*")
    assert sorted((v["workspace"], label(v)) for v in found) == [
        ("default", A1),
        ("default", B1),
        ("prod", A1),
    ]
    check_table(client, [("alias = 'champion'", [A1, B1])])
    check_table(client, [("alias = 'champion' AND stage = 'Staging'", [A1])], workspace="prod")
    found = search(client, f"alias = 'champion' AND lineage.promoted_from = '{a1}'", workspace="*")
    assert [v["id"] for v in found] == [far["id"]]
    found = search(client, "stage = 'Staging'", workspace="*", order_by=["stage DESC"])
    assert sorted((v["workspace"], label(v)) for v in found) == [("default", A2), ("prod", A1)]


# --- the tiebreak after an explicit order -----------------------------------------------------


def test_order_by_ties_break_on_latest_transition_then_name_then_version(
    client: TestClient, services: Services
) -> None:
    # Every version created at the same instant: only name ASC, version DESC tell them apart.
    clock = Clock(T0, timedelta(0))
    use_clock(services, clock)
    a, b = _model(client, "a"), _model(client, "b")
    for base in (b, a):  # created in the "wrong" order: creation order must not matter
        for _ in range(3):
            _create(client, base)

    def order(*terms: str) -> list[str]:
        got = [label(v) for v in search(client, order_by=list(terms))]
        posted = [label(v) for v in search(client, method="POST", order_by=list(terms))]
        assert got == posted, terms
        for size in (1, 2, 4):
            assert walk(client, size, order_by=list(terms)) == got, (terms, size)
        return got

    same = ["a/3", "a/2", "a/1", "b/3", "b/2", "b/1"]
    assert order("stage ASC") == same
    assert order("stage DESC") == same
    assert order("creation_timestamp DESC") == same
    assert order("last_updated_timestamp ASC") == same
    assert order("name ASC") == same
    assert order("version_number ASC") == ["a/1", "b/1", "a/2", "b/2", "a/3", "b/3"]
    assert order("version_number DESC") == ["a/3", "b/3", "a/2", "b/2", "a/1", "b/1"]

    # b/1 moves to Staging later: it comes first among equal keys.
    clock.now = T0 + timedelta(hours=1)
    moved = _stage(client, b, 1, "Staging")
    assert datetime.fromisoformat(moved["last_transition_at"]) == T0 + timedelta(hours=1)
    assert order("version_number ASC") == ["b/1", "a/1", "a/2", "b/2", "a/3", "b/3"]
    assert order("version_number DESC") == ["a/3", "b/3", "a/2", "b/2", "b/1", "a/1"]
    assert order("name ASC") == ["a/3", "a/2", "a/1", "b/1", "b/3", "b/2"]
    assert order("stage ASC") == ["a/3", "a/2", "a/1", "b/3", "b/2", "b/1"]
    assert order("stage DESC") == ["b/1", "a/3", "a/2", "a/1", "b/3", "b/2"]
    # The transition, not the update time, decides: a later edit of another version does not.
    clock.now = T0 + timedelta(hours=2)
    _ok(client.patch(f"{a}/versions/1", json={"description": "edited"}))
    assert order("version_number ASC") == ["b/1", "a/1", "a/2", "b/2", "a/3", "b/3"]

    # a/2 goes to Staging and back to None: the latest move of all, first among the None.
    clock.now = T0 + timedelta(hours=3)
    _stage(client, a, 2, "Staging")
    clock.now = T0 + timedelta(hours=4)
    _stage(client, a, 2, "None")
    assert order("stage ASC") == ["a/2", "a/3", "a/1", "b/3", "b/2", "b/1"]
    assert order("stage DESC") == ["b/1", "a/2", "a/3", "a/1", "b/3", "b/2"]
    assert order("version_number ASC") == ["b/1", "a/1", "a/2", "b/2", "a/3", "b/3"]
    assert order("creation_timestamp ASC") == ["a/2", "b/1", "a/3", "a/1", "b/3", "b/2"]
    assert order("name DESC") == ["b/1", "b/3", "b/2", "a/2", "a/3", "a/1"]

    # Two versions moved at the same instant tie again: name ASC, then version DESC.
    clock.now = T0 + timedelta(hours=5)
    _stage(client, a, 3, "Production")
    _stage(client, b, 3, "Production")
    _stage(client, b, 2, "Production")
    assert order("stage DESC") == ["b/1", "a/3", "b/3", "b/2", "a/2", "a/1"]
    assert order("creation_timestamp ASC") == ["a/3", "b/3", "b/2", "a/2", "b/1", "a/1"]

    # Without an explicit order there is no transition tiebreak: name ASC, version DESC.
    assert [label(v) for v in search(client)] == same
