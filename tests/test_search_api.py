"""Search over HTTP on SQLite and PostgreSQL: /api/v1/model-versions/search,
/api/v1/models/search and the per-model list's ``filter``."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import assert_error

API = "/api/v1"
VSEARCH = f"{API}/model-versions/search"
MSEARCH = f"{API}/models/search"
INJECTION = "'; DROP TABLE model_versions; --"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

FD, FL, CH = "fraud-detector", "Fraud_Legacy", "churn"
ALL = frozenset(
    {f"{FD}/1", f"{FD}/2", f"{FD}/3", f"{FL}/1", f"{FL}/2", f"{CH}/1", f"{CH}/2", "ünï-módel/1"}
)


def _metric(key: str, value: float, step: int, minute: int) -> dict[str, Any]:
    return {"key": key, "value": value, "step": step, "timestamp": f"2026-01-01T10:{minute:02}:00Z"}


MODELS: list[dict[str, Any]] = [
    {
        "name": FD,
        "description": "catches fraud",
        "card": {"license": "apache-2.0", "audience": "Bank analysts"},
        "tags": {"team": "risk", "tier": "1"},
    },
    {"name": FL, "card": {"license": "mit"}, "tags": {"team": "risk-legacy"}},
    {"name": CH, "tags": {"team": "growth", "pct": "100%"}},
    {"name": "ünï-módel", "tags": {"team": "Ünicode"}},
]

VERSIONS: list[tuple[str, dict[str, Any]]] = [
    (
        FD,
        {
            "description": "first",
            "run_id": "run-1",
            "source": "s3://bucket/fraud/1",
            "tags": {"env": "staging", "owner": "alice", "my key": "spaced", "a.b": "dotted"},
            # The latest step wins: 0.85.
            "metrics": [_metric("auc", 0.80, 0, 0), _metric("auc", 0.85, 1, 1)],
            "params": {"lr": "0.1", "depth": "6"},
            "config": {"llm": {"base_model_type": "llama", "layers": 32}},
        },
    ),
    (
        FD,
        {
            "description": "second",
            "run_id": "run-2",
            "source": "s3://bucket/fraud/2",
            "tags": {"env": "prod", "owner": "bob", "note": INJECTION},
            # Step 2 beats the higher value at step 0; at step 2 the latest timestamp: 0.92.
            "metrics": [
                _metric("auc", 0.99, 0, 0),
                _metric("auc", 0.92, 2, 30),
                _metric("auc", 0.90, 2, 10),
            ],
            "params": {"lr": "0.01"},
            "config": {"llm": {"base_model_type": "mistral", "layers": 40}},
        },
    ),
    (
        FD,
        {
            "source": "gs://other/3",
            "status": "PENDING_REGISTRATION",
            "tags": {"env": "prod", "pct": "100%", "under": "a_b", "quote": 'it\'s "q"'},
        },
    ),
    (
        FL,
        {
            "tags": {"env": "Prod"},
            "metrics": [_metric("auc", 0.70, 0, 0), _metric("loss", 0.5, 0, 0)],
            "params": {"lr": "0.1"},
            "config": {"llm": {"base_model_type": 7}},
        },
    ),
    (
        FL,
        {
            "description": "has 100% PERCENT",
            "tags": {"pct": "100x", "under": "axb", "uni": "naïve ☃ Ünïcode"},
            "metrics": [_metric("auc", 0.91, 5, 0)],
        },
    ),
    (CH, {"tags": {"env": "dev"}, "metrics": [_metric("auc", 0.91, 0, 0)]}),
    (CH, {"run_id": "run-x", "metrics": [_metric("loss", 0.3, 0, 0)]}),
    ("ünï-módel", {"tags": {"env": "prod", "ключ": "значение"}}),
]


@dataclass
class Registry:
    client: TestClient
    versions: dict[str, dict[str, Any]]  # "model/number" -> the version as created


def label(v: dict[str, Any]) -> str:
    return f"{v['model_name']}/{v['number']}"


def _ok(r: Any) -> dict[str, Any]:
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


@pytest.fixture
def reg(client: TestClient) -> Registry:
    for m in MODELS:
        r = client.post(f"{API}/models", json=m)
        assert r.status_code == 201, r.text
    made: dict[str, dict[str, Any]] = {}
    for model, body in VERSIONS:
        r = client.post(f"{API}/models/{model}/versions", json=body)
        assert r.status_code == 201, r.text
        made[label(r.json())] = r.json()
    assert set(made) == ALL
    # Another workspace with a model of the same name: never in default-workspace results.
    assert client.post(f"{API}/workspaces", json={"name": "team-b"}).status_code == 201
    other = f"{API}/workspaces/team-b/models"
    assert client.post(other, json={"name": FD, "tags": {"team": "risk"}}).status_code == 201
    r = client.post(f"{other}/{FD}/versions", json={"tags": {"env": "prod"}})
    assert r.status_code == 201, r.text
    return Registry(client, made)


def search(
    client: TestClient, filter: str | None = None, method: str = "GET", **params: Any
) -> list[dict[str, Any]]:
    """Every item of a version search (all pages)."""
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


def labels(client: TestClient, filter: str | None = None, **params: Any) -> set[str]:
    found = [label(v) for v in search(client, filter, **params)]
    assert len(found) == len(set(found)), found
    return set(found)


def check_table(client: TestClient, table: Iterable[tuple[str, Iterable[str]]]) -> None:
    """Run every filter of ``table`` (GET and POST) and report all mismatches at once."""
    wrong = []
    for filt, expected in table:
        want = set(expected)
        got = labels(client, filt)
        posted = {label(v) for v in search(client, filt, method="POST")}
        if got != want or posted != want:
            wrong.append(f"{filt!r}: want {sorted(want)}, got {sorted(got)} / {sorted(posted)}")
    assert not wrong, "\n".join(wrong)


def v(model: str, *numbers: int) -> list[str]:
    return [f"{model}/{n}" for n in numbers]


def others(*excluded: str) -> set[str]:
    return set(ALL) - set(excluded)


# --- operators on attributes ----------------------------------------------------------------


def test_attribute_operators(reg: Registry) -> None:
    check_table(
        reg.client,
        [
            ("name = 'churn'", v(CH, 1, 2)),
            ("name == 'churn'", v(CH, 1, 2)),
            ("model_name = 'churn'", v(CH, 1, 2)),
            ("name != 'churn'", others(*v(CH, 1, 2))),
            ("name <> 'churn'", others(*v(CH, 1, 2))),
            ("name = 'CHURN'", []),
            ("name = 'ünï-módel'", ["ünï-módel/1"]),
            ("version_number < 2", [f"{FD}/1", f"{FL}/1", f"{CH}/1", "ünï-módel/1"]),
            ("version_number <= 1", [f"{FD}/1", f"{FL}/1", f"{CH}/1", "ünï-módel/1"]),
            ("version_number > 2", v(FD, 3)),
            ("version_number >= 2", [*v(FD, 2, 3), f"{FL}/2", f"{CH}/2"]),
            ("version_number = 2", [f"{FD}/2", f"{FL}/2", f"{CH}/2"]),
            ("version_number = '2'", [f"{FD}/2", f"{FL}/2", f"{CH}/2"]),
            ("number != 1", [*v(FD, 2, 3), f"{FL}/2", f"{CH}/2"]),
            ("version_number IN (1, 3)", [*v(FD, 1, 3), f"{FL}/1", f"{CH}/1", "ünï-módel/1"]),
            ("version_number NOT IN (1, '3')", [f"{FD}/2", f"{FL}/2", f"{CH}/2"]),
            ("name IN ('churn', 'nope')", v(CH, 1, 2)),
            ("name NOT IN ('churn', 'fraud-detector')", [*v(FL, 1, 2), "ünï-módel/1"]),
            ("name LIKE 'fraud%'", v(FD, 1, 2, 3)),
            ("name LIKE 'Fraud%'", v(FL, 1, 2)),
            ("name ILIKE 'fraud%'", [*v(FD, 1, 2, 3), *v(FL, 1, 2)]),
            ("name ILIKE 'FRAUD_%'", [*v(FD, 1, 2, 3), *v(FL, 1, 2)]),
            ("name LIKE 'fraud\\\\_%'", []),
            ("name ILIKE 'fraud\\\\_%'", v(FL, 1, 2)),
            ("name NOT LIKE 'fraud%'", [*v(FL, 1, 2), *v(CH, 1, 2), "ünï-módel/1"]),
            ("name NOT ILIKE '%R%'", ["ünï-módel/1"]),
            ("name LIKE '_hurn'", v(CH, 1, 2)),
            ("name LIKE '%'", ALL),
            ("run_id = 'run-1'", v(FD, 1)),
            ("run_id IS NULL", [f"{FD}/3", *v(FL, 1, 2), f"{CH}/1", "ünï-módel/1"]),
            ("run_id IS NOT NULL", [*v(FD, 1, 2), f"{CH}/2"]),
            ("run_id != 'run-1'", [f"{FD}/2", f"{CH}/2"]),  # NULL run_ids match nothing
            ("run_id LIKE 'run-%'", [*v(FD, 1, 2), f"{CH}/2"]),
            ("source LIKE 's3://bucket/%'", v(FD, 1, 2)),
            ("source_path = 'gs://other/3'", v(FD, 3)),
            ("status = 'PENDING_REGISTRATION'", v(FD, 3)),
            ("status != 'READY'", v(FD, 3)),
            ("description = 'first'", v(FD, 1)),
            ("description ILIKE '%percent%'", v(FL, 2)),
            ("description LIKE '%percent%'", []),
            ("created_by = 'anonymous' AND user_id = 'anonymous'", ALL),
            ("creation_timestamp > 0", ALL),
            ("last_updated_timestamp >= 0 AND creation_timestamp < 9000000000000", ALL),
            ("created >= '2000-01-01' AND updated < '2999-01-01T00:00:00Z'", ALL),
            ("created < '2000-01-01'", []),
            ("attribute.name = 'churn'", v(CH, 1, 2)),
            ("`name` = 'churn'", v(CH, 1, 2)),
            ("workspace = 'default'", ALL),
        ],
    )


def test_keywords_are_case_insensitive_over_http(reg: Registry) -> None:
    check_table(
        reg.client,
        [
            (
                "name like 'churn' and version_number in (1) or name ilike 'ÜNÏ%'",
                [f"{CH}/1", "ünï-módel/1"],
            ),
            ("name like 'churn' and version_number in (1)", v(CH, 1)),
            ("name = 'churn' Or tags.env is null", [*v(CH, 1, 2), f"{FL}/2"]),
            (
                "not name = 'churn' AND tags.env Is Not Null",
                [*v(FD, 1, 2, 3), f"{FL}/1", "ünï-módel/1"],
            ),
        ],
    )


def test_timestamps_compare_at_millisecond_precision(reg: Registry) -> None:
    created = datetime.fromisoformat(reg.versions[f"{FD}/2"]["created_at"].replace("Z", "+00:00"))
    ms = (created - EPOCH) // timedelta(milliseconds=1)
    same_ms = {
        k
        for k, x in reg.versions.items()
        if (datetime.fromisoformat(x["created_at"].replace("Z", "+00:00")) - EPOCH)
        // timedelta(milliseconds=1)
        == ms
    }
    assert labels(reg.client, f"creation_timestamp = {ms}") == same_ms
    assert f"{FD}/2" in same_ms
    assert f"{FD}/2" not in labels(reg.client, f"creation_timestamp != {ms}")
    assert f"{FD}/2" in labels(reg.client, f"creation_timestamp <= {ms}")
    assert f"{FD}/2" not in labels(reg.client, f"creation_timestamp < {ms}")
    assert f"{FD}/2" in labels(reg.client, f"creation_timestamp >= '{ms}'")
    assert f"{FD}/2" not in labels(reg.client, f"creation_timestamp > {ms}")
    iso = created.isoformat()
    assert f"{FD}/2" in labels(reg.client, f"created = '{iso}'")


def test_precedence_and_parentheses(reg: Registry) -> None:
    check_table(
        reg.client,
        [
            (
                "name = 'churn' OR name = 'Fraud_Legacy' AND version_number = 1",
                [*v(CH, 1, 2), f"{FL}/1"],
            ),
            (
                "(name = 'churn' OR name = 'Fraud_Legacy') AND version_number = 1",
                [f"{CH}/1", f"{FL}/1"],
            ),
            ("NOT name = 'churn' AND version_number = 2", [f"{FD}/2", f"{FL}/2"]),
            ("NOT (name = 'churn' AND version_number = 2)", others(f"{CH}/2")),
            ("NOT NOT name = 'churn'", v(CH, 1, 2)),
            (
                "name = 'churn' AND (version_number = 2 OR tags.env = 'dev')",
                v(CH, 1, 2),
            ),
            ("((name = 'churn'))", v(CH, 1, 2)),
        ],
    )


# --- tags, params, metrics, card, config ----------------------------------------------------


def test_tags(reg: Registry) -> None:
    check_table(
        reg.client,
        [
            ("tags.env = 'prod'", [*v(FD, 2, 3), "ünï-módel/1"]),
            ("tag.env == 'prod'", [*v(FD, 2, 3), "ünï-módel/1"]),
            ("tags.env LIKE 'prod'", [*v(FD, 2, 3), "ünï-módel/1"]),
            ("tags.env LIKE 'Prod'", v(FL, 1)),
            ("tags.env ILIKE 'PROD'", [*v(FD, 2, 3), f"{FL}/1", "ünï-módel/1"]),
            ("tags.env != 'prod'", [f"{FD}/1", f"{FL}/1", f"{CH}/1"]),
            ("tags.env <> 'prod'", [f"{FD}/1", f"{FL}/1", f"{CH}/1"]),
            ("tags.env IN ('prod', 'dev')", [*v(FD, 2, 3), f"{CH}/1", "ünï-módel/1"]),
            ("tags.env NOT IN ('prod', 'dev')", [f"{FD}/1", f"{FL}/1"]),
            ("tags.env NOT LIKE 'p%'", [f"{FD}/1", f"{FL}/1", f"{CH}/1"]),
            ("tags.env NOT ILIKE 'p%'", [f"{FD}/1", f"{CH}/1"]),
            ("tags.env IS NULL", [f"{FL}/2", f"{CH}/2"]),
            ("tags.env IS NOT NULL", others(f"{FL}/2", f"{CH}/2")),
            ("tags.env > 'p'", [*v(FD, 2, 3), f"{FD}/1", "ünï-módel/1"]),
            ("tags.env < 'p'", [f"{FL}/1", f"{CH}/1"]),
            ("tags.env >= 'prod' AND tags.env <= 'prod'", [*v(FD, 2, 3), "ünï-módel/1"]),
            ("tags.owner = 'alice' OR tags.owner = 'bob'", v(FD, 1, 2)),
            ("tags.`my key` = 'spaced'", v(FD, 1)),
            ("tags.'my key' = 'spaced'", v(FD, 1)),
            ("tags.a.b = 'dotted'", v(FD, 1)),
            ("tags.`a.b` = 'dotted'", v(FD, 1)),
            ("tags.a = 'dotted'", []),
            ("tags.`ключ` = 'значение'", ["ünï-módel/1"]),
            ("tags.quote = 'it''s \"q\"'", v(FD, 3)),
            ("tags.quote = 'it\\'s \\\"q\\\"'", v(FD, 3)),
            ('tags.quote = "it\'s ""q"""', v(FD, 3)),
            ("tags.ENV = 'prod'", []),  # keys are case-sensitive
            ("tags.nope = 'x'", []),
        ],
    )


def test_a_missing_key_matches_only_is_null(reg: Registry) -> None:
    """fraud-detector/3 has no metrics, no params and no config; churn/2 has no tags.env."""
    lacking = {f"{FD}/3", f"{CH}/2"}
    conditions = [
        "metrics.auc = 0.5",
        "metrics.auc != 0.5",
        "metrics.auc <> 0.5",
        "metrics.auc < 100",
        "metrics.auc > -100",
        "metrics.auc IN (0.92, 0.5)",
        "metrics.auc NOT IN (0.5)",
        "NOT metrics.auc = 0.5",
    ]
    for cond in conditions:
        assert not labels(reg.client, cond) & lacking, cond
    tag_conditions = [
        "tags.env = 'zzz'",
        "tags.env != 'zzz'",
        "tags.env < 'zzz'",
        "tags.env >= ''",
        "tags.env LIKE '%'",
        "tags.env ILIKE '%'",
        "tags.env NOT LIKE 'zzz'",
        "tags.env NOT ILIKE 'zzz'",
        "tags.env IN ('zzz', 'prod')",
        "tags.env NOT IN ('zzz')",
        "NOT tags.env = 'zzz'",
        "NOT (tags.env = 'zzz' OR tags.env = 'yyy')",
        "NOT (tags.env = 'zzz' AND tags.env = 'yyy')",
        "params.lr != 'zzz'",
        "params.lr NOT IN ('zzz')",
        "params.lr NOT LIKE 'zzz'",
        "NOT params.lr = 'zzz'",
        "config.llm.base_model_type != 'zzz'",
        "config.llm.base_model_type NOT IN ('zzz')",
        "NOT config.llm.base_model_type = 'zzz'",
    ]
    for cond in tag_conditions:
        got = labels(reg.client, cond)
        if cond.startswith(("tags.", "NOT tags", "NOT (tags")):
            assert f"{CH}/2" not in got, cond
            assert f"{FL}/2" not in got, cond
        else:
            assert f"{FD}/3" not in got, cond
    assert lacking <= labels(reg.client, "metrics.auc IS NULL")
    assert lacking <= labels(reg.client, "params.lr IS NULL")
    assert f"{CH}/2" in labels(reg.client, "tags.env IS NULL")
    assert lacking <= labels(reg.client, "NOT metrics.auc IS NOT NULL")
    assert not labels(reg.client, "metrics.auc IS NOT NULL") & lacking


def test_metrics_use_the_latest_step(reg: Registry) -> None:
    check_table(
        reg.client,
        [
            ("metrics.auc > 0.9", [f"{FD}/2", f"{FL}/2", f"{CH}/1"]),
            ("metric.auc > 0.95", []),  # 0.99 was step 0 of fraud-detector/2
            ("metrics.auc = 0.92", v(FD, 2)),
            ("metrics.auc = 0.9", []),  # step 2, but not the latest timestamp
            ("metrics.auc = 0.85", v(FD, 1)),
            ("metrics.auc == 0.85", v(FD, 1)),
            ("metrics.auc != 0.92", [f"{FD}/1", *v(FL, 1, 2), f"{CH}/1"]),
            ("metrics.auc < 0.8", v(FL, 1)),
            ("metrics.auc <= 0.85", [f"{FD}/1", f"{FL}/1"]),
            ("metrics.auc >= 0.91", [f"{FD}/2", f"{FL}/2", f"{CH}/1"]),
            ("metrics.auc < 1", [*v(FD, 1, 2), *v(FL, 1, 2), f"{CH}/1"]),
            ("metrics.auc > 9.0e-1", [f"{FD}/2", f"{FL}/2", f"{CH}/1"]),
            ("metrics.auc > 9.1e-1", v(FD, 2)),
            ("metrics.auc > -1e300", [*v(FD, 1, 2), *v(FL, 1, 2), f"{CH}/1"]),
            ("metrics.auc IN (0.85, 0.7)", [f"{FD}/1", f"{FL}/1"]),
            ("metrics.auc NOT IN (0.85, 0.7)", [f"{FD}/2", f"{FL}/2", f"{CH}/1"]),
            ("metrics.auc IS NULL", [f"{FD}/3", f"{CH}/2", "ünï-módel/1"]),
            ("metrics.loss < 0.4", v(CH, 2)),
            ("metrics.loss IS NOT NULL", [f"{FL}/1", f"{CH}/2"]),
            ("metrics.auc > 0.9 AND tags.env = 'prod'", v(FD, 2)),
            ("metrics.auc > 0.9 AND params.lr = '0.01'", v(FD, 2)),
        ],
    )


def test_params(reg: Registry) -> None:
    check_table(
        reg.client,
        [
            ("params.lr = '0.1'", [f"{FD}/1", f"{FL}/1"]),
            ("param.lr != '0.1'", v(FD, 2)),
            ("params.lr LIKE '0.0%'", v(FD, 2)),
            ("params.lr IN ('0.01', '0.5')", v(FD, 2)),
            ("params.lr IS NULL", others(*v(FD, 1, 2), f"{FL}/1")),
            ("params.depth = '6' AND params.lr = '0.1'", v(FD, 1)),
        ],
    )


def test_card_of_the_versions_model(reg: Registry) -> None:
    check_table(
        reg.client,
        [
            ("card.license = 'apache-2.0'", v(FD, 1, 2, 3)),
            ("card.license != 'mit'", v(FD, 1, 2, 3)),
            ("card.license IN ('mit', 'bsd')", v(FL, 1, 2)),
            ("card.audience ILIKE '%BANK%'", v(FD, 1, 2, 3)),
            ("card.audience LIKE '%BANK%'", []),
            ("card.license IS NULL", [*v(CH, 1, 2), "ünï-módel/1"]),
            ("card.ethics IS NOT NULL", []),
        ],
    )


def test_config_paths(reg: Registry) -> None:
    check_table(
        reg.client,
        [
            ("config.llm.base_model_type = 'llama'", v(FD, 1)),
            ("config.llm.base_model_type != 'llama'", v(FD, 2)),  # the number 7 is no string
            ("config.llm.base_model_type LIKE 'mis%'", v(FD, 2)),
            ("config.llm.base_model_type ILIKE 'LLAMA'", v(FD, 1)),
            ("config.llm.base_model_type IN ('llama', 'mistral')", v(FD, 1, 2)),
            ("config.llm.base_model_type = 7", v(FL, 1)),
            ("config.llm.base_model_type > 6.5", v(FL, 1)),
            ("config.llm.layers = 32", v(FD, 1)),
            ("config.llm.layers > 35", v(FD, 2)),
            ("config.llm.layers >= 32", v(FD, 1, 2)),
            ("config.llm.layers = '32'", []),  # a string never equals a JSON number
            ("config.llm.base_model_type IS NOT NULL", [*v(FD, 1, 2), f"{FL}/1"]),
            ("config.llm IS NOT NULL", [*v(FD, 1, 2), f"{FL}/1"]),
            ("config.missing IS NULL", ALL),
            ("config.llm.layers IS NULL", others(*v(FD, 1, 2))),
            ("config.`llm`.`layers` < 33", v(FD, 1)),
        ],
    )


# --- injection, wildcards, unicode ----------------------------------------------------------


def test_injection_strings_are_matched_literally(reg: Registry) -> None:
    client = reg.client
    quoted = INJECTION.replace("'", "''")
    assert labels(client, f"tags.note = '{quoted}'") == {f"{FD}/2"}
    assert labels(client, f'tags.note = "{INJECTION}"') == {f"{FD}/2"}
    assert labels(client, "tags.note LIKE '%DROP TABLE%'") == {f"{FD}/2"}
    assert labels(client, "name = 'x'' OR ''1''=''1'") == set()
    assert labels(client, "name = 'x\\' OR 1=1 --'") == set()
    assert labels(client, 'name = "churn"" OR ""1""=""1"') == set()
    assert labels(client, "tags.`env'; DROP TABLE model_versions; --` IS NOT NULL") == set()
    assert labels(client, "config.`a'); DROP TABLE x; --`.b IS NULL") == ALL
    assert labels(client, "name LIKE '%''; --%'") == set()
    # Nothing was dropped.
    assert labels(client) == ALL
    models = _ok(client.get(MSEARCH, params={"max_results": 100}))
    assert len(models["items"]) == 4


def test_wildcards_are_literal_under_equals(reg: Registry) -> None:
    check_table(
        reg.client,
        [
            ("tags.pct = '100%'", v(FD, 3)),
            ("tags.pct LIKE '100%'", [f"{FD}/3", f"{FL}/2"]),
            ("tags.pct LIKE '100\\\\%'", v(FD, 3)),
            ("tags.pct IN ('100%')", v(FD, 3)),
            ("tags.under = 'a_b'", v(FD, 3)),
            ("tags.under LIKE 'a_b'", [f"{FD}/3", f"{FL}/2"]),
            ("tags.under LIKE 'a\\\\_b'", v(FD, 3)),
            ("tags.under ILIKE 'A\\\\_B'", v(FD, 3)),
            ("tags.under = '_'", []),
            ("tags.under = '%'", []),
            ("description LIKE '%100\\\\% %'", v(FL, 2)),
            ("name = '%'", []),
            ("name = '_hurn'", []),
        ],
    )


def test_unicode(reg: Registry) -> None:
    check_table(
        reg.client,
        [
            ("tags.uni = 'naïve ☃ Ünïcode'", v(FL, 2)),
            ("tags.uni LIKE '%☃%'", v(FL, 2)),
            ("tags.uni LIKE 'naïve%'", v(FL, 2)),
            ("tags.uni LIKE 'NAÏVE%'", []),
            ("tags.uni = 'naive ☃ Ünïcode'", []),
            ("name = 'ünï-módel'", ["ünï-módel/1"]),
            ("name LIKE 'ü%'", ["ünï-módel/1"]),
            ("name LIKE 'Ü%'", []),
            ("tags.`ключ` LIKE 'знач%'", ["ünï-módel/1"]),
        ],
    )


def test_like_is_case_sensitive_and_ilike_is_not(reg: Registry) -> None:
    check_table(
        reg.client,
        [
            ("name LIKE 'churn'", v(CH, 1, 2)),
            ("name LIKE 'Churn'", []),
            ("name ILIKE 'Churn'", v(CH, 1, 2)),
            ("name ILIKE 'CHURN'", v(CH, 1, 2)),
            ("tags.owner LIKE 'ALICE'", []),
            ("tags.owner ILIKE 'ALICE'", v(FD, 1)),
            ("description LIKE 'FIRST'", []),
            ("description ILIKE 'FIRST'", v(FD, 1)),
            ("params.lr LIKE '0.1'", [f"{FD}/1", f"{FL}/1"]),
        ],
    )


def test_ilike_folds_non_ascii(reg: Registry) -> None:
    check_table(
        reg.client,
        [
            ("tags.uni ILIKE 'NAÏVE ☃ ÜNÏCODE'", v(FL, 2)),
            ("name ILIKE 'ÜNÏ-MÓDEL'", ["ünï-módel/1"]),
            ("tags.`ключ` ILIKE 'ЗНАЧЕНИЕ'", ["ünï-módel/1"]),
        ],
    )


# --- ordering -------------------------------------------------------------------------------


def _ms(value: str) -> int:
    return (datetime.fromisoformat(value.replace("Z", "+00:00")) - EPOCH) // timedelta(
        milliseconds=1
    )


def _auc(item: dict[str, Any]) -> float:
    """The latest-step auc, or the lowest value when there is none."""
    points = [m for m in item["metrics"] if m["key"] == "auc"]
    if not points:
        return float("-inf")
    best = max(points, key=lambda m: (m["step"], m["timestamp"]))
    return float(best["value"])


def _tiebreak(item: dict[str, Any]) -> tuple[bytes, int]:
    """Name ASC (byte order), then version DESC: the default order."""
    return (item["model_name"].encode(), -item["number"])


def _then(item: dict[str, Any]) -> tuple[datetime, bytes, int]:
    """The tiebreak after an explicit order, as the MLflow seed documents: latest stage
    transition first (creation, for a version never moved), then name ASC, version DESC."""
    moved = item["last_transition_at"] or item["created_at"]
    return (-datetime.fromisoformat(moved.replace("Z", "+00:00")).timestamp(), *_tiebreak(item))


def test_default_order_is_name_then_version_desc(reg: Registry) -> None:
    items = search(reg.client)
    assert [label(i) for i in items] == [label(i) for i in sorted(items, key=_tiebreak)]
    assert [label(i) for i in items][:3] == [f"{FL}/2", f"{FL}/1", f"{CH}/2"]


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_order_by(reg: Registry, method: str) -> None:
    # Touch one version so that last_updated_timestamp differs from creation order.
    r = reg.client.patch(f"{API}/models/{CH}/versions/1", json={"description": "touched"})
    assert r.status_code == 200, r.text

    def order(*terms: str) -> list[str]:
        return [label(i) for i in search(reg.client, method=method, order_by=list(terms))]

    items = search(reg.client)
    by = {label(i): i for i in items}

    def expect(key: Any) -> list[str]:
        return [label(i) for i in sorted(items, key=key)]

    assert order("name") == expect(_tiebreak)
    assert order("name ASC") == expect(_tiebreak)
    assert order("name DESC") == expect(lambda i: (_neg_bytes(i["model_name"]), -i["number"]))
    assert order("version_number") == expect(lambda i: (i["number"], *_then(i)))
    assert order("version_number DESC") == expect(lambda i: (-i["number"], *_then(i)))
    assert order("name ASC", "version_number ASC") == expect(
        lambda i: (i["model_name"].encode(), i["number"])
    )
    assert order("creation_timestamp") == expect(lambda i: (_ms(i["created_at"]), *_then(i)))
    assert order("creation_timestamp DESC") == expect(lambda i: (-_ms(i["created_at"]), *_then(i)))
    assert order("last_updated_timestamp DESC")[0] == f"{CH}/1"
    assert order("last_updated_timestamp DESC") == expect(
        lambda i: (-_ms(i["updated_at"]), *_then(i))
    )
    assert order("last_updated_timestamp ASC") == expect(
        lambda i: (_ms(i["updated_at"]), *_then(i))
    )
    # metrics.auc: missing values sort lowest; the 0.91 tie falls back to name, version.
    desc = order("metrics.auc DESC")
    assert desc == expect(lambda i: (-_auc(i), *_then(i)))
    assert desc[0] == f"{FD}/2"
    assert set(desc[1:3]) == {f"{FL}/2", f"{CH}/1"}  # the 0.91 tie: newest first
    assert set(desc[-3:]) == {f"{FD}/3", f"{CH}/2", "ünï-módel/1"}
    asc = order("metrics.auc ASC")
    assert asc == expect(lambda i: (_auc(i), *_then(i)))
    assert order("metric.auc DESC", "version_number ASC") == expect(
        lambda i: (-_auc(i), i["number"], i["model_name"].encode())
    )
    # Ordering composes with a filter.
    filtered = [
        label(i)
        for i in search(
            reg.client, "tags.env = 'prod'", method=method, order_by=["version_number DESC"]
        )
    ]
    assert filtered == [f"{FD}/3", f"{FD}/2", "ünï-módel/1"]
    assert set(by) == ALL


def _neg_bytes(s: str) -> tuple[int, ...]:
    """A key that sorts strings in descending byte order (prefixes last)."""
    return (*(-b for b in s.encode()), 1)


BAD_ORDER_BY = ["tags.env", "params.lr DESC", "run_id", "description", "name SIDEWAYS", "nope"]


def test_bad_order_by(reg: Registry) -> None:
    for term in [*BAD_ORDER_BY, "`", "", "   ", "x" * 301]:
        r = reg.client.get(VSEARCH, params={"order_by": ["name", term]})
        err = assert_error(r, 400, "INVALID_ARGUMENT")
        if "errors" not in err["details"]:  # the framework's own length check
            assert err["details"]["field"] == "order_by", (term, err)
        r = reg.client.post(VSEARCH, json={"order_by": [term]})
        assert_error(r, 400, "INVALID_ARGUMENT")


def test_too_many_order_by_terms(reg: Registry) -> None:
    terms = ["name"] * 11
    assert_error(reg.client.get(VSEARCH, params={"order_by": terms}), 400, "INVALID_ARGUMENT")
    assert_error(reg.client.post(VSEARCH, json={"order_by": terms}), 400, "INVALID_ARGUMENT")


# --- paging, totals, bounds -----------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_paging_walk_with_total(reg: Registry, method: str) -> None:
    client = reg.client
    seen: list[str] = []
    token = None
    pages = 0
    while True:
        q: dict[str, Any] = {"max_results": 3, "include_total": True, "order_by": ["name DESC"]}
        if token:
            q["page_token"] = token
        r = client.get(VSEARCH, params=q) if method == "GET" else client.post(VSEARCH, json=q)
        body = _ok(r)
        assert set(body) == {"items", "next_page_token", "total"}
        assert body["total"] == len(ALL)
        assert len(body["items"]) <= 3
        seen.extend(label(i) for i in body["items"])
        pages += 1
        token = body["next_page_token"]
        if not token:
            break
    assert pages == 3
    assert len(seen) == len(set(seen)) == len(ALL)
    assert set(seen) == ALL


def test_total_only_when_asked(reg: Registry) -> None:
    body = _ok(reg.client.get(VSEARCH))
    assert body["total"] is None
    assert len(body["items"]) == len(ALL)
    assert body["next_page_token"] is None
    body = _ok(reg.client.get(VSEARCH, params={"include_total": "true", "filter": "name='churn'"}))
    assert body["total"] == 2
    body = _ok(reg.client.post(VSEARCH, json={"include_total": True, "max_results": 1}))
    assert body["total"] == len(ALL)
    assert len(body["items"]) == 1
    assert body["next_page_token"]


def test_max_results_bounds(reg: Registry) -> None:
    client = reg.client
    for bad in (0, -1, 1001, "many"):
        assert_error(client.get(VSEARCH, params={"max_results": bad}), 400, "INVALID_ARGUMENT")
        assert_error(client.get(MSEARCH, params={"max_results": bad}), 400, "INVALID_ARGUMENT")
        assert_error(client.post(VSEARCH, json={"max_results": bad}), 400, "INVALID_ARGUMENT")
    assert len(_ok(client.get(VSEARCH, params={"max_results": 1000}))["items"]) == len(ALL)
    assert len(_ok(client.get(VSEARCH, params={"max_results": 1}))["items"]) == 1
    assert len(_ok(client.post(VSEARCH, json={"max_results": 1000}))["items"]) == len(ALL)


def test_page_token_is_bound_to_filter_order_and_workspace(reg: Registry) -> None:
    client = reg.client
    first = _ok(client.get(VSEARCH, params={"max_results": 2, "filter": "version_number >= 1"}))
    token = first["next_page_token"]
    assert token
    # The same query continues.
    nxt = _ok(
        client.get(
            VSEARCH, params={"max_results": 2, "filter": "version_number >= 1", "page_token": token}
        )
    )
    assert not {label(i) for i in nxt["items"]} & {label(i) for i in first["items"]}
    # A different page size is fine: the token binds the query, not the page size.
    _ok(
        client.get(
            VSEARCH, params={"max_results": 5, "filter": "version_number >= 1", "page_token": token}
        )
    )
    for params in (
        {"filter": "version_number >= 2"},
        {},
        {"filter": "version_number >= 1", "order_by": "name DESC"},
        {"filter": "version_number >= 1", "workspace": "*"},
    ):
        err = assert_error(
            client.get(VSEARCH, params={**params, "page_token": token}), 400, "INVALID_ARGUMENT"
        )
        assert err["details"]["field"] == "page_token"
    # A version token is not a model token.
    assert_error(client.get(MSEARCH, params={"page_token": token}), 400, "INVALID_ARGUMENT")
    # The POST form binds the same way.
    body = {"filter": "version_number >= 2", "page_token": token}
    assert_error(client.post(VSEARCH, json=body), 400, "INVALID_ARGUMENT")


def test_order_reuse_of_token_with_another_order(reg: Registry) -> None:
    client = reg.client
    first = _ok(client.post(VSEARCH, json={"max_results": 2, "order_by": ["metrics.auc DESC"]}))
    token = first["next_page_token"]
    body = {"max_results": 2, "order_by": ["metrics.auc ASC"], "page_token": token}
    assert_error(client.post(VSEARCH, json=body), 400, "INVALID_ARGUMENT")
    body = {"max_results": 2, "order_by": ["metrics.loss DESC"], "page_token": token}
    assert_error(client.post(VSEARCH, json=body), 400, "INVALID_ARGUMENT")
    body = {"max_results": 2, "order_by": ["metrics.auc DESC"], "page_token": token}
    assert len(_ok(client.post(VSEARCH, json=body))["items"]) == 2


TAMPERINGS: list[tuple[str, Callable[[str], str]]] = [
    ("mac changed", lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB")),
    ("body changed", lambda t: ("A" if t[0] != "A" else "B") + t[1:]),
    ("mac dropped", lambda t: t.split(".")[0]),
    ("garbage", lambda t: "garbage"),
    ("empty", lambda t: ""),
    ("dot", lambda t: "."),
    ("appended", lambda t: t + "x"),
    ("non-ascii", lambda t: "ü" + t),
    ("bad base64", lambda t: "%%%%." + t.split(".")[1]),
    ("forged body", lambda t: _forge(t)),
]


def _forge(token: str) -> str:
    """Another row's keys in the body, with the old signature."""
    body, _, mac = token.partition(".")
    payload = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    forged = payload.replace(b'"Fraud_Legacy"', b'"churn"')
    assert forged != payload
    return base64.urlsafe_b64encode(forged).rstrip(b"=").decode() + "." + mac


def test_tampered_page_token(reg: Registry) -> None:
    client = reg.client
    token = _ok(client.get(VSEARCH, params={"max_results": 2}))["next_page_token"]
    assert token
    for what, mangle in TAMPERINGS:
        bad = mangle(token)
        r = client.get(VSEARCH, params={"max_results": 2, "page_token": bad})
        err = assert_error(r, 400, "INVALID_ARGUMENT")
        assert err["details"]["field"] == "page_token", what
        body = {"max_results": 2, "page_token": bad}
        assert_error(client.post(VSEARCH, json=body), 400, "INVALID_ARGUMENT")


def test_forged_token_with_wrong_key_count_is_rejected(reg: Registry) -> None:
    """A token issued for one order, with the same binding but other keys, is refused."""
    client = reg.client
    t1 = _ok(client.get(VSEARCH, params={"max_results": 1}))["next_page_token"]
    t2 = _ok(client.get(VSEARCH, params={"max_results": 1, "order_by": "metrics.auc"}))[
        "next_page_token"
    ]
    assert t1 != t2
    assert_error(
        client.get(VSEARCH, params={"max_results": 1, "page_token": t2}), 400, "INVALID_ARGUMENT"
    )


# --- workspaces -----------------------------------------------------------------------------


def test_workspaces(reg: Registry) -> None:
    client = reg.client
    assert labels(client, "tags.env = 'prod'") == {f"{FD}/2", f"{FD}/3", "ünï-módel/1"}
    other = search(client, "tags.env = 'prod'", workspace="team-b")
    assert [(i["workspace"], label(i)) for i in other] == [("team-b", f"{FD}/1")]
    everywhere = search(client, "tags.env = 'prod'", workspace="*")
    assert sorted((i["workspace"], label(i)) for i in everywhere) == sorted(
        [
            ("default", f"{FD}/2"),
            ("default", f"{FD}/3"),
            ("default", "ünï-módel/1"),
            ("team-b", f"{FD}/1"),
        ]
    )
    assert len(search(client, workspace="*")) == len(ALL) + 1
    assert len(search(client, method="POST", workspace="*")) == len(ALL) + 1
    assert labels(client, "workspace = 'team-b'", workspace="*") == {f"{FD}/1"}
    r = client.get(MSEARCH, params={"workspace": "*", "filter": f"name = '{FD}'"})
    assert sorted(m["workspace"] for m in _ok(r)["items"]) == ["default", "team-b"]
    r = client.get(MSEARCH, params={"workspace": "team-b"})
    assert [m["name"] for m in _ok(r)["items"]] == [FD]
    assert_error(client.get(VSEARCH, params={"workspace": "nope"}), 404, "NOT_FOUND")
    assert_error(client.get(MSEARCH, params={"workspace": "nope"}), 404, "NOT_FOUND")
    assert_error(client.get(VSEARCH, params={"workspace": "bad name!"}), 400, "INVALID_ARGUMENT")
    assert_error(client.get(VSEARCH, params={"workspace": ""}), 400, "INVALID_ARGUMENT")


def test_walk_across_all_workspaces(reg: Registry) -> None:
    client = reg.client
    seen: list[tuple[str, str]] = []
    token = None
    while True:
        q: dict[str, Any] = {"workspace": "*", "max_results": 2}
        if token:
            q["page_token"] = token
        body = _ok(client.get(VSEARCH, params=q))
        seen.extend((i["workspace"], label(i)) for i in body["items"])
        token = body["next_page_token"]
        if not token:
            break
    assert len(seen) == len(set(seen)) == len(ALL) + 1


# --- errors ---------------------------------------------------------------------------------

BAD_FILTERS: list[tuple[str, int | None, str]] = [
    ("name = 'x' AN", 12, "unexpected token 'AN' at column 12, expected AND, OR or end of filter"),
    ("name = 'abc", 8, "unterminated ' string at column 8"),
    ("name =", 7, "expected a string or a number"),
    ("name = 'x' AND", 15, "expected a field name"),
    ("name IN ()", 10, "expected a string or a number"),
    ("(name = 'x'", 12, "expected ')'"),
    ("name ~ 'x'", 6, "unexpected character"),
    ("metrics.auc > 1e999", 15, "out of range"),
    (f"version_number = {2**64}", 18, "out of the 64-bit range"),
    ("version_number = " + "9" * 5000, 18, "out of the 64-bit range"),
    ("name = 'a\x00'", None, "NUL character"),  # refused before parsing, like any NUL
    ("(" * 1000 + "name = 'x'" + ")" * 1000, None, "nested deeper than"),
    ("NOT " * 1000 + "name = 'x'", None, "nested deeper than"),
    ("version_number = 'abc'", None, "compare with an integer"),
    ("version_number = '99999999999999999999'", None, "compare with an integer"),
    ("version_number = 1e300", None, "out of the 64-bit range"),
    ("version_number = '²'", None, "compare with an integer"),
    ("metrics.auc LIKE 'x'", None, "LIKE needs a string field"),
    ("metrics.auc = 'x'", None, "compare with a number"),
    ("tags.x = 1", None, "compare with a quoted string"),
    ("params.x IN (1)", None, "compare with a quoted string"),
    ("unknown = 'x'", None, "unknown field 'unknown'"),
    ("card.unknown = 'x'", None, "unknown card field"),
    ("created = 'not a time'", None, "not an ISO-8601 time"),
    ("creation_timestamp = 9223372036854775807", None, "out of range"),
    ("tags.`` = 'x'", None, "empty key"),
]


def test_bad_filters_are_400(client: TestClient) -> None:
    assert client.post(f"{API}/models", json={"name": FD}).status_code == 201
    for filt, column, message in BAD_FILTERS:
        for r in (
            client.get(VSEARCH, params={"filter": filt}),
            client.post(VSEARCH, json={"filter": filt}),
            client.get(MSEARCH, params={"filter": filt}),
            client.get(f"{API}/models/{FD}/versions", params={"filter": filt}),
        ):
            err = assert_error(r, 400, "INVALID_ARGUMENT")
            if r.request.url.path == MSEARCH and column is None:
                continue  # a model search may well refuse a version field differently
            assert message in err["message"], (filt, err)
            # A NUL is refused with the whole body before the filter is read.
            fields = ("filter", "body") if "\x00" in filt else ("filter",)
            assert err["details"]["field"] in fields, (filt, err)
            if column is not None:
                assert err["details"]["column"] == column, (filt, err)
            assert "Traceback" not in r.text


def test_filter_length_limit(reg: Registry) -> None:
    client = reg.client
    long = "name = '" + "x" * 20_000 + "'"
    for r in (
        client.get(VSEARCH, params={"filter": long}),
        client.post(VSEARCH, json={"filter": long}),
        client.get(MSEARCH, params={"filter": long}),
        client.get(f"{API}/models/{FD}/versions", params={"filter": long}),
    ):
        assert_error(r, 400, "INVALID_ARGUMENT")
    # A long but allowed filter is fine.
    ok = "name = '" + "x" * 19_000 + "'"
    assert _ok(client.post(VSEARCH, json={"filter": ok}))["items"] == []


def test_blank_filter_means_everything(reg: Registry) -> None:
    assert labels(reg.client, "") == ALL
    assert labels(reg.client, "   ") == ALL
    assert {label(i) for i in search(reg.client, method="POST", filter=None)} == ALL


def test_unknown_body_fields_are_rejected(reg: Registry) -> None:
    r = reg.client.post(VSEARCH, json={"filter": "name = 'x'", "filtre": "oops"})
    assert_error(r, 400, "INVALID_ARGUMENT")
    r = reg.client.post(VSEARCH, json={"filter": 5})
    assert_error(r, 400, "INVALID_ARGUMENT")
    r = reg.client.post(VSEARCH, json={"order_by": "name"})
    assert_error(r, 400, "INVALID_ARGUMENT")


# --- model search ---------------------------------------------------------------------------


def _models(client: TestClient, filt: str | None = None, **params: Any) -> list[str]:
    q: dict[str, Any] = {"max_results": 1000, **params}
    if filt is not None:
        q["filter"] = filt
    got = [m["name"] for m in _ok(client.get(MSEARCH, params=q))["items"]]
    posted = [m["name"] for m in _ok(client.post(MSEARCH, json=q))["items"]]
    assert got == posted
    return got


def test_model_search(reg: Registry) -> None:
    client = reg.client
    table: list[tuple[str, set[str]]] = [
        ("name = 'churn'", {CH}),
        ("name != 'churn'", {FD, FL, "ünï-módel"}),
        ("name LIKE 'fraud%'", {FD}),
        ("name ILIKE 'FRAUD%'", {FD, FL}),
        ("name NOT LIKE 'fraud%'", {FL, CH, "ünï-módel"}),
        ("name IN ('churn', 'Fraud_Legacy')", {CH, FL}),
        ("name NOT IN ('churn')", {FD, FL, "ünï-módel"}),
        ("tags.team = 'risk'", {FD}),
        ("tags.team LIKE 'risk%'", {FD, FL}),
        ("tags.team != 'risk'", {FL, CH, "ünï-módel"}),
        ("tags.tier IS NULL", {FL, CH, "ünï-módel"}),
        ("tags.tier IS NOT NULL", {FD}),
        ("tags.tier != '2'", {FD}),
        ("tags.tier NOT IN ('2')", {FD}),
        ("NOT tags.tier = '2'", {FD}),
        ("tags.pct = '100%'", {CH}),
        ("tags.team LIKE '100%'", set()),
        ("tags.team ILIKE 'ÜNICODE'", {"ünï-módel"}),
        ("card.license = 'mit'", {FL}),
        ("card.license IS NULL", {CH, "ünï-módel"}),
        ("card.license != 'mit'", {FD}),
        ("card.audience ILIKE 'bank%'", {FD}),
        ("description = 'catches fraud'", {FD}),
        ("description IS NULL", {FL, CH, "ünï-módel"}),
        ("creation_timestamp > 0 AND created_by = 'anonymous'", {FD, FL, CH, "ünï-módel"}),
        ("tags.team = 'risk' OR card.license = 'mit' AND name = 'nope'", {FD}),
        ("(tags.team = 'risk' OR card.license = 'mit') AND name != 'nope'", {FD, FL}),
    ]
    wrong = []
    for filt, want in table:
        got = _models(client, filt)
        if set(got) != want or len(got) != len(want):
            wrong.append(f"{filt!r}: want {sorted(want)}, got {got}")
    assert not wrong, "\n".join(wrong)


def test_model_search_order_and_paging(reg: Registry) -> None:
    client = reg.client
    names = _models(client)
    assert sorted(names) == sorted([FD, FL, CH, "ünï-módel"])
    assert _models(client, order_by=["name DESC"]) == list(reversed(names))
    by_created = _models(client, order_by=["creation_timestamp ASC"])
    assert by_created == [FD, FL, CH, "ünï-módel"]
    assert _models(client, order_by=["creation_timestamp DESC"]) == list(reversed(by_created))
    r = client.patch(f"{API}/models/{CH}", json={"description": "touched"})
    assert r.status_code == 200, r.text
    assert _models(client, order_by=["last_updated_timestamp DESC"])[0] == CH
    seen: list[str] = []
    token = None
    while True:
        q: dict[str, Any] = {"max_results": 1, "include_total": True}
        if token:
            q["page_token"] = token
        body = _ok(client.get(MSEARCH, params=q))
        assert body["total"] == 4
        seen.extend(m["name"] for m in body["items"])
        token = body["next_page_token"]
        if not token:
            break
    assert seen == names
    for bad in ("metrics.auc", "version_number", "tags.team"):
        assert_error(client.get(MSEARCH, params={"order_by": bad}), 400, "INVALID_ARGUMENT")
    for bad_filter in ("metrics.auc > 1", "params.x = 'y'", "version_number = 1", "name = 'x' AN"):
        assert_error(client.get(MSEARCH, params={"filter": bad_filter}), 400, "INVALID_ARGUMENT")
    err = assert_error(
        client.post(MSEARCH, json={"filter": "name = 'x' AN"}), 400, "INVALID_ARGUMENT"
    )
    assert err["details"]["column"] == 12


# --- the per-model version list -------------------------------------------------------------


def test_per_model_list_accepts_the_filter(reg: Registry) -> None:
    client = reg.client

    def numbers(model: str, filt: str, **params: Any) -> list[int]:
        r = client.get(f"{API}/models/{model}/versions", params={"filter": filt, **params})
        return [i["number"] for i in _ok(r)["items"]]

    assert numbers(FD, "tags.env = 'prod'") == [3, 2]
    assert numbers(FD, "metrics.auc > 0.9") == [2]
    assert numbers(FD, "tags.env = 'prod' AND metrics.auc IS NULL") == [3]
    assert numbers(FD, "name = 'churn'") == []  # name is the model's name
    assert numbers(FD, "name = 'fraud-detector' AND version_number >= 2") == [3, 2]
    assert numbers(FD, "config.llm.base_model_type = 'llama'") == [1]
    assert numbers(FD, "card.license = 'apache-2.0'") == [3, 2, 1]
    assert numbers(FD, "tags.env = 'prod'", sort_by="number") == [2, 3]
    assert numbers(CH, "tags.env IS NULL") == [2]
    assert numbers(CH, "") == [2, 1]
    assert numbers(FD, "tags.note = '" + INJECTION.replace("'", "''") + "'") == [2]
    # Combined with the simple query filters (ANDed).
    r = client.get(
        f"{API}/models/{FD}/versions", params={"filter": "tags.env = 'prod'", "number": 2}
    )
    assert [i["number"] for i in _ok(r)["items"]] == [2]
    # In another workspace.
    r = client.get(
        f"{API}/workspaces/team-b/models/{FD}/versions", params={"filter": "tags.env = 'prod'"}
    )
    assert [i["number"] for i in _ok(r)["items"]] == [1]
