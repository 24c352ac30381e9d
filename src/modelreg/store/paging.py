"""Applies a PageRequest to a SELECT: keyset or offset slicing, plus an optional count."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Connection, Row, Select, func, literal, select, tuple_

from modelreg.errors import InvalidArgument
from modelreg.query.paging import PageRequest


@dataclass(frozen=True, slots=True)
class Slice:
    """Rows of one page; ``next_keys`` are the sort keys of its last row if more follow."""

    rows: Sequence[Row[Any]]
    next_keys: tuple[Any, ...] | None
    total: int | None


def paginate(
    conn: Connection,
    stmt: Select[Any],
    order: Sequence[ColumnElement[Any]],
    descending: bool,
    req: PageRequest,
) -> Slice:
    """Slice ``stmt`` ordered by ``order`` (which must end with a unique column).

    Every term sorts in the same direction, so "after this row" is one row-value comparison
    that PostgreSQL and SQLite both turn into an index range: page 10,000 costs what page 1
    does.
    """
    total = None
    if req.include_total:
        counted = select(func.count()).select_from(stmt.order_by(None).subquery())
        total = conn.execute(counted).scalar_one()
    labels = [f"_k{i}" for i in range(len(order))]
    stmt = stmt.add_columns(*(col.label(lb) for col, lb in zip(order, labels, strict=True)))
    if req.after is not None:
        if len(req.after) != len(order):
            raise InvalidArgument("invalid page_token", {"field": "page_token"})
        bound = tuple_(
            *(literal(v, type_=col.type) for col, v in zip(order, req.after, strict=True))
        )
        row_value = tuple_(*order)
        stmt = stmt.where(row_value < bound if descending else row_value > bound)
    stmt = stmt.order_by(*(col.desc() if descending else col.asc() for col in order))
    if req.after is None and req.page is not None:
        stmt = stmt.offset(req.offset)
    rows = conn.execute(stmt.limit(req.size + 1)).all()
    next_keys = None
    if len(rows) > req.size:
        rows = rows[: req.size]
        last = rows[-1]
        next_keys = tuple(getattr(last, lb) for lb in labels)
    return Slice(rows, next_keys, total)
