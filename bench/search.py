"""Time cross-model version search on a registry made by bench/load.py.

    .venv/bin/python -m bench.search \\
        --database-url sqlite:////tmp/benchdata/bench.db \\
        --database-url postgresql+psycopg://modelreg:modelreg@127.0.0.1:5432/modelreg_bench \\
        --write docs/benchmarks.md

For each database, each query is timed, first page of 100 in the default order (model name
ASC, version DESC, id DESC):

- in-process: ``Services(Database(url)).search.versions(...)``, the whole server-side
  work of a request (workspace check, filter parse, SQL, loading tags/metrics/params of
  the page, the next-page token) minus HTTP; also its CPU time and, separately, the time
  of the search statement alone (executed through the same connection pool, rows fetched);
- over HTTP: ``GET /api/v1/model-versions/search`` against a real uvicorn server started
  here on 127.0.0.1 (one worker), timed at the client (so it adds JSON and loopback).

Deep pagination: page 10,000 of the unfiltered walk (max_results=100; the last full page
when there are fewer) against page 1. The cursor of page 10,000 is made directly from the
keys of the last row of page 9,999 (found once with OFFSET) and checked against that
OFFSET; ``--walk`` instead follows next_page_token from page 1, timing every page.

On PostgreSQL it prints ``EXPLAIN (ANALYZE)`` of each search statement and checks that the
large tables are read through indexes only (no Seq Scan); on SQLite, EXPLAIN QUERY PLAN
(no SCAN of a large table). ``--write`` replaces the results section of the given
Markdown file (between the bench:results markers), keeping the rest.

Everything is bounded: fixed repetitions, an overall ``--max-seconds``, request timeouts,
and the server is stopped on exit.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, event, func, select
from sqlalchemy.engine import make_url

from bench.report import replace_section
from modelreg.domain.entities import Principal
from modelreg.errors import InvalidArgument
from modelreg.query.paging import PageQuery
from modelreg.services import Services
from modelreg.store.db import Database
from modelreg.store.schema import models, version_tags, versions, workspaces

WORKSPACE = "default"
PAGE_SIZE = 100
DEEP_PAGE = 10_000
TARGET_MS = 5.0
TARGET_RATIO = 2.0
BENCH = Principal("bench")
LARGE_TABLES = ("model_versions", "models", "version_tags", "version_metrics", "version_params")
START_MARK = "<!-- bench:results:start -->"
END_MARK = "<!-- bench:results:end -->"


@dataclass(frozen=True)
class Query:
    label: str
    filter: str | None
    # Used instead when the filter language rejects ``filter`` (a field not there yet).
    stand_in: str | None = None


QUERIES = (
    Query("name = 'm-42'", "name = 'm-42'"),
    Query(
        "tags.env = 'prod' AND metrics.auc > 0.9",
        "tags.env = 'prod' AND metrics.auc > 0.9",
    ),
    Query("name LIKE 'm-4%'", "name LIKE 'm-4%'"),
    # Until the filter language has aliases, the loader's alias=champion tag stands in.
    Query("alias = 'champion'", "alias = 'champion'", stand_in="tags.alias = 'champion'"),
)


class Deadline:
    def __init__(self, seconds: float) -> None:
        self.end = time.monotonic() + seconds

    def check(self, what: str) -> None:
        if time.monotonic() > self.end:
            raise SystemExit(f"--max-seconds reached before {what}")


@dataclass
class Timing:
    """Samples in seconds."""

    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    # HTTP only: the server's own time per request, from its Server-Timing header.
    server: list[float] = field(default_factory=list)

    def p(self, q: float, which: str = "wall") -> float:
        xs: list[float] = sorted(getattr(self, which))
        if not xs:
            return float("nan")
        k = min(len(xs) - 1, max(0, round(q * (len(xs) - 1))))
        return xs[k] * 1000


@dataclass
class QueryResult:
    query: Query
    rows: int
    inproc: Timing
    sql: Timing
    http: Timing | None = None
    plan: str = ""
    plan_ok: bool | None = None


@dataclass
class DeepResult:
    page: int
    page1: Timing
    deep: Timing
    http_page1: Timing | None = None
    http_deep: Timing | None = None
    walk_seconds: float | None = None
    walk_pages: int | None = None
    plan: str = ""
    plan_ok: bool | None = None


@dataclass
class DialectResult:
    dialect: str
    url: str
    versions: int
    models: int
    tags: int
    queries: list[QueryResult] = field(default_factory=list)
    deep: DeepResult | None = None
    load: list[tuple[str, tuple[float, float, float]]] = field(default_factory=list)


# --- statement capture ------------------------------------------------------------------


class Capture:
    """Records the statements run on the engines while ``active``."""

    def __init__(self) -> None:
        self.active = False
        self.statements: list[tuple[str, Any]] = []
        event.listen(Engine, "before_cursor_execute", self._before)

    def _before(
        self,
        _conn: Any,
        _cursor: Any,
        statement: str,
        parameters: Any,
        _context: Any,
        _executemany: bool,
    ) -> None:
        if self.active:
            self.statements.append((statement, parameters))

    @contextlib.contextmanager
    def on(self) -> Iterator[list[tuple[str, Any]]]:
        self.statements = []
        self.active = True
        try:
            yield self.statements
        finally:
            self.active = False

    @staticmethod
    def search_statement(statements: Sequence[tuple[str, Any]]) -> tuple[str, Any]:
        """The search itself: the statement over model_versions with the keyset ORDER BY."""
        for stmt, params in statements:
            if "FROM model_versions" in stmt and "ORDER BY" in stmt and "_k0" in stmt:
                return stmt, params
        raise RuntimeError("search statement not captured")


# --- measurement helpers ----------------------------------------------------------------


def time_calls(fn: Callable[[], Any], reps: int, warmup: int, deadline: Deadline) -> Timing:
    for _ in range(warmup):
        fn()
    t = Timing()
    for _ in range(reps):
        deadline.check("the end of a measurement")
        c0, w0 = time.process_time(), time.perf_counter()
        fn()
        t.wall.append(time.perf_counter() - w0)
        t.cpu.append(time.process_time() - c0)
    return t


def explain(db: Database, stmt: str, params: Any) -> tuple[str, bool]:
    """The plan of a captured statement, and whether large tables are only index-read."""
    with db.read() as conn:
        if db.dialect == "postgresql":
            rows = conn.exec_driver_sql("EXPLAIN (ANALYZE, COSTS OFF) " + stmt, params).all()
            text = "\n".join(r[0] for r in rows)
            bad = [t for t in LARGE_TABLES if re.search(rf"Seq Scan on {t}\b", text)]
            uses_index = "Index" in text
            return text, not bad and uses_index
        rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + stmt, params).all()
        text = "\n".join(str(r[-1]) for r in rows)
        bad = [t for t in LARGE_TABLES if re.search(rf"\bSCAN {t}\b(?! USING)", text)]
        return text, not bad


def sql_timing(
    db: Database, stmt: str, params: Any, reps: int, deadline: Deadline
) -> tuple[Timing, int]:
    """The search statement alone: executed and all rows fetched, through the read pool."""
    out = Timing()
    n = 0
    with db.read() as conn:
        for i in range(reps + 3):
            deadline.check("the end of a measurement")
            c0, w0 = time.process_time(), time.perf_counter()
            n = len(conn.exec_driver_sql(stmt, params).all())
            if i >= 3:
                out.wall.append(time.perf_counter() - w0)
                out.cpu.append(time.process_time() - c0)
    return out, n


# --- HTTP server ------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextlib.contextmanager
def http_server(url: str, log: Path) -> Iterator[str]:
    """uvicorn on 127.0.0.1 serving ``url``; stopped (TERM, then KILL) on exit."""
    port = _free_port()
    # Without authentication: its per-request cost is bench/auth.py's measure.
    env = {
        **os.environ,
        "MODELREG_DATABASE_URL": url,
        "MODELREG_LOG_LEVEL": "warning",
        "MODELREG_NO_AUTH": "true",
    }
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "modelreg.api.app:app_from_env",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    with log.open("ab") as out:
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited with {proc.returncode}; see {log}")
            try:
                if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"server did not answer within 60 s; see {log}")
            time.sleep(0.2)
        yield base
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)


def http_timing(
    client: httpx.Client, params: dict[str, Any], reps: int, warmup: int, deadline: Deadline
) -> tuple[Timing, dict[str, Any]]:
    last: dict[str, Any] = {}

    def call() -> None:
        nonlocal last
        r = client.get("/api/v1/model-versions/search", params=params)
        r.raise_for_status()
        last = r.json()

    # JSON decoding happens outside the timed window below: time only the request.
    t = Timing()
    for _ in range(warmup):
        call()
    for _ in range(reps):
        deadline.check("the end of an HTTP measurement")
        w0 = time.perf_counter()
        r = client.get("/api/v1/model-versions/search", params=params)
        t.wall.append(time.perf_counter() - w0)
        r.raise_for_status()
        t.server.append(float(r.headers["server-timing"].partition(";dur=")[2]) / 1000)
    call()
    return t, last


# --- the runs ---------------------------------------------------------------------------


def _search(svc: Services, filt: str | None, token: str | None = None) -> Any:
    return svc.search.versions(
        BENCH, WORKSPACE, filt, [], PageQuery(size=PAGE_SIZE, page_token=token)
    )


def deep_cursor(svc: Services, db: Database, total: int) -> tuple[int, str, Any]:
    """(page number, its page_token, the keys of its first row) for page 10,000 (or the
    last full page) of the unfiltered walk, from the keys of the row just before it."""
    page = min(DEEP_PAGE, max(2, total // PAGE_SIZE))
    before = (page - 1) * PAGE_SIZE - 1  # 0-based offset of the last row of page - 1
    v = versions.c
    ws_id = select(workspaces.c.id).where(workspaces.c.name == WORKSPACE).scalar_subquery()
    keys_q = (
        select(v.model_name, v.number, v.id)
        .where(v.workspace_id == ws_id)
        .order_by(v.model_name.asc(), v.number.desc(), v.id.desc())
        .offset(before)
        .limit(2)
    )
    with db.read() as conn:
        rows = conn.execute(keys_q).all()
    last, first = tuple(rows[0]), tuple(rows[1])
    # The binding SearchService.versions gives its cursors: scope, filter, order.
    binding = svc.search.codec.binding("search-versions", WORKSPACE, "", [])
    return page, svc.search.codec.encode(last, binding), first


def run_dialect(
    url: str, reps: int, http_reps: int, walk: bool, deadline: Deadline, log: Path
) -> DialectResult:
    db = Database(url, pool_size=4)
    svc = Services(db)
    capture = CAPTURE
    with db.read() as conn:
        counts = [
            conn.execute(select(func.count()).select_from(t)).scalar_one()
            for t in (versions, models, version_tags)
        ]
    res = DialectResult(db.dialect, url, versions=counts[0], models=counts[1], tags=counts[2])
    res.load.append(("start", os.getloadavg()))
    print(
        f"\n== {db.dialect}: {res.versions:,} versions, {res.models:,} models, "
        f"{res.tags:,} version tags ({make_url(url).render_as_string(hide_password=True)})",
        flush=True,
    )

    for q in QUERIES:
        deadline.check(q.label)
        try:
            _search(svc, q.filter)
        except InvalidArgument:
            if q.stand_in is None:
                raise
            q = Query(f"{q.label} (stand-in: {q.stand_in})", q.stand_in)
        with capture.on() as stmts:
            page = _search(svc, q.filter)
        stmt, params = Capture.search_statement(stmts)
        plan, ok = explain(db, stmt, params)
        inproc = time_calls(partial(_search, svc, q.filter), reps, 5, deadline)
        sql, _ = sql_timing(db, stmt, params, reps, deadline)
        r = QueryResult(q, len(page.items), inproc, sql, plan=plan, plan_ok=ok)
        res.queries.append(r)
        print(
            f"  {q.label:<42} rows={r.rows:>3}  in-process p50 {inproc.p(0.5):6.2f} ms "
            f"p95 {inproc.p(0.95):6.2f} ms (cpu p50 {inproc.p(0.5, 'cpu'):5.2f})  "
            f"search SQL p50 {sql.p(0.5):6.2f} ms  plan {'index-only' if ok else 'CHECK'}",
            flush=True,
        )
        print("    " + plan.replace("\n", "\n    "), flush=True)

    # Deep pagination.
    deadline.check("deep pagination")
    page_no, token, first_keys = deep_cursor(svc, db, res.versions)
    with capture.on() as stmts:
        deep_page = _search(svc, None, token)
    got = (deep_page.items[0].model_name, deep_page.items[0].number, deep_page.items[0].id)
    if got != first_keys:
        raise RuntimeError(f"page {page_no} starts at {got}, OFFSET says {first_keys}")
    stmt, params = Capture.search_statement(stmts)
    plan, ok = explain(db, stmt, params)
    page1 = time_calls(lambda: _search(svc, None), reps, 5, deadline)
    deep = time_calls(lambda: _search(svc, None, token), reps, 5, deadline)
    d = DeepResult(page_no, page1, deep, plan=plan, plan_ok=ok)
    res.deep = d
    print(
        f"  page 1 p50 {page1.p(0.5):6.2f} ms, page {page_no:,} p50 {deep.p(0.5):6.2f} ms: "
        f"x{deep.p(0.5) / page1.p(0.5):.2f}; plan {'index-only' if ok else 'CHECK'}",
        flush=True,
    )
    print("    " + plan.replace("\n", "\n    "), flush=True)
    if walk:
        d.walk_pages, d.walk_seconds = walk_pages(svc, page_no, deadline)

    # HTTP.
    deadline.check("HTTP")
    with http_server(url, log) as base, httpx.Client(base_url=base, timeout=30) as client:
        for r in res.queries:
            params_q = {"filter": r.query.filter, "max_results": PAGE_SIZE}
            r.http, body = http_timing(client, params_q, http_reps, 5, deadline)
            assert len(body["items"]) == r.rows, (len(body["items"]), r.rows)
            print(
                f"  HTTP {r.query.label:<37} p50 {r.http.p(0.5):6.2f} ms "
                f"p95 {r.http.p(0.95):6.2f} ms server p50 {r.http.p(0.5, 'server'):6.2f} ms",
                flush=True,
            )
        d.http_page1, _ = http_timing(client, {"max_results": PAGE_SIZE}, http_reps, 5, deadline)
        d.http_deep, body = http_timing(
            client, {"max_results": PAGE_SIZE, "page_token": token}, http_reps, 5, deadline
        )
        assert body["items"][0]["id"] == str(first_keys[2])
        print(
            f"  HTTP page 1 p50 {d.http_page1.p(0.5):6.2f} ms, page {page_no:,} p50 "
            f"{d.http_deep.p(0.5):6.2f} ms",
            flush=True,
        )
    res.load.append(("end", os.getloadavg()))
    db.dispose()
    return res


def walk_pages(svc: Services, upto: int, deadline: Deadline) -> tuple[int, float]:
    """Follow next_page_token from page 1 to ``upto``; returns (pages walked, seconds)."""
    started = time.perf_counter()
    token = None
    seen = 0
    for n in range(1, upto + 1):
        deadline.check(f"page {n} of the walk")
        page = _search(svc, None, token)
        seen += len(page.items)
        token = page.next_page_token
        if n % 1000 == 0:
            print(f"    walked {n:,} pages in {time.perf_counter() - started:.1f} s", flush=True)
        if token is None:
            return n, time.perf_counter() - started
    return upto, time.perf_counter() - started


CAPTURE = Capture()


# --- report -----------------------------------------------------------------------------


def _ms(x: float) -> str:
    return f"{x:.2f}"


def _verdict(ok: bool) -> str:
    return "yes" if ok else "**no**"


def report(results: Sequence[DialectResult], command: str, reps: int, http_reps: int) -> str:
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    cpu = platform.processor() or platform.machine()
    lines = [
        START_MARK,
        "",
        f"Measured {now} on {os.cpu_count()} cores ({cpu}, {platform.system()}), "
        f"Python {platform.python_version()}, by:",
        "",
        "```",
        command,
        "```",
        "",
        f"In-process: p50/p95 of {reps} calls of `Services.search.versions` (the whole "
        "server-side request minus HTTP), its CPU time, and the search statement alone. "
        f"HTTP: p50/p95 of {http_reps} requests to a local uvicorn server, timed at the "
        "client, and the server's own time per request from its `Server-Timing` header "
        "(request received to response started: everything but the client and loopback, "
        "JSON encoding included). Target: p50 ≤ 5 ms server-side.",
        "",
    ]
    for r in results:
        load = ", ".join(f"{k} {a:.1f}/{b:.1f}/{c:.1f}" for k, (a, b, c) in r.load)
        lines += [
            f"### {r.dialect}: {r.versions:,} versions, {r.models:,} models",
            "",
            f"Load average (1/5/15 min) at {load}.",
            "",
            "| query | rows | in-process p50 | p95 | CPU p50 | search SQL p50 | HTTP p50 | "
            "HTTP p95 | server p50 (HTTP) | index plan | in-process p50 ≤ 5 ms | "
            "server p50 ≤ 5 ms |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---|",
        ]
        for q in r.queries:
            http50 = _ms(q.http.p(0.5)) if q.http else "-"
            http95 = _ms(q.http.p(0.95)) if q.http else "-"
            server50 = q.http.p(0.5, "server") if q.http else float("nan")
            lines.append(
                f"| `{q.query.label}` | {q.rows} | {_ms(q.inproc.p(0.5))} | "
                f"{_ms(q.inproc.p(0.95))} | {_ms(q.inproc.p(0.5, 'cpu'))} | "
                f"{_ms(q.sql.p(0.5))} | {http50} | {http95} | {_ms(server50)} | "
                f"{'yes' if q.plan_ok else '**check**'} | "
                f"{_verdict(q.inproc.p(0.5) <= TARGET_MS)} | "
                f"{_verdict(server50 <= TARGET_MS)} |"
            )
        d = r.deep
        if d is not None:
            ratio = d.deep.p(0.5) / d.page1.p(0.5)
            http = ""
            if d.http_page1 and d.http_deep:
                http = (
                    f" Over HTTP: page 1 p50 {_ms(d.http_page1.p(0.5))} ms, page "
                    f"{d.page:,} p50 {_ms(d.http_deep.p(0.5))} ms."
                )
            walk = ""
            if d.walk_seconds is not None:
                walk = (
                    f" Walking pages 1..{d.walk_pages:,} with next_page_token took "
                    f"{d.walk_seconds:.1f} s ({d.walk_seconds / (d.walk_pages or 1) * 1000:.2f}"
                    " ms/page)."
                )
            lines += [
                "",
                f"Deep pagination (no filter, default order): page 1 p50 "
                f"{_ms(d.page1.p(0.5))} ms, page {d.page:,} p50 {_ms(d.deep.p(0.5))} ms "
                f"(p95 {_ms(d.deep.p(0.95))}): **{ratio:.2f}x** "
                f"(target ≤ {TARGET_RATIO:.0f}x: {_verdict(ratio <= TARGET_RATIO)}).{http}{walk}",
            ]
        lines.append("")
    lines += ["<details><summary>Plans</summary>", ""]
    for r in results:
        for q in r.queries:
            lines += [f"{r.dialect}, `{q.query.label}`:", "", "```", q.plan, "```", ""]
        if r.deep is not None:
            lines += [
                f"{r.dialect}, page {r.deep.page:,} (keyset):",
                "",
                "```",
                r.deep.plan,
                "```",
                "",
            ]
    lines += ["</details>", "", END_MARK]
    return "\n".join(lines)


def write_report(
    path: Path, section: str, start: str = START_MARK, end: str = END_MARK, heading: str = "Results"
) -> None:
    """Replace the text between ``start`` and ``end`` in ``path`` (``section`` includes
    both marks), or append it under ``heading``."""
    replace_section(path, start, end, f"## {heading}", section)


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("--database-url", action="append", required=True, help="repeatable")
    p.add_argument("--reps", type=int, default=200, help="timed in-process calls per query")
    p.add_argument("--http-reps", type=int, default=100, help="timed requests per query")
    p.add_argument("--walk", action="store_true", help="also walk page 1..10,000 by token")
    p.add_argument("--write", type=Path, help="Markdown file whose results section to replace")
    p.add_argument("--max-seconds", type=float, default=1800)
    p.add_argument("--server-log", type=Path, default=Path("/tmp/modelreg-bench-server.log"))
    args = p.parse_args(argv)
    deadline = Deadline(args.max_seconds)
    results = [
        run_dialect(url, args.reps, args.http_reps, args.walk, deadline, args.server_log)
        for url in args.database_url
    ]
    command = ".venv/bin/python -m bench.search " + " ".join(
        shlex.quote(a) for a in (sys.argv[1:] if argv is None else argv)
    )
    section = report(results, command, args.reps, args.http_reps)
    print("\n" + section)
    if args.write:
        write_report(args.write, section)
        print(f"\nwrote {args.write}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
