"""Cross-model searches of versions and models: filter, order, keyset page."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, Connection, func

from modelreg.domain.entities import Model, Version
from modelreg.query.fields import Kind, Resolved
from modelreg.query.filter import Node
from modelreg.query.paging import PageRequest
from modelreg.store import models as model_store
from modelreg.store import versions as version_store
from modelreg.store.filters import ModelTarget, OrderTerm, VersionTarget
from modelreg.store.paging import Slice, paginate
from modelreg.store.schema import models, versions

_NULLABLE_ORDER = {"description", "run_id", "run_link", "source", "display_name"}


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
) -> tuple[list[Version], Slice]:
    """Versions matching ``node`` in the given workspaces (None: all), in ``order`` then
    name ASC, version DESC, id DESC."""
    target = VersionTarget(conn.dialect.name)
    stmt = version_store.base_query(True)
    if workspace_ids is not None:
        stmt = stmt.where(versions.c.workspace_id.in_(workspace_ids))
    if node is not None:
        stmt = stmt.where(target.compile(node))
    tiebreak = [
        OrderTerm(Resolved("", "name", ("name",), Kind.STR), False),
        OrderTerm(Resolved("", "number", ("number",), Kind.INT), True),
    ]
    cols = _order(target, order, tiebreak)
    cols.append((versions.c.id, True))
    sl = paginate(conn, stmt, cols, req)
    return version_store.load_versions(conn, sl.rows, True), sl


def search_models(
    conn: Connection,
    workspace_ids: Sequence[UUID] | None,
    node: Node | None,
    order: Sequence[OrderTerm],
    req: PageRequest,
) -> tuple[list[Model], Slice]:
    """Models matching ``node`` in the given workspaces (None: all), then name ASC, id."""
    target = ModelTarget(conn.dialect.name)
    stmt = model_store.base_query()
    if workspace_ids is not None:
        stmt = stmt.where(models.c.workspace_id.in_(workspace_ids))
    if node is not None:
        stmt = stmt.where(target.compile(node))
    tiebreak = [OrderTerm(Resolved("", "name", ("name",), Kind.STR), False)]
    cols = _order(target, order, tiebreak)
    cols.append((models.c.id, False))
    sl = paginate(conn, stmt, cols, req)
    return model_store.load_models(conn, sl.rows), sl
