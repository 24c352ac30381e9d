"""Workspaces: the tenancy boundary every model lives in."""

from __future__ import annotations

from modelreg.domain import names
from modelreg.domain.entities import Principal, Workspace
from modelreg.query.paging import Page, PageQuery
from modelreg.services.base import Action, ServiceBase
from modelreg.store import workspaces as store


class WorkspaceService(ServiceBase):
    def create(self, who: Principal, name: str, description: str | None) -> Workspace:
        name = names.workspace_name(name, "name")
        self.authz.require(who, Action.ADMIN, None)
        with self.mutation(who, "workspace.create", "workspace", name, name) as (conn, _):
            return store.create(conn, name, description, self.clock())

    def get(self, who: Principal, name: str) -> Workspace:
        name = names.workspace_name(name)
        self.authz.require(who, Action.READ, name)
        with self.db.read() as conn:
            return store.get(conn, name)

    def list(self, who: Principal, query: PageQuery) -> Page[Workspace]:
        readable = self.authz.readable(who)
        only = None if readable is None else sorted(readable)
        req, bound = self.page_request(query, "workspaces", only)
        with self.db.read() as conn:
            items, sl = store.list_page(conn, req, only)
        return self.to_page(items, sl, req, bound)
