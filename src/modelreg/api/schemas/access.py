"""Bodies of /whoami, /users, workspace members and /tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import BaseModel, Field

from modelreg.api.schemas.common import PageOut, StrictIn, Timestamp, _text
from modelreg.domain.access import AuditEvent, Member, NewToken, Role, Scope, Subject, TokenInfo
from modelreg.domain.entities import Principal

SubjectNameText = Annotated[str, _text(64, 1)]
ScopeName = Literal["models:read", "models:write", "admin"]
RoleName = Literal["viewer", "editor", "owner"]
SubjectKindName = Literal["user", "service_account"]


class WhoAmIOut(BaseModel):
    subject: str
    kind: str
    admin: bool
    scopes: list[str]
    roles: dict[str, str] = Field(description="Workspace name -> role.")
    token_id: UUID | None

    @classmethod
    def of(cls, who: Principal) -> WhoAmIOut:
        return cls(
            subject=who.subject,
            kind=who.kind,
            admin=who.admin,
            scopes=sorted(who.scopes),
            roles={ws: role.value for ws, role in sorted(who.roles.items())},
            token_id=who.token_id,
        )


class UserIn(StrictIn):
    name: SubjectNameText
    kind: SubjectKindName = "user"
    admin: bool = False


class UserOut(BaseModel):
    id: UUID
    name: str
    kind: str
    admin: bool
    created_at: datetime

    @classmethod
    def of(cls, s: Subject) -> UserOut:
        return cls(id=s.id, name=s.name, kind=s.kind.value, admin=s.admin, created_at=s.created_at)


class UserPage(PageOut[UserOut]):
    pass


class MemberIn(StrictIn):
    role: RoleName

    def to_domain(self) -> Role:
        return Role(self.role)


class MemberOut(BaseModel):
    workspace: str
    user: str
    role: str

    @classmethod
    def of(cls, m: Member) -> MemberOut:
        return cls(workspace=m.workspace, user=m.subject, role=m.role.value)


class TokenIn(StrictIn):
    subject: SubjectNameText | None = Field(
        None, description="User or service account; default: the caller."
    )
    scopes: list[ScopeName] = Field(min_length=1, max_length=3)
    expires_at: Timestamp | None = None
    rate_limit: int | None = Field(None, ge=1, le=1_000_000, description="Requests per minute.")

    def scope_set(self) -> frozenset[Scope]:
        return Scope.parse_all(self.scopes)


class TokenOut(BaseModel):
    id: UUID
    subject: str
    prefix: str = Field(description="The token's first characters, to tell tokens apart.")
    scopes: list[str]
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    rate_limit: int | None

    @classmethod
    def of(cls, t: TokenInfo) -> TokenOut:
        return cls(
            id=t.id,
            subject=t.subject,
            prefix=t.prefix,
            scopes=sorted(t.scopes),
            created_at=t.created_at,
            expires_at=t.expires_at,
            revoked_at=t.revoked_at,
            rate_limit=t.rate_limit,
        )


class NewTokenOut(TokenOut):
    token: str = Field(description="The secret. Shown only in this response.")

    @classmethod
    def of_new(cls, new: NewToken) -> NewTokenOut:
        return cls(**TokenOut.of(new.info).model_dump(), token=new.secret)


class TokenPage(PageOut[TokenOut]):
    pass


class AuditOut(BaseModel):
    id: UUID
    at: datetime
    actor: str
    action: str = Field(examples=["model.update"])
    workspace: str | None
    object_type: str
    object: str
    request_id: str | None
    before: dict[str, Any] | None = Field(description="Changed fields before, if any.")
    after: dict[str, Any] | None = Field(description="Changed fields after, if any.")

    @classmethod
    def of(cls, e: AuditEvent) -> AuditOut:
        return cls(
            id=e.id,
            at=e.at,
            actor=e.actor,
            action=e.action,
            workspace=e.workspace,
            object_type=e.object_type,
            object=e.object,
            request_id=e.request_id,
            before=e.before,
            after=e.after,
        )


class AuditPage(PageOut[AuditOut]):
    pass
