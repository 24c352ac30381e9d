"""Cross-model search with the filter language, over one workspace or all readable ones."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import TypeVar
from uuid import UUID

from sqlalchemy import Connection

from modelreg.domain import names
from modelreg.domain.entities import Model, Principal, Version
from modelreg.query.fields import MODEL_SCHEMA, VERSION_SCHEMA, Schema, check, parse_order
from modelreg.query.filter import Node, parse, render
from modelreg.query.paging import Page, PageQuery, PageRequest
from modelreg.services.base import Action, ServiceBase
from modelreg.store import search as store
from modelreg.store import workspaces as ws_store
from modelreg.store.filters import OrderTerm
from modelreg.store.paging import Slice

T = TypeVar("T")

ALL_WORKSPACES = "*"


def parse_filter(text: str | None, schema: Schema) -> Node | None:
    """Parse and type-check a filter string; None or blank means "everything"."""
    if text is None or not text.strip():
        return None
    node = parse(text)
    check(node, schema)
    return node


def parse_orders(terms: Sequence[str], schema: Schema) -> list[OrderTerm]:
    return [OrderTerm(*parse_order(t, schema)) for t in terms]


class SearchService(ServiceBase):
    def _scope(self, conn: Connection, who: Principal, workspace: str) -> list[UUID] | None:
        if workspace == ALL_WORKSPACES:
            self.authz.require(who, Action.READ, None)
            readable = self.authz.readable(who)
            # Only the workspaces the caller may read, so that neither rows nor totals
            # reveal the others.
            return None if readable is None else ws_store.ids(conn, readable)
        self.authz.require(who, Action.READ, workspace)
        return [ws_store.get(conn, workspace).id]

    def _search(
        self,
        who: Principal,
        workspace: str,
        filter_text: str | None,
        order_by: Sequence[str],
        query: PageQuery,
        label: str,
        schema: Schema,
        run: Callable[
            [Connection, list[UUID] | None, Node | None, list[OrderTerm], PageRequest],
            tuple[list[T], Slice],
        ],
    ) -> Page[T]:
        if workspace != ALL_WORKSPACES:
            workspace = names.workspace_name(workspace)
        node = parse_filter(filter_text, schema)
        order = parse_orders(order_by, schema)
        req, bound = self.cursor_request(
            query, f"search-{label}", workspace, render(node) if node else "", order
        )
        with self.db.read() as conn:
            scope = self._scope(conn, who, workspace)
            items, sl = run(conn, scope, node, order, req)
        return self.to_page(items, sl, req, bound)

    def versions(
        self,
        who: Principal,
        workspace: str,
        filter_text: str | None,
        order_by: Sequence[str],
        query: PageQuery,
    ) -> Page[Version]:
        """Versions across models matching ``filter_text``, ordered by ``order_by``."""
        return self._search(
            who,
            workspace,
            filter_text,
            order_by,
            query,
            "versions",
            VERSION_SCHEMA,
            partial(store.search_versions, cache=self.db.version_cache),
        )

    def models(
        self,
        who: Principal,
        workspace: str,
        filter_text: str | None,
        order_by: Sequence[str],
        query: PageQuery,
    ) -> Page[Model]:
        """Models matching ``filter_text``, ordered by ``order_by``."""
        return self._search(
            who,
            workspace,
            filter_text,
            order_by,
            query,
            "models",
            MODEL_SCHEMA,
            store.search_models,
        )
