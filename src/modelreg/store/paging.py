"""Applies a PageRequest to a SELECT: keyset or offset slicing, plus an optional count."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Row,
    Select,
    and_,
    func,
    literal,
    or_,
    select,
    tuple_,
)

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
    order: Sequence[tuple[ColumnElement[Any], bool]],
    req: PageRequest,
) -> Slice:
    """Slice ``stmt`` ordered by ``order`` — (expression, descending) pairs whose last
    expression is unique and none of which is NULL.

    When every term sorts the same way, "after this row" is one row-value comparison that
    PostgreSQL and SQLite both turn into an index range: page 10,000 costs what page 1 does.
    Mixed directions expand to (a > x) OR (a = x AND b < y) OR ...
    """
    total = None
    if req.include_total:
        counted = select(func.count()).select_from(stmt.order_by(None).subquery())
        total = conn.execute(counted).scalar_one()
    labels = [f"_k{i}" for i in range(len(order))]
    cols = [col for col, _ in order]
    stmt = stmt.add_columns(*(col.label(lb) for col, lb in zip(cols, labels, strict=True)))
    if req.after is not None:
        if len(req.after) != len(order):
            raise InvalidArgument("invalid page_token", {"field": "page_token"})
        stmt = stmt.where(_after(order, req.after))
    stmt = stmt.order_by(*(col.desc() if desc else col.asc() for col, desc in order))
    if req.after is None and (req.page is not None or req.skip is not None):
        stmt = stmt.offset(req.offset)
    rows = conn.execute(stmt.limit(req.size + 1)).all()
    next_keys = None
    if len(rows) > req.size:
        rows = rows[: req.size]
        last = rows[-1]
        next_keys = tuple(getattr(last, lb) for lb in labels)
    return Slice(rows, next_keys, total)


def _after(
    order: Sequence[tuple[ColumnElement[Any], bool]], keys: Sequence[Any]
) -> ColumnElement[bool]:
    bound = [literal(v, type_=col.type) for (col, _), v in zip(order, keys, strict=True)]
    directions = {desc for _, desc in order}
    if len(directions) == 1:
        row_value = tuple_(*(col for col, _ in order))
        after: ColumnElement[bool] = (
            row_value < tuple_(*bound) if directions.pop() else row_value > tuple_(*bound)
        )
        return after
    terms = []
    for i, (col, desc) in enumerate(order):
        equal = [order[j][0] == bound[j] for j in range(i)]
        terms.append(and_(*equal, col < bound[i] if desc else col > bound[i]))
    # The OR is no range an index can seek; what it implies for the first key is: the
    # planners start the index scan there, so page 10,000 reads what page 1 does plus at
    # most one key's worth of rows.
    first, desc = order[0]
    return and_(first <= bound[0] if desc else first >= bound[0], or_(*terms))
