"""Registered models: create, find, list, patch (including rename), delete."""

from __future__ import annotations

from dataclasses import replace

from modelreg.domain import names
from modelreg.domain.entities import Model, ModelFilter, ModelPatch, NewModel, Principal, Unset
from modelreg.query.paging import Page, PageQuery, parse_sort
from modelreg.services.base import Action, ServiceBase
from modelreg.store import lifecycle
from modelreg.store import models as store
from modelreg.store import workspaces as ws_store


class ModelService(ServiceBase):
    def create(self, who: Principal, workspace: str, new: NewModel) -> Model:
        workspace = names.workspace_name(workspace)
        new = replace(new, name=names.model_name(new.name))
        self.authz.require(who, Action.WRITE, workspace)
        target = f"{workspace}/{new.name}"
        with self.mutation(who, "model.create", "model", target, workspace) as (conn, note):
            ws = ws_store.get(conn, workspace)
            model_id = store.create(conn, ws, new, who.subject, self.clock())
            note.after = {"id": model_id}
            return store.get(conn, model_id)

    def get(self, who: Principal, workspace: str, name_or_id: str) -> Model:
        workspace = names.workspace_name(workspace)
        names.model_name(name_or_id)
        self.authz.require(who, Action.READ, workspace)
        with self.db.read() as conn:
            ws = ws_store.get(conn, workspace)
            return store.get(conn, store.resolve_id(conn, ws, name_or_id))

    def list(
        self, who: Principal, workspace: str, filt: ModelFilter, sort_by: str, query: PageQuery
    ) -> Page[Model]:
        workspace = names.workspace_name(workspace)
        sort = parse_sort(sort_by, store.SORT_KEYS)
        self.authz.require(who, Action.READ, workspace)
        req, bound = self.page_request(query, "models", workspace, filt, sort)
        with self.db.read() as conn:
            ws = ws_store.get(conn, workspace)
            items, sl = store.list_page(conn, ws, filt, sort, req)
        return self.to_page(items, sl, req, bound)

    def update(self, who: Principal, workspace: str, name_or_id: str, patch: ModelPatch) -> Model:
        workspace = names.workspace_name(workspace)
        names.model_name(name_or_id)
        if not isinstance(patch.name, Unset):
            patch = replace(patch, name=names.model_name(patch.name))
        self.authz.require(who, Action.WRITE, workspace)
        target = f"{workspace}/{name_or_id}"
        with self.mutation(who, "model.update", "model", target, workspace) as (conn, note):
            ws = ws_store.get(conn, workspace)
            model_id = store.resolve_id(conn, ws, name_or_id)
            before = store.get(conn, model_id)
            store.update_fields(conn, model_id, patch, ws, self.clock())
            after = store.get(conn, model_id)
            note.diff(before, after)
            return after

    def delete(self, who: Principal, workspace: str, name_or_id: str) -> None:
        workspace = names.workspace_name(workspace)
        names.model_name(name_or_id)
        self.authz.require(who, Action.WRITE, workspace)
        target = f"{workspace}/{name_or_id}"
        with self.mutation(who, "model.delete", "model", target, workspace) as (conn, _):
            ws = ws_store.get(conn, workspace)
            model_id = store.resolve_id(conn, ws, name_or_id)
            # Locked so that no alias is set (or protected) between the check and the delete.
            lifecycle.lock_model(conn, model_id)
            # Protected aliases go with the model: that needs what deleting them needs.
            if any(a.protected for a in lifecycle.model_aliases(conn, [model_id])[model_id]):
                self.authz.require(who, Action.OWNER, workspace)
            store.delete(conn, model_id)
