"""/api/v1/whoami, /users, /workspaces/{ws}/members, /tokens."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import Path, Query, Response

from modelreg.api.deps import Caller, Paging, Svc
from modelreg.api.routes.common import CreatedAfter, CreatedBefore, api_router, errors_doc
from modelreg.api.schemas.access import (
    AuditOut,
    AuditPage,
    MemberIn,
    MemberOut,
    NewTokenOut,
    TokenIn,
    TokenOut,
    TokenPage,
    UserIn,
    UserOut,
    UserPage,
    WhoAmIOut,
)
from modelreg.domain.access import AuditFilter, SubjectKind

router = api_router(prefix="/api/v1", tags=["access"])

WsName = Annotated[str, Path(max_length=36, description="Workspace name.")]
UserName = Annotated[str, Path(max_length=64, description="User or service account name.")]


@router.get("/whoami", responses=errors_doc(401))
def whoami(who: Caller) -> WhoAmIOut:
    """The caller: subject, scopes of the token used, and roles per workspace."""
    return WhoAmIOut.of(who)


@router.post("/users", status_code=201, responses=errors_doc(401, 403, 409))
def create_user(body: UserIn, svc: Svc, who: Caller) -> UserOut:
    """Create a user or service account (admins)."""
    return UserOut.of(svc.access.create_subject(who, body.name, SubjectKind(body.kind), body.admin))


@router.get("/users", responses=errors_doc(401, 403))
def list_users(svc: Svc, who: Caller, paging: Paging) -> UserPage:
    """Users and service accounts by name (admins)."""
    page = svc.access.list_subjects(who, paging)
    return UserPage.of(page, [UserOut.of(s) for s in page.items])


@router.get("/workspaces/{ws}/members", responses=errors_doc(401, 404))
def list_members(ws: WsName, svc: Svc, who: Caller) -> list[MemberOut]:
    """Who has which role in the workspace."""
    return [MemberOut.of(m) for m in svc.access.members(who, ws)]


@router.put("/workspaces/{ws}/members/{user}", responses=errors_doc(401, 403, 404))
def set_member(ws: WsName, user: UserName, body: MemberIn, svc: Svc, who: Caller) -> MemberOut:
    """Give a user a role in the workspace (its owners and admins)."""
    return MemberOut.of(svc.access.set_member(who, ws, user, body.to_domain()))


@router.delete(
    "/workspaces/{ws}/members/{user}", status_code=204, responses=errors_doc(401, 403, 404)
)
def remove_member(ws: WsName, user: UserName, svc: Svc, who: Caller) -> Response:
    """Take a user's role in the workspace away."""
    svc.access.remove_member(who, ws, user)
    return Response(status_code=204)


@router.post("/tokens", status_code=201, responses=errors_doc(401, 403, 404))
def create_token(body: TokenIn, svc: Svc, who: Caller) -> NewTokenOut:
    """Create an API token; the response is the only time its secret is shown."""
    new = svc.access.create_token(
        who, body.subject, body.scope_set(), body.expires_at, body.rate_limit
    )
    return NewTokenOut.of_new(new)


@router.get("/tokens", responses=errors_doc(401))
def list_tokens(svc: Svc, who: Caller, paging: Paging) -> TokenPage:
    """Tokens, newest first: the caller's own, or everyone's for admins. No secrets."""
    page = svc.access.list_tokens(who, paging)
    return TokenPage.of(page, [TokenOut.of(t) for t in page.items])


@router.delete("/tokens/{token_id}", responses=errors_doc(401, 404))
def revoke_token(token_id: UUID, svc: Svc, who: Caller) -> TokenOut:
    """Revoke a token: it stops working at once. Revoking twice is harmless."""
    return TokenOut.of(svc.access.revoke_token(who, token_id))


Name = Annotated[str | None, Query(max_length=256)]


@router.get("/audit", responses=errors_doc(401, 403, 404))
def list_audit(
    svc: Svc,
    who: Caller,
    paging: Paging,
    workspace: Annotated[
        str | None, Query(max_length=36, description="One workspace (its owners may ask).")
    ] = None,
    actor: Name = None,
    action: Annotated[str | None, Query(max_length=64, examples=["model.update"])] = None,
    object_type: Annotated[str | None, Query(max_length=32, examples=["version"])] = None,
    since: CreatedAfter = None,
    until: CreatedBefore = None,
) -> AuditPage:
    """The audit log, newest first: every mutation with who, what, when and the request
    id. Admins see everything; a workspace's owners see that workspace's events."""
    filt = AuditFilter(workspace, actor, action, object_type, since, until)
    page = svc.audit.list(who, filt, paging)
    return AuditPage.of(page, [AuditOut.of(e) for e in page.items])
