"""/api/v1/workspaces"""

from __future__ import annotations

from modelreg.api.deps import Caller, Paging, Svc
from modelreg.api.routes.common import api_router, errors_doc
from modelreg.api.schemas.common import PageOut
from modelreg.api.schemas.workspaces import WorkspaceIn, WorkspaceOut

router = api_router(prefix="/api/v1/workspaces", tags=["workspaces"])


class WorkspacePage(PageOut[WorkspaceOut]):
    pass


@router.post("", status_code=201, responses=errors_doc(409))
def create_workspace(body: WorkspaceIn, svc: Svc, who: Caller) -> WorkspaceOut:
    """Create a workspace; names are 1-36 letters, digits and '-'."""
    return WorkspaceOut.of(svc.workspaces.create(who, body.name, body.description))


@router.get("", responses=errors_doc())
def list_workspaces(svc: Svc, who: Caller, paging: Paging) -> WorkspacePage:
    """List workspaces by name."""
    page = svc.workspaces.list(who, paging)
    return WorkspacePage.of(page, [WorkspaceOut.of(w) for w in page.items])
