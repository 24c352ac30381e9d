"""Throwaway databases for tests, built by the real Alembic migrations.

Each dialect is migrated once per test session (per xdist worker). On SQLite every test
gets a file copy of that migrated template. On PostgreSQL, where dropping a database costs
a checkpoint, every test gets the same migrated database emptied with DELETE (tests that
need a database of their own, like the migration tests, call ``fresh()``).
"""

from __future__ import annotations

import itertools
import os
import shutil
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from modelreg.store.migrate import upgrade
from modelreg.store.schema import metadata

PG_ENV = "MODELREG_TEST_DATABASE_URL"


class SqliteDatabases:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.template = root / "template.db"
        upgrade(f"sqlite:///{self.template}")
        self._n = itertools.count()

    def new(self) -> str:
        path = self.root / f"t{next(self._n)}.db"
        shutil.copyfile(self.template, path)
        return f"sqlite:///{path}"

    def fresh(self) -> str:
        return self.new()

    def drop(self, url: str) -> None:
        Path(make_url(url).database or "").unlink(missing_ok=True)

    def close(self) -> None:
        pass


class PostgresDatabases:
    def __init__(self, admin_url: str) -> None:
        self.admin_url = make_url(admin_url)
        self.admin = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        self.prefix = f"mrt_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        self.template = f"{self.prefix}_tmpl"
        self.shared = f"{self.prefix}_shared"
        self._n = itertools.count()
        self._create(self.template)
        upgrade(self._url(self.template))
        self.admin.dispose()  # nothing may stay connected to a template that gets copied
        self._create(self.shared, self.template)
        # One connection kept open: emptying runs before every PostgreSQL test.
        self._shared_engine = create_engine(self._url(self.shared), pool_size=1)
        data = [t.name for t in metadata.sorted_tables if t.name not in ("meta", "workspaces")]
        # Children first, in one statement. DELETE, not TRUNCATE: on tables this small it
        # takes milliseconds, where TRUNCATE makes new files for every table and index
        # (0.5 s and more on a busy machine).
        deletes = " ".join(f"DELETE FROM {name};" for name in reversed(data))
        self._empty = (
            f"DO $$ BEGIN {deletes} DELETE FROM workspaces WHERE name <> 'default'; END $$"
        )

    def _url(self, name: str) -> str:
        return self.admin_url.set(database=name).render_as_string(hide_password=False)

    def _create(self, name: str, template: str | None = None) -> None:
        tmpl = f" TEMPLATE {template}" if template else ""
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"{tmpl}'))

    def new(self) -> str:
        """The worker's shared database, emptied back to the state migrations leave."""
        with self._shared_engine.begin() as conn:
            conn.execute(text(self._empty))
        return self._url(self.shared)

    def fresh(self) -> str:
        """A database of its own, copied from the migrated template."""
        name = f"{self.prefix}_{next(self._n)}"
        self._create(name, self.template)
        return self._url(name)

    def drop(self, url: str) -> None:
        name = make_url(url).database
        if name == self.shared:
            return
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def close(self) -> None:
        self._shared_engine.dispose()
        with self.admin.connect() as conn:
            for name in (self.shared, self.template):
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.admin.dispose()


def postgres_admin_url() -> str | None:
    """The PostgreSQL URL to test against, or None when unavailable outside CI."""
    url = os.environ.get(PG_ENV)
    problem = None
    if not url:
        problem = f"{PG_ENV} is not set (scripts/test sets it)"
    else:
        try:
            engine = create_engine(url)
            with engine.connect():
                pass
            engine.dispose()
        except Exception as exc:
            problem = f"cannot connect to PostgreSQL: {exc}"
    if problem is None:
        return url
    if os.environ.get("CI"):
        raise RuntimeError(f"PostgreSQL tests must run in CI: {problem}")
    return None
