"""Who may do what: the role-based Authorizer, authentication of API tokens, and the
management of subjects, workspace memberships and tokens."""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from uuid import UUID

from sqlalchemy import Connection

from modelreg.domain import names
from modelreg.domain.access import (
    ALL_SCOPES,
    Member,
    NewToken,
    Role,
    Scope,
    Subject,
    SubjectKind,
    TokenInfo,
    display_prefix,
    implied,
    looks_like_token,
    new_secret,
    token_hash,
)
from modelreg.domain.entities import Principal, Workspace
from modelreg.errors import (
    InvalidArgument,
    NotFound,
    PermissionDenied,
    TokenNotFound,
    Unauthenticated,
    WorkspaceNotFound,
)
from modelreg.query.paging import Page, PageQuery
from modelreg.services.base import Action, AuditNote, ServiceBase
from modelreg.store import access as store
from modelreg.store import workspaces as ws_store

# Which token scopes an action needs (any one of them), and the least workspace role.
_SCOPES_FOR = {
    Action.READ: frozenset(ALL_SCOPES),
    Action.WRITE: frozenset({Scope.MODELS_WRITE, Scope.ADMIN}),
    Action.OWNER: frozenset({Scope.MODELS_WRITE, Scope.ADMIN}),
    Action.ADMIN: frozenset({Scope.ADMIN}),
}
# Who acts when the server itself does something (the first-start bootstrap).
SYSTEM = Principal("system", "system")
_ROLE_FOR = {Action.READ: Role.VIEWER, Action.WRITE: Role.EDITOR, Action.OWNER: Role.OWNER}


def is_admin(who: Principal) -> bool:
    """Admin rights need both an admin subject and a token carrying the admin scope."""
    return who.admin and Scope.ADMIN in who.scopes


class RoleAuthorizer:
    """Workspace roles (viewer < editor < owner) narrowed by the token's scopes.

    A workspace the caller has no role in is invisible: anything asked of it is NOT_FOUND
    (not PERMISSION_DENIED), so its name and contents do not leak. Pure: the principal
    carries its roles and scopes, loaded with the token.
    """

    def allowed(self, who: Principal, action: Action, workspace: str | None) -> bool:
        if is_admin(who):
            return True
        if action is Action.ADMIN or not who.scopes & _SCOPES_FOR[action]:
            return False
        if workspace is None:
            # Only "search every workspace I can read": the store narrows it to those.
            return action is Action.READ
        role = who.roles.get(workspace)
        return role is not None and role.rank >= _ROLE_FOR[action].rank

    def require(self, who: Principal, action: Action, workspace: str | None) -> None:
        if self.allowed(who, action, workspace):
            return
        if workspace is not None and workspace not in who.roles and not is_admin(who):
            raise WorkspaceNotFound(f"workspace {workspace!r} not found", {"workspace": workspace})
        what = f"in workspace {workspace!r}" if workspace else "here"
        raise PermissionDenied(
            f"{who.subject} may not {action.value} {what}",
            {"action": action.value, **({"workspace": workspace} if workspace else {})},
        )

    def readable(self, who: Principal) -> frozenset[str] | None:
        return None if is_admin(who) else frozenset(who.roles)


def principal_of(
    subject: Subject,
    scopes: frozenset[Scope],
    roles: dict[str, Role],
    token: TokenInfo | None = None,
    request_id: str | None = None,
) -> Principal:
    return Principal(
        subject.name,
        subject.kind.value,
        subject.id,
        subject.admin,
        scopes,
        roles,
        token.id if token else None,
        token.rate_limit if token else None,
        request_id,
    )


class AccessService(ServiceBase):
    """Authentication and the administration of subjects, members and tokens."""

    def authenticate(self, secret: str | None, request_id: str | None = None) -> Principal:
        """The principal a token stands for; UNAUTHENTICATED if it is missing, malformed,
        unknown, expired or revoked (one message for all, so probing learns nothing)."""
        if secret is None:
            raise Unauthenticated("missing API token: send Authorization: Bearer mr_...")
        invalid = Unauthenticated("invalid, expired or revoked API token")
        if not looks_like_token(secret):
            raise invalid
        digest = token_hash(secret)
        with self.db.read() as conn:
            found = store.find_token(conn, digest)
            if found is None:
                raise invalid
            token, subject, stored = found
            roles = store.roles_of(conn, subject.id)
        # The index lookup compares hashes, which says nothing about the secret; compare
        # once more in constant time so that no code path compares secrets byte by byte.
        if not hmac.compare_digest(stored, digest):
            raise invalid
        now = self.clock()
        if token.revoked_at is not None or (token.expires_at and token.expires_at <= now):
            raise invalid
        return principal_of(subject, token.scopes, roles, token, request_id)

    # --- subjects ------------------------------------------------------------------------

    def create_subject(
        self, who: Principal, name: str, kind: SubjectKind, admin: bool = False
    ) -> Subject:
        name = names.subject_name(name)
        self.authz.require(who, Action.ADMIN, None)
        with self.mutation(who, "subject.create", "subject", name) as (conn, note):
            note.after = {"kind": kind, "admin": admin}
            return store.create_subject(conn, name, kind, admin, self.clock())

    def list_subjects(self, who: Principal, query: PageQuery) -> Page[Subject]:
        self.authz.require(who, Action.ADMIN, None)
        req, bound = self.page_request(query, "subjects")
        with self.db.read() as conn:
            items, sl = store.list_subjects(conn, req)
        return self.to_page(items, sl, req, bound)

    def bootstrap(self, name: str = "admin") -> NewToken | None:
        """On a registry without any admin: create one and a token with every scope.
        None when an admin exists already (its token was shown when it was made)."""
        with self.db.read() as conn:
            if store.has_admin(conn):  # every later start: no transaction, no audit event
                return None
        with self.mutation(SYSTEM, "subject.bootstrap", "subject", name) as (conn, note):
            if store.has_admin(conn):
                return None
            now = self.clock()
            try:
                # A user of that name made while authentication was off: it becomes the admin.
                subject = store.make_admin(conn, store.get_subject(conn, name))
            except NotFound:
                subject = store.create_subject(conn, name, SubjectKind.USER, True, now)
            new = self._issue(conn, subject, ALL_SCOPES, None, None)
            note.after = {"admin": True, "token_id": new.info.id}
            return new

    # --- workspace members ---------------------------------------------------------------

    @contextmanager
    def _membership(
        self, who: Principal, action: str, workspace: str, subject: str
    ) -> Iterator[tuple[Connection, AuditNote, Workspace, Subject]]:
        """A write transaction on ``subject``'s membership of ``workspace`` (owners, admins)."""
        workspace = names.workspace_name(workspace)
        subject = names.subject_name(subject, "user")
        self.authz.require(who, Action.OWNER, workspace)
        what = f"{workspace}/{subject}"
        with self.mutation(who, action, "member", what, workspace) as (conn, note):
            ws, target = ws_store.get(conn, workspace), store.get_subject(conn, subject)
            note.before = {"role": store.get_role(conn, ws.id, target.id)}
            yield conn, note, ws, target

    def set_member(self, who: Principal, workspace: str, subject: str, role: Role) -> Member:
        """Give ``subject`` ``role`` in ``workspace`` (owners and admins)."""
        with self._membership(who, "member.set", workspace, subject) as (conn, note, ws, target):
            store.set_role(conn, ws.id, target.id, role)
            note.after = {"role": role}
        return Member(ws.name, target.name, role)

    def remove_member(self, who: Principal, workspace: str, subject: str) -> None:
        action = "member.remove"
        with self._membership(who, action, workspace, subject) as (conn, _, ws, target):
            if not store.remove_member(conn, ws.id, target.id):
                raise NotFound(
                    f"{subject!r} is not a member of workspace {workspace!r}",
                    {"workspace": workspace, "user": subject},
                )

    def members(self, who: Principal, workspace: str) -> list[Member]:
        workspace = names.workspace_name(workspace)
        self.authz.require(who, Action.READ, workspace)
        with self.db.read() as conn:
            ws_store.get(conn, workspace)
            return store.members(conn, workspace)

    # --- tokens --------------------------------------------------------------------------

    def create_token(
        self,
        who: Principal,
        subject: str | None,
        scopes: frozenset[Scope],
        expires_at: datetime | None,
        rate_limit: int | None,
    ) -> NewToken:
        """A new token for ``subject`` (default: the caller). Admins issue tokens for
        anyone; everyone else for themselves, with no scope their own token lacks."""
        if subject is None:
            if who.id is None:
                raise InvalidArgument(
                    "subject is required: the caller is not a stored user", {"field": "subject"}
                )
            subject = who.subject
        subject = names.subject_name(subject, "subject")
        if expires_at is not None and expires_at <= self.clock():
            raise InvalidArgument("expires_at must be in the future", {"field": "expires_at"})
        if not self.authz.allowed(who, Action.ADMIN, None):
            if subject != who.subject:
                raise PermissionDenied("only admins create tokens for other subjects")
            if not scopes <= implied(who.scopes):
                extra = ", ".join(sorted(scopes - implied(who.scopes)))
                raise PermissionDenied(f"a token cannot grant scopes its creator lacks: {extra}")
        with self.mutation(who, "token.create", "token", subject) as (conn, note):
            target = store.get_subject(conn, subject)
            if Scope.ADMIN in scopes and not target.admin:
                raise InvalidArgument(
                    f"{subject!r} is not an admin: it cannot hold the admin scope",
                    {"field": "scopes"},
                )
            new = self._issue(conn, target, scopes, expires_at, rate_limit)
            note.target = f"{subject}/{new.info.id}"
            note.after = {"scopes": sorted(scopes), "prefix": new.info.prefix}
            return new

    def _issue(
        self,
        conn: Connection,
        subject: Subject,
        scopes: frozenset[Scope],
        expires_at: datetime | None,
        rate_limit: int | None,
    ) -> NewToken:
        secret = new_secret()
        info = store.insert_token(
            conn,
            subject,
            token_hash(secret),
            display_prefix(secret),
            scopes,
            self.clock(),
            expires_at,
            rate_limit,
        )
        return NewToken(info, secret)

    def list_tokens(self, who: Principal, query: PageQuery) -> Page[TokenInfo]:
        """Every token for admins; the caller's own otherwise."""
        mine = None if self.authz.allowed(who, Action.ADMIN, None) else who.subject
        req, bound = self.page_request(query, "tokens", mine)
        with self.db.read() as conn:
            items, sl = store.list_tokens(conn, mine, req)
        return self.to_page(items, sl, req, bound)

    def revoke_token(self, who: Principal, token_id: UUID) -> TokenInfo:
        """Revoke a token (idempotent). Someone else's token is NOT_FOUND to non-admins."""
        with self.mutation(who, "token.revoke", "token", str(token_id)) as (conn, note):
            token = store.get_token(conn, token_id)
            note.target = f"{token.subject}/{token_id}"
            if token.subject != who.subject and not self.authz.allowed(who, Action.ADMIN, None):
                raise TokenNotFound(f"token {token_id} not found", {"token_id": str(token_id)})
            store.revoke_token(conn, token_id, self.clock())
            return store.get_token(conn, token_id)
