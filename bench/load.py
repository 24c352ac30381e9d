"""Bulk-create a synthetic registry for the search benchmarks.

    .venv/bin/python -m bench.load --database-url sqlite:///bench-data/bench.db
    .venv/bin/python -m bench.load --database-url \\
        postgresql+psycopg://modelreg:modelreg@127.0.0.1:5432/modelreg_bench

Defaults: 10,000 models x 100 versions = 1,000,000 versions in the ``default`` workspace.
Models are ``m-0`` .. ``m-9999``; every version has 2-3 tags (``env`` in prod/staging/dev
with prod about 1/3, ``team``, sometimes ``owner``), 1-2 metrics (``auc`` uniform in
[0, 1) at step 0..2, sometimes ``loss``) and 1-2 params. About 1 model in 100 has its
latest version tagged ``alias=champion`` (the stand-in bench/search.py uses for the
``alias = 'champion'`` search until the filter language has aliases) and, when the schema
has the ``model_aliases`` table, also aliased ``champion`` for real.

The schema is migrated first (the real Alembic history, so the real indexes). Rows go in
directly through SQLAlchemy Core on the store's tables: batched executemany, or on
PostgreSQL ``COPY ... FROM STDIN`` through psycopg (the default there, several times
faster). The loader refuses to load over an existing synthetic registry unless
``--reset`` is given (which drops the PostgreSQL database / deletes the SQLite file). It
ends with ANALYZE (and VACUUM on PostgreSQL) so the planners have statistics, as a
long-running installation would (autovacuum; ``PRAGMA optimize``).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import orjson
from sqlalchemy import Connection, Engine, Table, create_engine, func, insert, select, text
from sqlalchemy.engine import make_url
from uuid_utils.compat import uuid7

from modelreg.store.migrate import upgrade
from modelreg.store.schema import (
    metadata,
    model_tags,
    models,
    version_metrics,
    version_params,
    version_tags,
    versions,
    workspaces,
)

# Aliases are landing: fill them when the schema has them.
ALIASES: Table | None = metadata.tables.get("model_aliases")
TABLES: tuple[Table, ...] = (
    models,
    model_tags,
    versions,
    version_tags,
    version_metrics,
    version_params,
    *([ALIASES] if ALIASES is not None else []),
)
# The columns the loader fills, in the order of its row tuples; the others take their
# defaults (so columns other work adds later do not break the loader).
COLUMNS: dict[str, tuple[str, ...]] = {
    "models": (
        "id",
        "workspace_id",
        "name",
        "description",
        "created_by",
        "created_at",
        "updated_at",
        "last_number",
    ),
    "model_tags": ("model_id", "key", "value"),
    "model_versions": (
        "id",
        "model_id",
        "workspace_id",
        "model_name",
        "number",
        "source",
        "run_id",
        "status",
        "created_by",
        "created_at",
        "updated_at",
        "requirements",
    ),
    "version_tags": ("version_id", "key", "value"),
    "version_metrics": ("version_id", "key", "step", "timestamp", "value"),
    "version_params": ("version_id", "key", "value"),
    "model_aliases": ("model_id", "alias", "version_id"),
}
JSON_COLUMNS = {"requirements"}
ALIAS_KEY = "alias"
ALIAS_VALUE = "champion"
ENVS = ("prod", "staging", "dev")
START = datetime(2025, 1, 1, tzinfo=UTC)


@dataclass
class Batch:
    """Rows for a run of consecutive models, as tuples in each table's column order."""

    rows: dict[str, list[tuple[Any, ...]]] = field(
        default_factory=lambda: {t.name: [] for t in TABLES}
    )

    def count(self) -> int:
        return sum(len(r) for r in self.rows.values())


def _dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def generate(
    rng: random.Random, workspace_id: UUID, first: int, last: int, per_model: int
) -> Batch:
    """Models ``first`` .. ``last - 1`` with ``per_model`` versions each."""
    b = Batch()
    m_rows, mt_rows = b.rows["models"], b.rows["model_tags"]
    v_rows, vt_rows = b.rows["model_versions"], b.rows["version_tags"]
    vm_rows, vp_rows = b.rows["version_metrics"], b.rows["version_params"]
    requirements = ["scikit-learn==1.5.2", "numpy==2.1.0"]
    for i in range(first, last):
        model_id = uuid7()
        name = f"m-{i}"
        created = START + timedelta(minutes=i)
        updated = created + timedelta(minutes=per_model)
        team = f"team-{i % 37}"
        m_rows.append(
            (
                model_id,
                workspace_id,
                name,
                f"synthetic model {i}",
                "bench",
                created,
                updated,
                per_model,
            )
        )
        mt_rows.append((model_id, "team", team))
        champion = per_model if i % 100 == 42 else 0
        for n in range(1, per_model + 1):
            vid = uuid7()
            at = created + timedelta(seconds=n)
            source = f"s3://bench/m-{i}/{n}"
            run_id = f"{rng.getrandbits(64):016x}"
            v_rows.append(
                (
                    vid,
                    model_id,
                    workspace_id,
                    name,
                    n,
                    source,
                    run_id,
                    "READY",
                    "bench",
                    at,
                    at,
                    requirements,
                )
            )
            r = rng.random()
            env = "prod" if r < 1 / 3 else ("staging" if r < 2 / 3 else "dev")
            vt_rows.append((vid, "env", env))
            vt_rows.append((vid, "team", team))
            if rng.random() < 0.5:
                vt_rows.append((vid, "owner", f"user-{rng.randrange(500)}"))
            if n == champion:
                vt_rows.append((vid, ALIAS_KEY, ALIAS_VALUE))
                if ALIASES is not None:
                    b.rows["model_aliases"].append((model_id, ALIAS_VALUE, vid))
            vm_rows.append((vid, "auc", rng.randrange(3), at, rng.random()))
            if rng.random() < 0.5:
                vm_rows.append((vid, "loss", 0, at, rng.random() * 2))
            vp_rows.append((vid, "lr", f"{rng.choice((0.1, 0.01, 0.001))}"))
            if rng.random() < 0.5:
                vp_rows.append((vid, "batch_size", str(rng.choice((32, 64, 128, 256)))))
    return b


def insert_batch(conn: Connection, batch: Batch) -> None:
    """Core executemany, one statement per table."""
    for table in TABLES:
        names = COLUMNS[table.name]
        rows = batch.rows[table.name]
        if rows:
            conn.execute(insert(table), [dict(zip(names, r, strict=True)) for r in rows])


def copy_batch(conn: Connection, batch: Batch) -> None:
    """PostgreSQL COPY ... FROM STDIN (text format) on the transaction's own connection."""
    raw: Any = conn.connection.driver_connection
    # A benchmark fixture: a crash mid-load means loading again.
    conn.exec_driver_sql("SET LOCAL synchronous_commit = off")
    with raw.cursor() as cur:
        for table in TABLES:
            names = COLUMNS[table.name]
            rows = batch.rows[table.name]
            if not rows:
                continue
            json_at = [k for k, n in enumerate(names) if n in JSON_COLUMNS]
            cols = ", ".join(f'"{n}"' for n in names)
            with cur.copy(f"COPY {table.name} ({cols}) FROM STDIN") as cp:
                for r in rows:
                    if json_at:
                        row = list(r)
                        for k in json_at:
                            if row[k] is not None:
                                row[k] = _dumps(row[k])
                        cp.write_row(row)
                    else:
                        cp.write_row(r)


def _reset(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        db = parsed.database or ""
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(db + suffix).unlink(missing_ok=True)
        return
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
    admin.dispose()


def _ensure_pg_database(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        return
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        found = conn.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": parsed.database}
        ).scalar()
        if not found:
            conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    admin.dispose()


def _engine(url: str) -> Engine:
    engine = create_engine(url, json_serializer=_dumps)
    if engine.dialect.name == "sqlite":
        from sqlalchemy import event

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            # A benchmark fixture: a crash mid-load means loading again.
            cur.execute("PRAGMA synchronous=OFF")
            cur.execute("PRAGMA cache_size=-262144")
            cur.close()

    return engine


def _finish(engine: Engine) -> None:
    started = time.perf_counter()
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM (ANALYZE)"))
    else:
        with engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            conn.commit()
    print(f"analyze: {time.perf_counter() - started:.1f} s", flush=True)


def chunks(total: int, size: int) -> Iterator[tuple[int, int]]:
    for first in range(0, total, size):
        yield first, min(total, first + size)


def load(
    url: str,
    n_models: int,
    per_model: int,
    method: str,
    chunk_models: int,
    seed: int,
    analyze: bool,
) -> dict[str, int]:
    _ensure_pg_database(url)
    started = time.perf_counter()
    upgrade(url)
    print(f"migrated in {time.perf_counter() - started:.1f} s", flush=True)
    engine = _engine(url)
    if method == "auto":
        method = "copy" if engine.dialect.name == "postgresql" else "insert"
    if method == "copy" and engine.dialect.name != "postgresql":
        raise SystemExit("--method copy needs PostgreSQL")
    write = copy_batch if method == "copy" else insert_batch
    with engine.connect() as conn:
        ws = conn.execute(select(workspaces.c.id).where(workspaces.c.name == "default"))
        workspace_id = ws.scalar_one()
        existing = conn.execute(select(func.count()).select_from(models)).scalar_one()
    if existing:
        raise SystemExit(f"{existing} models already there: use --reset to start over")

    rng = random.Random(seed)
    counts = {t.name: 0 for t in TABLES}
    rows_done = 0
    started = time.perf_counter()
    gen_time = 0.0
    next_report = 0.0
    for first, last in chunks(n_models, chunk_models):
        t0 = time.perf_counter()
        batch = generate(rng, workspace_id, first, last, per_model)
        gen_time += time.perf_counter() - t0
        with engine.begin() as conn:
            write(conn, batch)
        for name, rows in batch.rows.items():
            counts[name] += len(rows)
        rows_done += batch.count()
        elapsed = time.perf_counter() - started
        if elapsed >= next_report or last == n_models:
            print(
                f"  {last:>7} models, {counts['model_versions']:>9} versions, "
                f"{rows_done:>9} rows, {elapsed:6.1f} s, {rows_done / elapsed:9.0f} rows/s",
                flush=True,
            )
            next_report = elapsed + 15
    elapsed = time.perf_counter() - started
    print(
        f"loaded {rows_done} rows ({counts['model_versions']} versions) in {elapsed:.1f} s "
        f"with {method}: {rows_done / elapsed:.0f} rows/s "
        f"({counts['model_versions'] / elapsed:.0f} versions/s; generating rows took "
        f"{gen_time:.1f} s of it)",
        flush=True,
    )
    print("rows: " + ", ".join(f"{k}={v}" for k, v in counts.items()), flush=True)
    if analyze:
        _finish(engine)
    engine.dispose()
    return counts


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("--database-url", required=True, help="SQLAlchemy URL of the target")
    p.add_argument("--models", type=int, default=10_000)
    p.add_argument("--versions-per-model", type=int, default=100)
    p.add_argument(
        "--method",
        choices=("auto", "insert", "copy"),
        default="auto",
        help="insert: Core executemany; copy: PostgreSQL COPY (auto: copy on PostgreSQL)",
    )
    p.add_argument("--chunk-models", type=int, default=100, help="models per transaction")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--reset", action="store_true", help="drop the database / file first")
    p.add_argument("--no-analyze", action="store_true", help="skip the final ANALYZE")
    args = p.parse_args(argv)
    if args.reset:
        _reset(args.database_url)
    load(
        args.database_url,
        args.models,
        args.versions_per_model,
        args.method,
        args.chunk_models,
        args.seed,
        not args.no_analyze,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
