"""Small statement helpers every store module uses."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
from sqlalchemy import (
    ColumnElement,
    Connection,
    Executable,
    String,
    Table,
    Uuid,
    and_,
    any_,
    bindparam,
    exists,
    func,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from modelreg.errors import AlreadyExists


def upsert(
    conn: Connection, table: Table, rows: Sequence[dict[str, Any]], keys: Sequence[str]
) -> None:
    """INSERT ... ON CONFLICT (keys) DO UPDATE, on either dialect. Rows must not repeat keys."""
    if not rows:
        return
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    stmt = insert(table).values(list(rows))
    updates = {c: stmt.excluded[c] for c in rows[0] if c not in keys}
    conn.execute(stmt.on_conflict_do_update(index_elements=list(keys), set_=updates))


def has_kv(table: Table, owner: ColumnElement[Any], key: str, value: str) -> ColumnElement[bool]:
    """EXISTS a (key, value) row in a tag-like child table of ``owner``."""
    fk = next(iter(table.foreign_keys)).parent
    return exists(select(1).where(and_(fk == owner, table.c.key == key, table.c.value == value)))


def load_kv(conn: Connection, table: Table, ids: Sequence[Any]) -> dict[Any, dict[str, str]]:
    """Key/value children of many owners in one query: {owner_id: {key: value}}."""
    out: dict[Any, dict[str, str]] = {i: {} for i in ids}
    if not ids:
        return out
    fk = next(iter(table.foreign_keys)).parent
    rows = conn.execute(
        select(fk, table.c.key, table.c.value).where(fk.in_(ids)).order_by(fk, table.c.key)
    )
    for owner, key, value in rows:
        out[owner][key] = value
    return out


def merge_kv(
    conn: Connection, table: Table, owner_col: str, owner: Any, changes: dict[str, str | None]
) -> None:
    """Apply a tag-style patch: a value sets the key, None deletes it."""
    drop = [k for k, v in changes.items() if v is None]
    if drop:
        conn.execute(table.delete().where(and_(table.c[owner_col] == owner, table.c.key.in_(drop))))
    upsert(
        conn,
        table,
        [{owner_col: owner, "key": k, "value": v} for k, v in changes.items() if v is not None],
        (owner_col, "key"),
    )


def in_ids(dialect: str, column: ColumnElement[Any]) -> ColumnElement[bool]:
    """``column`` IN the UUIDs bound as ONE parameter ``:ids`` (see ids_value).

    An expanding ``IN (:id1, ..., :id100)`` is re-rendered and re-parsed on every execution,
    which costs more than running a page's child query; one array parameter keeps the
    statement text fixed: ``= ANY(:ids)`` on PostgreSQL, ``IN json_each(:ids)`` on SQLite.
    """
    if dialect == "postgresql":
        return column == any_(bindparam("ids", type_=postgresql.ARRAY(Uuid())))
    values = func.json_each(bindparam("ids", type_=String())).table_valued("value")
    return column.in_(select(values.c.value))


def ids_value(dialect: str, ids: Sequence[Any]) -> Any:
    """The ``:ids`` parameter of in_ids: a list of UUIDs, or JSON text of their hex form
    (how SQLAlchemy's Uuid stores them on SQLite)."""
    if dialect == "postgresql":
        return list(ids)
    return orjson.dumps([i.hex for i in ids]).decode()


def next_number(conn: Connection, table: Table, owner_id: Any, now: Any) -> int | None:
    """Hand out the next version number of a model or artifact row (None: the row is gone).

    One UPDATE ... RETURNING: PostgreSQL's row lock (SQLite's write lock) makes concurrent
    callers, in any number of server processes, each get a different number, and the row
    stays locked for the rest of the transaction.
    """
    number: int | None = conn.execute(
        update(table)
        .where(table.c.id == owner_id)
        .values(last_number=table.c.last_number + 1, updated_at=now)
        .returning(table.c.last_number)
    ).scalar()
    return number


def insert_unique(conn: Connection, stmt: Executable, taken: AlreadyExists) -> None:
    """Run an INSERT in a savepoint; a unique-key clash raises ``taken`` and leaves the
    transaction usable."""
    try:
        with conn.begin_nested():
            conn.execute(stmt)
    except IntegrityError:
        raise taken from None
