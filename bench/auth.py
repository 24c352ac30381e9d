"""What authentication costs per request.

    .venv/bin/python -m bench.auth --database-url sqlite:////tmp/benchauth/a.db \\
        --database-url postgresql+psycopg://modelreg:modelreg@127.0.0.1:5432/modelreg_benchauth \\
        --write docs/benchmarks.md

For each database (migrated here; PostgreSQL databases are created if missing): the
token lookup alone (``AccessService.authenticate``: hash, one indexed query for the token
and its subject, one for its roles), and ``GET /api/v1/models`` in process through the
whole app (Starlette TestClient) with authentication on and off. Fixed repetitions;
prints p50/p90 and, with ``--write``, replaces the section between the bench:auth markers.
"""

from __future__ import annotations

import argparse
import re
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from modelreg.api.app import create_app
from modelreg.config import Settings
from modelreg.domain.access import ALL_SCOPES, Role, Scope, SubjectKind
from modelreg.services import Services
from modelreg.services.access import RoleAuthorizer
from modelreg.services.base import AllowAll
from modelreg.store.db import Database
from modelreg.store.migrate import upgrade

N = 400


def _times(fn: Callable[[], object], n: int = N) -> tuple[float, float]:
    for _ in range(20):
        fn()
    samples = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(n * 0.9)]


def _prepare(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
        admin.dispose()
    elif parsed.database:
        Path(parsed.database).unlink(missing_ok=True)
    upgrade(url)


def run(url: str) -> list[str]:
    _prepare(url)
    on = Services(Database(url, pool_size=4), authz=RoleAuthorizer())
    boot = on.access.bootstrap()
    assert boot is not None
    admin = on.access.authenticate(boot.secret)
    # A realistic caller: a user with a role in 20 workspaces (its roles load per request).
    on.access.create_subject(admin, "ana", SubjectKind.USER)
    for i in range(20):
        on.workspaces.create(admin, f"ws-{i}", None)
        on.access.set_member(admin, f"ws-{i}", "ana", Role.EDITOR)
    on.access.set_member(admin, "default", "ana", Role.EDITOR)
    token = on.access.create_token(admin, "ana", ALL_SCOPES - {Scope.ADMIN}, None, None).secret
    lookup = _times(lambda: on.access.authenticate(token))
    headers = {"Authorization": f"Bearer {token}"}
    with TestClient(create_app(Settings(database_url=url), services=on)) as c:
        c.post("/api/v1/models", json={"name": "m"}, headers=headers).raise_for_status()
        with_auth = _times(lambda: c.get("/api/v1/models", headers=headers).raise_for_status())
    off = Services(Database(url, pool_size=4), authz=AllowAll())
    with TestClient(create_app(Settings(database_url=url, no_auth=True), services=off)) as c:
        without = _times(lambda: c.get("/api/v1/models").raise_for_status())
    on.db.dispose()
    off.db.dispose()
    name = make_url(url).get_backend_name()
    return [
        f"| {name} | token lookup (authenticate) | {lookup[0]:.2f} | {lookup[1]:.2f} |",
        f"| {name} | GET /api/v1/models, auth on | {with_auth[0]:.2f} | {with_auth[1]:.2f} |",
        f"| {name} | GET /api/v1/models, auth off | {without[0]:.2f} | {without[1]:.2f} |",
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--database-url", action="append", required=True)
    ap.add_argument("--write", type=Path)
    args = ap.parse_args()
    rows = ["| database | what | p50 ms | p90 ms |", "|---|---|---|---|"]
    for url in args.database_url:
        rows += run(url)
    table = "\n".join(rows)
    print(table)
    if args.write:
        doc = args.write.read_text()
        section = (
            "<!-- bench:auth -->\n"
            f"{N} requests each, in process (TestClient), one client, "
            "`python -m bench.auth` (see its docstring for the exact command).\n\n"
            f"{table}\n<!-- /bench:auth -->"
        )
        if "<!-- bench:auth -->" in doc:
            doc = re.sub(r"<!-- bench:auth -->.*<!-- /bench:auth -->", section, doc, flags=re.S)
        else:
            doc += "\n## Authentication overhead\n\n" + section + "\n"
        args.write.write_text(doc)


if __name__ == "__main__":
    main()
