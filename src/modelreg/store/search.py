"""Cross-model searches of versions and models: filter, order, keyset page."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, Connection, Table, func, literal, literal_column, select

from modelreg.domain.entities import Model, Version
from modelreg.query.fields import Kind, Resolved
from modelreg.query.filter import Node
from modelreg.query.paging import PageRequest
from modelreg.store import models as model_store
from modelreg.store import versions as version_store
from modelreg.store.filters import (
    ModelTarget,
    OrderTerm,
    RareProbe,
    VersionTarget,
    metric_driver,
)
from modelreg.store.paging import Slice, paginate
from modelreg.store.schema import latest_metrics, models, versions
from modelreg.store.version_cache import VersionCache

_NULLABLE_ORDER = {"description", "run_id", "run_link", "source", "display_name"}

# Up to this many rows with one tag key/value, a search starts from those rows and sorts
# them (about 1 ms per 1,000 on SQLite) rather than walking the sort order checking each
# row, which to fill a page of 100 reads ~100 x (all rows / matching rows) rows.
RARE_KV_ROWS = 1000


# How long a rarity count is reused. It only steers the plan (never the result), and a
# tag's share of all versions changes slowly, while counting a common one's first 1,000
# rows costs about half a millisecond per search.
RARITY_TTL_SECONDS = 60.0
_rarity: dict[tuple[str, str, str, str], tuple[float, bool]] = {}


def _rare_probe(conn: Connection) -> RareProbe | None:
    """On SQLite, count (up to RARE_KV_ROWS, one index range) the rows holding a tag;
    remembered per database for RARITY_TTL_SECONDS, as a planner keeps its statistics."""
    if conn.dialect.name != "sqlite":
        return None
    database = str(conn.engine.url)

    def is_rare(table: Table, key: str, value: str) -> bool:
        now = time.monotonic()
        memo = (database, table.name, key, value)
        known = _rarity.get(memo)
        if known is not None and now - known[0] < RARITY_TTL_SECONDS:
            return known[1]
        found = select(literal(1)).where(table.c.value == value, table.c.key == key)
        count = select(func.count()).select_from(found.limit(RARE_KV_ROWS).subquery())
        rare = bool(conn.execute(count).scalar_one() < RARE_KV_ROWS)
        if len(_rarity) >= 10_000:
            _rarity.clear()  # a bound, not an LRU: refilling costs one count per pair
        _rarity[memo] = (now, rare)
        return rare

    return is_rare


def _unselective(conn: Connection, cond: ColumnElement[bool]) -> ColumnElement[bool]:
    """The workspace condition, marked for SQLite as matching most rows. Without ANALYZE
    statistics (the usual case) SQLite guesses an equality keeps ~10 rows, so walking the
    search index inside one workspace looks free, and it would rather walk all of it than
    start from the few rows a rare tag finds."""
    if conn.dialect.name != "sqlite":
        return cond
    return func.likelihood(cond, literal_column("0.9"))  # must be a constant, not a parameter


def _order(
    target: VersionTarget | ModelTarget, terms: Sequence[OrderTerm], tiebreak: list[OrderTerm]
) -> list[tuple[ColumnElement[Any], bool]]:
    seen: set[tuple[str, str]] = set()
    out: list[tuple[ColumnElement[Any], bool]] = []
    for term in [*terms, *tiebreak]:
        key = (term.field.scope, term.field.name)
        if key in seen:
            continue
        seen.add(key)
        col = target.order_column(term.field)
        if term.field.name in _NULLABLE_ORDER and term.field.scope == "":
            col = func.coalesce(col, "")
        out.append((col, term.descending))
    return out


def search_versions(
    conn: Connection,
    workspace_ids: Sequence[UUID] | None,
    node: Node | None,
    order: Sequence[OrderTerm],
    req: PageRequest,
    cache: VersionCache | None = None,
) -> tuple[list[Version], Slice]:
    """Versions matching ``node`` in the given workspaces (None: all), in ``order`` then
    name ASC, version DESC, id DESC; unchanged ones from ``cache`` (read transactions only)."""
    target = VersionTarget(conn.dialect.name, _rare_probe(conn))
    driver = metric_driver(node) if not order and len(workspace_ids or ()) == 1 else None
    if driver is not None and workspace_ids is not None:
        # The default order read off latest_metrics' search index: the metric condition is
        # checked inside one index range instead of by a probe per candidate version.
        lm = latest_metrics.c
        stmt = (
            version_store.key_query()
            .join(latest_metrics, lm.version_id == versions.c.id)
            .where(lm.workspace_id == workspace_ids[0], lm.key == driver.key, driver.condition)
        )
        if driver.rest is not None:
            stmt = stmt.where(target.compile(driver.rest))
        cols: list[tuple[ColumnElement[Any], bool]] = [
            (lm.model_name, False),
            (lm.number, True),
            (lm.version_id, True),
        ]
        sl = paginate(conn, stmt, cols, req)
        return version_store.load_page(conn, sl.rows, True, cache), sl
    stmt = version_store.key_query()
    if workspace_ids is not None:
        stmt = stmt.where(_unselective(conn, versions.c.workspace_id.in_(workspace_ids)))
    if node is not None:
        stmt = stmt.where(target.compile(node))
    # MLflow's documented tiebreaks: latest stage transition, then name ASC, version DESC.
    # The transition term only follows an explicit order: without one, the default order
    # is exactly the search index (name ASC, version DESC, id DESC).
    tiebreak = [
        OrderTerm(Resolved("", "name", ("name",), Kind.STR), False),
        OrderTerm(Resolved("", "number", ("number",), Kind.INT), True),
    ]
    if order:
        tiebreak.insert(0, OrderTerm(Resolved("", "transition", ("transition",), Kind.STR), True))
    cols = _order(target, order, tiebreak)
    cols.append((versions.c.id, True))
    sl = paginate(conn, stmt, cols, req)
    return version_store.load_page(conn, sl.rows, True, cache), sl


def search_models(
    conn: Connection,
    workspace_ids: Sequence[UUID] | None,
    node: Node | None,
    order: Sequence[OrderTerm],
    req: PageRequest,
) -> tuple[list[Model], Slice]:
    """Models matching ``node`` in the given workspaces (None: all), then name ASC, id."""
    target = ModelTarget(conn.dialect.name, _rare_probe(conn))
    stmt = model_store.base_query()
    if workspace_ids is not None:
        stmt = stmt.where(_unselective(conn, models.c.workspace_id.in_(workspace_ids)))
    if node is not None:
        stmt = stmt.where(target.compile(node))
    tiebreak = [OrderTerm(Resolved("", "name", ("name",), Kind.STR), False)]
    cols = _order(target, order, tiebreak)
    cols.append((models.c.id, False))
    sl = paginate(conn, stmt, cols, req)
    return model_store.load_models(conn, sl.rows), sl
