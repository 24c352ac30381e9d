"""Access-control vocabulary: subjects, scopes, workspace roles, API tokens (pure)."""

from __future__ import annotations

import enum
import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from modelreg.errors import InvalidArgument

TOKEN_PREFIX = "mr_"
# secrets.token_urlsafe(32): 32 random bytes (256 bits) as 43 url-safe characters.
TOKEN_BYTES = 32
TOKEN_LENGTH = len(TOKEN_PREFIX) + 43
# How much of a token is kept readable (to tell tokens apart in listings and logs).
DISPLAY_PREFIX_LENGTH = len(TOKEN_PREFIX) + 8


class SubjectKind(enum.StrEnum):
    USER = "user"
    SERVICE_ACCOUNT = "service_account"


class Scope(enum.StrEnum):
    """What a token may be used for, whatever its subject's roles allow."""

    MODELS_READ = "models:read"
    MODELS_WRITE = "models:write"
    ADMIN = "admin"

    @classmethod
    def parse_all(cls, values: Iterable[str]) -> frozenset[Scope]:
        out = set()
        for value in values:
            try:
                out.add(cls(value))
            except ValueError:
                raise InvalidArgument(
                    f"unknown scope {value[:40]!r}; use models:read, models:write or admin",
                    {"field": "scopes"},
                ) from None
        if not out:
            raise InvalidArgument("a token needs at least one scope", {"field": "scopes"})
        return frozenset(out)


ALL_SCOPES = frozenset(Scope)


def implied(scopes: frozenset[Scope]) -> frozenset[Scope]:
    """Every scope that ``scopes`` covers: write includes read, admin includes all."""
    if Scope.ADMIN in scopes:
        return ALL_SCOPES
    if Scope.MODELS_WRITE in scopes:
        return scopes | {Scope.MODELS_READ}
    return scopes


class Role(enum.StrEnum):
    """A subject's role in one workspace; each includes the ones before it."""

    VIEWER = "viewer"
    EDITOR = "editor"
    OWNER = "owner"

    @property
    def rank(self) -> int:
        return _RANK[self]

    @classmethod
    def parse(cls, value: str) -> Role:
        try:
            return cls(value)
        except ValueError:
            raise InvalidArgument(
                f"unknown role {value[:40]!r}; use viewer, editor or owner", {"field": "role"}
            ) from None


_RANK = {Role.VIEWER: 1, Role.EDITOR: 2, Role.OWNER: 3}


@dataclass(frozen=True, slots=True)
class Subject:
    """A user or service account."""

    id: UUID
    name: str
    kind: SubjectKind
    admin: bool
    created_at: datetime


@dataclass(frozen=True, slots=True)
class TokenInfo:
    """An API token as stored: everything but the secret, which is never kept."""

    id: UUID
    subject: str
    prefix: str
    scopes: frozenset[Scope]
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    rate_limit: int | None


@dataclass(frozen=True, slots=True)
class NewToken:
    """A token just created: the only time its secret exists outside the client."""

    info: TokenInfo
    secret: str


@dataclass(frozen=True, slots=True)
class Member:
    workspace: str
    subject: str
    role: Role


def new_secret() -> str:
    """A fresh token: ``mr_`` and 43 url-safe characters from the OS's CSPRNG."""
    return TOKEN_PREFIX + secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(secret: str) -> str:
    """The stored form of a token.

    A plain SHA-256 is enough here, unlike for passwords: slow hashes (bcrypt, argon2) exist
    to make guessing low-entropy secrets expensive, but a token carries 256 random bits, so
    there is nothing to guess, and a fast deterministic hash lets every request find its
    token through a unique index instead of scanning and verifying candidates.
    """
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def display_prefix(secret: str) -> str:
    return secret[:DISPLAY_PREFIX_LENGTH]


def looks_like_token(value: str) -> bool:
    """Cheap shape check before any database lookup."""
    return len(value) == TOKEN_LENGTH and value.startswith(TOKEN_PREFIX) and value.isascii()


@dataclass(frozen=True, slots=True)
class AuditEvent:
    """One mutation: who did what to which object, when, in which request; for metadata
    changes the changed fields before and after."""

    id: UUID
    at: datetime
    actor: str
    action: str
    workspace: str | None
    object_type: str
    object: str
    request_id: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class AuditFilter:
    workspace: str | None = None
    actor: str | None = None
    action: str | None = None
    object_type: str | None = None
    since: datetime | None = None
    until: datetime | None = None
