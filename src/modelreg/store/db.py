"""Engines and transactions. Dialect differences (SQLite locking, pragmas) live here only."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, create_engine, event, insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, OperationalError

from modelreg.errors import DeadlineExceeded
from modelreg.store.schema import meta
from modelreg.store.version_cache import VersionCache


def _json_dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def _unicode_lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def _sqlite_engine(url: str, pool_size: int, begin: str) -> Engine:
    engine = create_engine(
        url,
        pool_size=pool_size,
        max_overflow=0,
        pool_timeout=120,
        json_serializer=_json_dumps,
        json_deserializer=orjson.loads,
        connect_args={"check_same_thread": False, "timeout": 60},
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event emit BEGIN itself (pysqlite's own is deferred and
        # late), so writers can take the write lock up front with BEGIN IMMEDIATE.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=60000")
        # LIKE is case-sensitive in the filter language, as on PostgreSQL; ILIKE is not.
        cur.execute("PRAGMA case_sensitive_like=ON")
        cur.close()
        # SQLite's lower() only folds ASCII; case-insensitive filters (lower(x) LIKE lower(y))
        # must fold 'É' to 'é' as PostgreSQL does.
        dbapi_conn.create_function("lower", 1, _unicode_lower, deterministic=True)

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql(begin)

    return engine


# PostgreSQL's SQLSTATE for a statement cancelled by statement_timeout.
_QUERY_CANCELED = "57014"


@contextmanager
def _deadline(timeout: float | None) -> Iterator[None]:
    """Turn a statement cancelled for running too long into DEADLINE_EXCEEDED."""
    try:
        yield
    except OperationalError as exc:
        if getattr(exc.orig, "sqlstate", None) != _QUERY_CANCELED:
            raise
        raise DeadlineExceeded(
            f"a database statement ran longer than {timeout:g} s and was cancelled",
            {"timeout_seconds": timeout},
        ) from None


class Database:
    """One database, with separate read and write transactions.

    On SQLite, writes go through a one-connection engine that starts with BEGIN IMMEDIATE:
    writers queue in the pool instead of failing with "database is locked" when a deferred
    transaction tries to upgrade its lock, and readers (WAL) never wait for them. On
    PostgreSQL both are the same pooled engine; row locks do the serialising.
    """

    def __init__(
        self,
        url: str,
        pool_size: int = 10,
        statement_timeout: float | None = None,
        version_cache_size: int = 20_000,
    ) -> None:
        self.url = url
        self.statement_timeout = statement_timeout
        # Loaded versions by (id, revision), for read transactions (store/version_cache.py).
        self.version_cache = VersionCache(version_cache_size)
        parsed = make_url(url)
        self.dialect = parsed.get_backend_name()
        if self.dialect == "sqlite":
            if parsed.database and parsed.database != ":memory:":
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            self._read = _sqlite_engine(url, pool_size, "BEGIN")
            self._write = _sqlite_engine(url, 1, "BEGIN IMMEDIATE")
        else:
            # The server cancels a statement running past the timeout (DEADLINE_EXCEEDED),
            # so no request holds a worker and a connection indefinitely.
            options = {}
            if statement_timeout is not None:
                ms = max(1, int(statement_timeout * 1000))
                options["connect_args"] = {"options": f"-c statement_timeout={ms}"}
            self._write = create_engine(
                url,
                pool_size=pool_size,
                max_overflow=pool_size,
                pool_pre_ping=True,
                json_serializer=_json_dumps,
                json_deserializer=orjson.loads,
                **options,
            )
            # Reads run in autocommit: under READ COMMITTED every statement takes its own
            # snapshot anyway, so a read "transaction" only added a BEGIN and a COMMIT round
            # trip to each request. Same pool; psycopg switches the mode client-side.
            self._read = self._write.execution_options(isolation_level="AUTOCOMMIT")

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read-only transaction (on PostgreSQL, READ COMMITTED statements in autocommit,
        which is what a read transaction at that level guarantees too)."""
        with _deadline(self.statement_timeout), self._read.begin() as conn:
            yield conn

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A transaction that commits on exit and rolls back on any exception."""
        with _deadline(self.statement_timeout), self._write.begin() as conn:
            yield conn

    def ping(self) -> bool:
        """True when the database answers a trivial query."""
        try:
            with self._read.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception:
            return False
        return True

    def shared_secret(self, key: str = "cursor_secret") -> bytes:
        """A random secret created once per database and shared by every server process."""
        with self.read() as conn:
            found = conn.execute(select(meta.c.value).where(meta.c.key == key)).scalar()
        if found is None:
            try:
                with self.write() as conn:
                    conn.execute(insert(meta).values(key=key, value=secrets.token_hex(32)))
            except IntegrityError:
                pass  # another process created it first; read theirs
            with self.read() as conn:
                found = conn.execute(select(meta.c.value).where(meta.c.key == key)).scalar_one()
        return bytes.fromhex(found)

    def dispose(self) -> None:
        self._read.dispose()
        self._write.dispose()
