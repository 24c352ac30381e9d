"""Reading the audit log (writing it is ServiceBase.mutation's job)."""

from __future__ import annotations

from dataclasses import replace

from modelreg.domain import names
from modelreg.domain.access import AuditEvent, AuditFilter
from modelreg.domain.entities import Principal
from modelreg.query.paging import Page, PageQuery
from modelreg.services.base import Action, ServiceBase
from modelreg.store import audit as store


class AuditService(ServiceBase):
    def list(self, who: Principal, filt: AuditFilter, query: PageQuery) -> Page[AuditEvent]:
        """Events newest first: every workspace's for admins, one workspace's for its
        owners (pass ``workspace``)."""
        if filt.workspace is None:
            self.authz.require(who, Action.ADMIN, None)
        else:
            filt = replace(filt, workspace=names.workspace_name(filt.workspace))
            self.authz.require(who, Action.OWNER, filt.workspace)
        req, bound = self.page_request(query, "audit", filt)
        with self.db.read() as conn:
            items, sl = store.list_page(conn, filt, req)
        return self.to_page(items, sl, req, bound)
