"""Generic artifacts (datasets, plots, ...) and their versions, and the FQNs that name them.

``model`` is one more artifact type: the registry's own models, whose versions live in the
model tables; every other type lives in the artifact tables. An FQN names either kind:
``{type}:{workspace}/{name}:{number|latest}`` (models also take an alias).
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from modelreg.domain import names
from modelreg.domain.entities import UNSET, FileInfo, Unset, Version, VersionStatus
from modelreg.errors import InvalidArgument

JSON = dict[str, Any]


class ArtifactType(enum.StrEnum):
    """The artifact types of TrueFoundry's ML repos; ``model`` is the registry's models."""

    MODEL = "model"
    ARTIFACT = "artifact"
    DATASET = "dataset"
    PLOT = "plot"
    IMAGE = "image"
    CHAT_PROMPT = "chat_prompt"

    @classmethod
    def parse(cls, value: str, field: str = "type") -> ArtifactType:
        try:
            return cls(value)
        except ValueError:
            raise InvalidArgument(
                f"unknown artifact type {value[:40]!r}; use one of {', '.join(cls)}",
                {"field": field, "allowed": list(cls)},
            ) from None


class SourceType(enum.StrEnum):
    """Where a version's bytes are: uploaded here (``modelreg``) or elsewhere (``external``)."""

    MODELREG = "modelreg"
    EXTERNAL = "external"


class SubjectType(enum.StrEnum):
    USER = "user"
    SERVICE_ACCOUNT = "serviceaccount"

    @classmethod
    def of_principal_kind(cls, kind: str) -> SubjectType:
        """Principal kinds spelled any common way (service_account, service-account, ...)."""
        squashed = kind.replace("_", "").replace("-", "").lower()
        return cls.SERVICE_ACCOUNT if squashed == "serviceaccount" else cls.USER


class FileOwner(enum.StrEnum):
    """Which kind of version a file belongs to (the file tables have one shape)."""

    MODEL = "model"
    ARTIFACT = "artifact"


# Keys of the metadata the server computes (status, files, ...); clients may not use them.
INTERNAL_PREFIX = "."


@dataclass(frozen=True, slots=True)
class Artifact:
    id: UUID
    workspace_id: UUID
    workspace: str
    type: ArtifactType
    name: str
    description: str | None
    latest_version: int | None
    version_count: int
    created_by: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class Source:
    type: SourceType
    uri: str | None = None


@dataclass(frozen=True, slots=True)
class NewArtifact:
    name: str
    type: ArtifactType
    description: str | None = None


@dataclass(frozen=True, slots=True)
class NewArtifactVersion:
    description: str | None = None
    version_alias: str | None = None
    metadata: JSON = field(default_factory=dict)
    source: Source = Source(SourceType.MODELREG)
    step: int | None = None
    run_id: str | None = None
    tags: tuple[str, ...] = ()
    status: VersionStatus = VersionStatus.READY
    files: tuple[FileInfo, ...] = ()


@dataclass(frozen=True, slots=True)
class ArtifactVersionPatch:
    """Fields left UNSET are untouched; ``metadata`` and ``tags`` replace the old ones."""

    description: str | Unset | None = UNSET
    version_alias: str | Unset | None = UNSET
    metadata: JSON | Unset = UNSET
    tags: tuple[str, ...] | Unset = UNSET
    status: VersionStatus | Unset = UNSET
    status_message: str | Unset | None = UNSET


@dataclass(frozen=True, slots=True)
class ArtifactVersion:
    id: UUID
    artifact_id: UUID
    workspace_id: UUID
    workspace: str
    type: ArtifactType
    name: str
    number: int
    description: str | None
    version_alias: str | None
    metadata: JSON
    source: Source
    step: int | None
    run_id: str | None
    tags: list[str]
    status: VersionStatus
    status_message: str | None
    created_by: str
    created_by_type: SubjectType
    created_at: datetime
    updated_at: datetime

    @property
    def fqn(self) -> str:
        return fqn_of(self.type, self.workspace, self.name, self.number)


def fqn_of(kind: ArtifactType, workspace: str, name: str, number: int | str) -> str:
    return f"{kind.value}:{workspace}/{name}:{number}"


@dataclass(frozen=True, slots=True)
class Fqn:
    """A parsed FQN; ``ref`` is None when the FQN names the artifact, not a version."""

    type: ArtifactType
    workspace: str
    name: str
    ref: str | None


_VERSION_REF = re.compile(r"(?i)[0-9]+|latest")
_TYPES = frozenset(t.value for t in ArtifactType)


def parse_fqn(value: str, require_ref: bool = True, field: str = "fqn") -> Fqn:
    """``{type}:{workspace}/{name}[:{ref}]``. A name may contain ':'; without
    ``require_ref`` the last ':' segment is a version only if it is a number or latest."""
    shape = "{type}:{workspace}/{name}:{version}" if require_ref else "{type}:{workspace}/{name}"
    bad = InvalidArgument(f"invalid FQN {value[:80]!r}: expected {shape}", {"field": field})
    kind, sep, rest = value.partition(":")
    if not sep or kind not in _TYPES:
        raise bad
    workspace, slash, tail = rest.partition("/")
    if not slash or not workspace:
        raise bad
    name, sep, ref = tail.rpartition(":")
    if not sep or (not require_ref and not _VERSION_REF.fullmatch(ref)):
        name, ref = tail, ""
    if not name or (require_ref and not ref):
        raise bad
    return Fqn(
        ArtifactType(kind),
        names.workspace_name(workspace, field),
        names.model_name(name, field),
        ref or None,
    )


def check_metadata_keys(metadata: JSON) -> JSON:
    bad = [k for k in metadata if k.startswith(INTERNAL_PREFIX)]
    if bad:
        raise InvalidArgument(
            f"metadata keys starting with {INTERNAL_PREFIX!r} are the server's "
            f"(internal metadata): {bad[0][:60]!r}",
            {"field": "metadata"},
        )
    return metadata


@dataclass(frozen=True, slots=True)
class ArtifactVersionQuery:
    """The filters of the artifact-versions view (all ANDed); None means "any"."""

    workspace: str | None = None
    workspace_id: UUID | None = None
    # The workspaces the caller may read (None: all); set by the service, never the client.
    readable: frozenset[str] | None = None
    artifact_id: UUID | None = None
    types: tuple[ArtifactType, ...] = ()
    name: str | None = None
    number: int | None = None
    latest: bool = False
    tag: str | None = None
    run_ids: tuple[str, ...] = ()
    run_steps: tuple[int, ...] = ()
    fqn: Fqn | None = None  # ANDed with the rest


def usage_code_snippet(fqn: str, name: str) -> str:
    """How to fetch a version with the Python SDK (what the view shows as
    ``usage_code_snippet``)."""
    folder = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name) or "artifact"
    return (
        "from modelreg import Client\n"
        "\n"
        "# MODELREG_URL and MODELREG_TOKEN, or Client(url, token=...)\n"
        "client = Client()\n"
        f"version = client.resolve({fqn!r})\n"
        f"client.pull({fqn!r}, {'./' + folder!r})\n"
    )


@dataclass(frozen=True, slots=True)
class ViewItem:
    """A row of the artifact-versions view: an artifact or a model version, its
    workspace's id and the count and total size of its files."""

    version: Version | ArtifactVersion
    workspace_id: UUID
    file_count: int
    total_size: int


def model_tag(key: str, value: str) -> str:
    """A model version's key/value tag as the view's plain tag string."""
    return f"{key}={value}" if value else key
