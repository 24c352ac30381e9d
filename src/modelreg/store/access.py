"""Subjects, API tokens and workspace memberships."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, Row, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from uuid_utils.compat import uuid7

from modelreg.domain.access import Member, Role, Scope, Subject, SubjectKind, TokenInfo
from modelreg.errors import AlreadyExists, SubjectNotFound, TokenNotFound
from modelreg.query.paging import PageRequest
from modelreg.store.common import upsert
from modelreg.store.paging import Slice, paginate
from modelreg.store.schema import api_tokens, subjects, workspace_members, workspaces


def _subject(row: Row[Any]) -> Subject:
    return Subject(row.id, row.name, SubjectKind(row.kind), row.admin, row.created_at)


def create_subject(
    conn: Connection, name: str, kind: SubjectKind, admin: bool, now: datetime
) -> Subject:
    subject = Subject(uuid7(), name, kind, admin, now)
    try:
        with conn.begin_nested():
            conn.execute(
                insert(subjects).values(
                    id=subject.id, name=name, kind=kind.value, admin=admin, created_at=now
                )
            )
    except IntegrityError:
        raise AlreadyExists(f"subject {name!r} already exists", {"subject": name}) from None
    return subject


def get_subject(conn: Connection, name: str) -> Subject:
    row = conn.execute(select(subjects).where(subjects.c.name == name)).one_or_none()
    if row is None:
        raise SubjectNotFound(f"subject {name!r} not found", {"subject": name})
    return _subject(row)


def make_admin(conn: Connection, subject: Subject) -> Subject:
    conn.execute(update(subjects).where(subjects.c.id == subject.id).values(admin=True))
    return replace(subject, admin=True)


def has_admin(conn: Connection) -> bool:
    found = conn.execute(select(func.count()).where(subjects.c.admin.is_(True))).scalar_one()
    return bool(found)


def list_subjects(conn: Connection, req: PageRequest) -> tuple[list[Subject], Slice]:
    sl = paginate(conn, select(subjects), [(subjects.c.name, False)], req)
    return [_subject(r) for r in sl.rows], sl


# --- tokens --------------------------------------------------------------------------------

_TOKEN_COLS = (
    api_tokens.c.id,
    subjects.c.name.label("subject"),
    api_tokens.c.prefix,
    api_tokens.c.scopes,
    api_tokens.c.created_at,
    api_tokens.c.expires_at,
    api_tokens.c.revoked_at,
    api_tokens.c.rate_limit,
)


def _token(row: Row[Any, *tuple[Any, ...]]) -> TokenInfo:
    scopes = frozenset(Scope(s) for s in row.scopes.split())
    return TokenInfo(
        row.id,
        row.subject,
        row.prefix,
        scopes,
        row.created_at,
        row.expires_at,
        row.revoked_at,
        row.rate_limit,
    )


def insert_token(
    conn: Connection,
    subject: Subject,
    digest: str,
    prefix: str,
    scopes: frozenset[Scope],
    now: datetime,
    expires_at: datetime | None,
    rate_limit: int | None,
) -> TokenInfo:
    info = TokenInfo(uuid7(), subject.name, prefix, scopes, now, expires_at, None, rate_limit)
    conn.execute(
        insert(api_tokens).values(
            id=info.id,
            subject_id=subject.id,
            hash=digest,
            prefix=prefix,
            scopes=" ".join(sorted(scopes)),
            created_at=now,
            expires_at=expires_at,
            rate_limit=rate_limit,
        )
    )
    return info


def find_token(conn: Connection, digest: str) -> tuple[TokenInfo, Subject, str] | None:
    """The token whose secret hashes to ``digest``, its subject and the stored hash."""
    stmt = (
        select(
            *_TOKEN_COLS,
            api_tokens.c.hash,
            subjects.c.id.label("subject_id"),
            subjects.c.kind,
            subjects.c.admin,
            subjects.c.created_at.label("subject_created_at"),
        )
        .join(subjects, subjects.c.id == api_tokens.c.subject_id)
        .where(api_tokens.c.hash == digest)
    )
    row = conn.execute(stmt).one_or_none()
    if row is None:
        return None
    subject = Subject(
        row.subject_id, row.subject, SubjectKind(row.kind), row.admin, row.subject_created_at
    )
    return _token(row), subject, row.hash


def _tokens_query() -> Any:
    return select(*_TOKEN_COLS).join(subjects, subjects.c.id == api_tokens.c.subject_id)


def get_token(conn: Connection, token_id: UUID) -> TokenInfo:
    row = conn.execute(_tokens_query().where(api_tokens.c.id == token_id)).one_or_none()
    if row is None:
        raise TokenNotFound(f"token {token_id} not found", {"token_id": str(token_id)})
    return _token(row)


def list_tokens(
    conn: Connection, subject: str | None, req: PageRequest
) -> tuple[list[TokenInfo], Slice]:
    """Tokens newest first; only ``subject``'s when given."""
    stmt = _tokens_query()
    if subject is not None:
        stmt = stmt.where(subjects.c.name == subject)
    order = [(api_tokens.c.created_at, True), (api_tokens.c.id, True)]
    sl = paginate(conn, stmt, order, req)
    return [_token(r) for r in sl.rows], sl


def revoke_token(conn: Connection, token_id: UUID, now: datetime) -> None:
    conn.execute(
        update(api_tokens)
        .where(api_tokens.c.id == token_id, api_tokens.c.revoked_at.is_(None))
        .values(revoked_at=now)
    )


# --- workspace memberships -----------------------------------------------------------------


def roles_of(conn: Connection, subject_id: UUID) -> dict[str, Role]:
    """{workspace name: role} for one subject."""
    rows = conn.execute(
        select(workspaces.c.name, workspace_members.c.role)
        .join(workspaces, workspaces.c.id == workspace_members.c.workspace_id)
        .where(workspace_members.c.subject_id == subject_id)
    )
    return {name: Role(role) for name, role in rows}


def get_role(conn: Connection, workspace_id: UUID, subject_id: UUID) -> Role | None:
    role = conn.execute(
        select(workspace_members.c.role).where(
            workspace_members.c.workspace_id == workspace_id,
            workspace_members.c.subject_id == subject_id,
        )
    ).scalar()
    return None if role is None else Role(role)


def set_role(conn: Connection, workspace_id: UUID, subject_id: UUID, role: Role) -> None:
    upsert(
        conn,
        workspace_members,
        [{"workspace_id": workspace_id, "subject_id": subject_id, "role": role.value}],
        ("workspace_id", "subject_id"),
    )


def remove_member(conn: Connection, workspace_id: UUID, subject_id: UUID) -> bool:
    result = conn.execute(
        delete(workspace_members).where(
            workspace_members.c.workspace_id == workspace_id,
            workspace_members.c.subject_id == subject_id,
        )
    )
    return bool(result.rowcount)


def members(conn: Connection, workspace: str) -> list[Member]:
    rows = conn.execute(
        select(subjects.c.name, workspace_members.c.role)
        .join(workspace_members, workspace_members.c.subject_id == subjects.c.id)
        .join(workspaces, workspaces.c.id == workspace_members.c.workspace_id)
        .where(workspaces.c.name == workspace)
        .order_by(subjects.c.name)
    )
    return [Member(workspace, name, Role(role)) for name, role in rows]
