"""Time the artifact-versions view (GET /api/v1/artifact-versions) in-process.

    .venv/bin/python -m bench.artifact_view --versions 5000 \\
        --database-url sqlite:////tmp/artview/bench.db \\
        --database-url postgresql+psycopg://modelreg:modelreg@127.0.0.1:5432/modelreg_artview \\
        --write docs/benchmarks.md

Each database is migrated and filled (once; a filled one is reused) with ``--versions``
artifact versions (10 datasets, two tags and a run id each) and as many model versions (10
models). Then each query is run ``--repeat`` times through ``Services.artifacts.view``:
the whole server-side work of a request but HTTP (filters, the UNION ALL page with its
total, loading the page's versions, tags, params, metrics and file totals). It prints the
median and p95 time, and the number of SQL statements a page costs: the same for a page
of 10 and of 100 rows (no N+1). ``--write`` replaces the section between the
bench:artifact-view markers of the Markdown file.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path
from typing import Any

from sqlalchemy import event

from modelreg.domain.artifacts import ArtifactType, ArtifactVersionQuery, NewArtifact, parse_fqn
from modelreg.domain.artifacts import NewArtifactVersion as NewAV
from modelreg.domain.entities import Metric, NewModel, NewVersion, Principal
from modelreg.errors import NotFound
from modelreg.services import Services
from modelreg.services.base import utcnow
from modelreg.store.db import Database
from modelreg.store.migrate import upgrade

WHO = Principal("bench")
START_MARK = "<!-- bench:artifact-view:start -->"
END_MARK = "<!-- bench:artifact-view:end -->"
GROUPS = 10


def _fill(svc: Services, n: int) -> bool:
    """Fill the registry unless it already is; whether it had to."""
    try:
        if svc.artifacts.get(WHO, "default", "ds-0").version_count >= n // GROUPS:
            return False
    except NotFound:
        pass
    for g in range(GROUPS):
        svc.artifacts.create(WHO, "default", NewArtifact(f"ds-{g}", ArtifactType.DATASET))
        svc.models.create(WHO, "default", NewModel(f"model-{g}"))
    for i in range(n):
        g = i % GROUPS
        svc.artifacts.create_version(
            WHO,
            "default",
            f"ds-{g}",
            NewAV(tags=(f"t{i % 7}", "all"), run_id=f"run-{i % 100}", step=i % 5),
        )
        svc.versions.create(
            WHO,
            "default",
            f"model-{g}",
            NewVersion(
                run_id=f"run-{i % 100}",
                tags={"env": "prod" if i % 2 else "dev"},
                params={"lr": "0.1"},
                metrics=[Metric("auc", 0.9, 1, utcnow())],
            ),
        )
    return True


def _queries() -> dict[str, tuple[ArtifactVersionQuery, int, int]]:
    q = ArtifactVersionQuery
    return {
        "all, first page of 100": (q(), 0, 100),
        "all, first page of 10": (q(), 0, 10),
        "all, offset 4000, 100": (q(), 4000, 100),
        "name=ds-3": (q(name="ds-3"), 0, 100),
        "tag=t3": (q(tag="t3"), 0, 100),
        "run_ids=[run-7]": (q(run_ids=("run-7",)), 0, 100),
        "version=latest": (q(latest=True), 0, 100),
        "fqn=dataset:default/ds-1": (q(fqn=parse_fqn("dataset:default/ds-1", False)), 0, 100),
        "type=model, tag env=prod": (q(types=(ArtifactType.MODEL,), tag="env=prod"), 0, 100),
    }


def _run(url: str, n: int, repeat: int) -> list[str]:
    upgrade(url)
    db = Database(url)
    svc = Services(db)
    t0 = time.perf_counter()
    filled = _fill(svc, n)
    fill = f"filled in {time.perf_counter() - t0:.0f} s" if filled else "filled by an earlier run"
    statements = 0

    def count(*_: Any) -> None:
        nonlocal statements
        statements += 1

    engine = db._read  # the view is a read: count what its transaction executes
    event.listen(engine, "before_cursor_execute", count)
    dialect = db.dialect
    lines = [
        f"### {dialect}: {n:,} artifact versions + {n:,} model versions ({fill})",
        "",
        "| query | rows | total | median ms | p95 ms | SQL statements |",
        "|---|---|---|---|---|---|",
    ]
    for label, (query, offset, limit) in _queries().items():
        times = []
        for _ in range(repeat):
            statements = 0
            t = time.perf_counter()
            items, total = svc.artifacts.view(WHO, query, offset, limit)
            times.append((time.perf_counter() - t) * 1000)
        p95 = sorted(times)[int(len(times) * 0.95) - 1]
        lines.append(
            f"| {label} | {len(items)} | {total} | {statistics.median(times):.1f} | "
            f"{p95:.1f} | {statements} |"
        )
        print(lines[-1], flush=True)
    event.remove(engine, "before_cursor_execute", count)
    db.dispose()
    return [*lines, ""]


def _write(path: Path, lines: list[str], command: str) -> None:
    text = path.read_text() if path.exists() else ""
    note = (
        "In-process `Services.artifacts.view` (all but HTTP), 2 shared cores with other work "
        "running: compare rows with each other, not across runs. The statement count of a "
        "page is the same for 10 rows and 100 (the page's versions, tags, params, metrics and "
        "file totals are loaded per page, not per row); it includes the count for `total`."
    )
    body = "\n".join([START_MARK, "", f"`{command}`", "", note, "", *lines, END_MARK])
    if START_MARK in text and END_MARK in text:
        head, _, rest = text.partition(START_MARK)
        _, _, tail = rest.partition(END_MARK)
        text = head + body + tail
    else:
        text = text.rstrip() + "\n\n## The artifact-versions view\n\n" + body + "\n"
    path.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", action="append", required=True)
    parser.add_argument("--versions", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--write", type=Path)
    args = parser.parse_args()
    lines: list[str] = []
    for url in args.database_url:
        lines += _run(url, args.versions, args.repeat)
    if args.write:
        urls = " ".join(f"--database-url {u}" for u in args.database_url)
        command = (
            f".venv/bin/python -m bench.artifact_view --versions {args.versions} "
            f"--repeat {args.repeat} {urls}"
        )
        _write(args.write, lines, command)


if __name__ == "__main__":
    main()
