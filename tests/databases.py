"""Throwaway databases for tests, built by the real Alembic migrations.

Each dialect is migrated once per test session into a template; every test then gets a
copy of it (a file copy on SQLite, CREATE DATABASE ... TEMPLATE on PostgreSQL), so tests
are isolated without paying for migrations each time.
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
        self._n = itertools.count()
        self._create(self.template)
        upgrade(self._url(self.template))
        self.admin.dispose()  # nothing may stay connected to a template that gets copied

    def _url(self, name: str) -> str:
        return self.admin_url.set(database=name).render_as_string(hide_password=False)

    def _create(self, name: str, template: str | None = None) -> None:
        tmpl = f" TEMPLATE {template}" if template else ""
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"{tmpl}'))

    def new(self) -> str:
        name = f"{self.prefix}_{next(self._n)}"
        self._create(name, self.template)
        return self._url(name)

    def drop(self, url: str) -> None:
        name = make_url(url).database
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def close(self) -> None:
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{self.template}" WITH (FORCE)'))
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
