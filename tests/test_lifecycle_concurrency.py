"""Lifecycle invariants under concurrent clients, through real server processes: two
servers on one PostgreSQL database, one server on one SQLite file.

- stage moves with archive_existing leave exactly one version in the stage;
- an alias always points at exactly one version, and its history is one unbroken chain;
- compare-and-swap on an alias lets exactly one of the racers win;
- an exclusive tag ends up on exactly one version."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

import httpx
import pytest

from tests.databases import PostgresDatabases
from tests.servers import Server, serve

pytestmark = pytest.mark.slow

THREADS = 16
VERSIONS = 8
REQUEST_TIMEOUT = 30.0

Request = tuple[str, str, dict[str, Any] | None, dict[str, Any] | None]


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def servers(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[list[Server]]:
    """SQLite: one server process on one file. PostgreSQL: two server processes on one
    database of their own."""
    workdir = tmp_path_factory.mktemp(f"lifecycle-{request.param}")
    if request.param == "sqlite":
        with serve("--data-dir", str(workdir / "data"), workdir=workdir) as server:
            yield [server]
        return
    pg_dbs: PostgresDatabases = request.getfixturevalue("pg_dbs")
    url = pg_dbs.fresh()
    try:
        with (
            serve("--database-url", url, workdir=workdir, name="a") as a,
            serve("--database-url", url, workdir=workdir, name="b") as b,
        ):
            yield [a, b]
    finally:
        pg_dbs.drop(url)


def _client(server: Server) -> httpx.Client:
    return httpx.Client(
        base_url=server.base_url,
        timeout=REQUEST_TIMEOUT,
        limits=httpx.Limits(max_connections=THREADS, max_keepalive_connections=THREADS),
    )


def _fire(servers: list[Server], requests: list[Request]) -> list[httpx.Response]:
    """Send ``requests`` (method, path, json, params) all at once from ``THREADS``
    threads, alternating between the servers; the answers in the same order."""
    clients = [_client(s) for s in servers]
    try:
        with ThreadPoolExecutor(max_workers=THREADS) as pool:
            futures = [
                pool.submit(
                    clients[i % len(clients)].request, method, path, json=body, params=params
                )
                for i, (method, path, body, params) in enumerate(requests)
            ]
            return [f.result(timeout=REQUEST_TIMEOUT * 2) for f in futures]
    finally:
        for c in clients:
            c.close()


def _ok(r: httpx.Response, status: int = 200) -> Any:
    assert r.status_code == status, r.text
    return r.json()


def _ts(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _setup(servers: list[Server], model: str, versions: int = VERSIONS) -> str:
    base = f"/api/v1/models/{model}"
    with _client(servers[0]) as c:
        _ok(c.post("/api/v1/models", json={"name": model}), 201)
        for _ in range(versions):
            _ok(c.post(f"{base}/versions", json={}), 201)
    return base


def _all_versions(server: Server, base: str) -> list[dict[str, Any]]:
    with _client(server) as c:
        items: list[dict[str, Any]] = _ok(
            c.get(f"{base}/versions", params={"size": 100, "sort_by": "number"})
        )["items"]
    return items


# --- (a) stage moves with archive_existing -------------------------------------------------


def test_concurrent_promotions_to_production_leave_one(servers: list[Server]) -> None:
    base = _setup(servers, "stages")
    rounds = 2
    requests: list[Request] = [
        (
            "POST",
            f"{base}/versions/{n}/stage",
            {"stage": "Production", "archive_existing": True, "comment": f"client {i}"},
            None,
        )
        for i, n in enumerate(itertools.islice(itertools.cycle(range(1, VERSIONS + 1)), 32))
    ]
    for _ in range(rounds):
        for r in _fire(servers, requests):
            assert _ok(r)["stage"] == "Production"

    for server in servers:
        versions = _all_versions(server, base)
        stages = {v["number"]: v["stage"] for v in versions}
        in_production = [n for n, s in stages.items() if s == "Production"]
        assert len(in_production) == 1, stages
        assert all(s == "Archived" for n, s in stages.items() if n not in in_production), stages

    # The transition records tell the same story: every version has its own unbroken chain,
    # and the one in Production made the last move of all.
    (winner,) = in_production
    last_moves = {}
    with _client(servers[-1]) as c:
        for v in versions:
            items = _ok(c.get(f"{base}/versions/{v['number']}/transitions"))["items"]
            assert items[0]["from_stage"] == "None"
            for prev, nxt in itertools.pairwise(items):
                assert prev["to_stage"] == nxt["from_stage"], items
            assert items[-1]["to_stage"] == v["stage"]
            assert items[-1]["at"] == v["last_transition_at"]
            last_moves[v["number"]] = items[-1]
            moved_in = [t for t in items if t["comment"] and t["comment"].startswith("client")]
            assert len(moved_in) == rounds * len(requests) // VERSIONS
    latest = max(_ts(t["at"]) for t in last_moves.values())
    assert _ts(last_moves[winner]["at"]) == latest


# --- (b) aliases ------------------------------------------------------------------------------


def test_concurrent_alias_moves_keep_one_target_and_one_history(servers: list[Server]) -> None:
    # Every request moves the alias to a different version, so every one is a real move.
    targets = THREADS
    base = _setup(servers, "aliases", versions=targets)
    requests: list[Request] = [
        ("PUT", f"{base}/aliases/champion", {"version": n}, None) for n in range(1, targets + 1)
    ]
    for r in _fire(servers, requests):
        assert _ok(r)["alias"] == "champion"

    for server in servers:
        with _client(server) as c:
            aliases = _ok(c.get(f"{base}/aliases"))["items"]
            assert [a["alias"] for a in aliases] == ["champion"]
            current = aliases[0]["version"]
            assert _ok(c.get(f"{base}/versions/champion"))["number"] == current
            assert _ok(c.get(base))["aliases"] == [{"alias": "champion", "version": current}]
            history = _ok(c.get(f"{base}/aliases/champion/history"))["items"]
        holders = [v["number"] for v in _all_versions(server, base) if "champion" in v["aliases"]]
        assert holders == [current]
        # One entry per move, chained: each starts where the previous one ended.
        assert len(history) == targets
        assert history[0]["from_version"] is None
        for prev, nxt in itertools.pairwise(history):
            assert prev["to_version"] == nxt["from_version"], history
            assert _ts(prev["at"]) <= _ts(nxt["at"])
        assert sorted(m["to_version"] for m in history) == list(range(1, targets + 1))
        assert history[-1]["to_version"] == current


def test_concurrent_alias_compare_and_swap_has_one_winner(servers: list[Server]) -> None:
    base = _setup(servers, "cas", versions=THREADS + 1)
    with _client(servers[0]) as c:
        _ok(c.put(f"{base}/aliases/champion", json={"version": 1}))

    # Every racer expects version 1 and wants to move it elsewhere: one wins.
    requests: list[Request] = [
        ("PUT", f"{base}/aliases/champion", {"version": n, "expected_version": 1}, None)
        for n in range(2, THREADS + 2)
    ]
    responses = _fire(servers, requests)
    won = [r for r in responses if r.status_code == 200]
    assert len(won) == 1, [r.text for r in responses]
    for r in responses:
        if r.status_code != 200:
            assert r.status_code == 409, r.text
            assert r.json()["error"]["code"] == "FAILED_PRECONDITION", r.text
    winner = won[0].json()["version"]
    with _client(servers[-1]) as c:
        assert _ok(c.get(f"{base}/versions/champion"))["number"] == winner
        history = _ok(c.get(f"{base}/aliases/champion/history"))["items"]
    assert [(m["from_version"], m["to_version"]) for m in history] == [(None, 1), (1, winner)]

    # Compare-and-swap deletes: one wins, the others find it gone (FAILED_PRECONDITION).
    requests = [
        ("DELETE", f"{base}/aliases/champion", None, {"expected_version": winner})
    ] * THREADS
    responses = _fire(servers, requests)
    assert sorted(r.status_code for r in responses) == [204] + [409] * (THREADS - 1), [
        r.text for r in responses
    ]
    with _client(servers[0]) as c:
        assert _ok(c.get(f"{base}/aliases")) == {"items": []}
        history = _ok(c.get(f"{base}/aliases/champion/history"))["items"]
    assert [(m["from_version"], m["to_version"]) for m in history] == [
        (None, 1),
        (1, winner),
        (winner, None),
    ]


# --- (c) exclusive tags -----------------------------------------------------------------------


def test_concurrent_exclusive_tags_end_on_one_version(servers: list[Server]) -> None:
    base = _setup(servers, "tags")
    with _client(servers[0]) as c:
        r = c.put(f"{base}/versions/1/tags/deploy", json={"value": "v1", "exclusive": True})
        assert _ok(r)["exclusive"] is True

    # The tag route, PATCH and new versions all race for the key.
    requests: list[Request] = []
    for i in range(THREADS):
        n = i % VERSIONS + 1
        if i % 4 == 3:
            requests.append(("PATCH", f"{base}/versions/{n}", {"tags": {"deploy": f"p{i}"}}, None))
        else:
            requests.append(("PUT", f"{base}/versions/{n}/tags/deploy", {"value": f"t{i}"}, None))
    requests += [("POST", f"{base}/versions", {"tags": {"deploy": "new"}}, None)] * 4
    for r in _fire(servers, requests):
        assert r.status_code in (200, 201), r.text
        assert "deploy" in r.json().get("tags", {}) or r.json().get("key") == "deploy"

    for server in servers:
        versions = _all_versions(server, base)
        assert len(versions) == VERSIONS + 4
        holders = [v["number"] for v in versions if "deploy" in v["tags"]]
        assert len(holders) == 1, holders
        with _client(server) as c:
            tags = _ok(c.get(f"{base}/versions/{holders[0]}/tags"))["items"]
        assert [t["exclusive"] for t in tags if t["key"] == "deploy"] == [True]

    # A second round, all on the tag route with the flag: still exactly one.
    requests = [
        (
            "PUT",
            f"{base}/versions/{i % (VERSIONS + 4) + 1}/tags/deploy",
            {"value": str(i), "exclusive": True},
            None,
        )
        for i in range(THREADS * 2)
    ]
    for r in _fire(servers, requests):
        assert _ok(r)["exclusive"] is True
    holders = [v["number"] for v in _all_versions(servers[-1], base) if "deploy" in v["tags"]]
    assert len(holders) == 1, holders
