"""Registry entities as frozen dataclasses: what the store returns and services hand out.

They carry no database session, so nothing can lazy-load behind a caller's back.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from modelreg.domain.access import Role, Scope
from modelreg.errors import InvalidArgument
from modelreg.query.filter import Node

JSON = dict[str, Any]


class VersionStatus(enum.StrEnum):
    PENDING_REGISTRATION = "PENDING_REGISTRATION"
    READY = "READY"
    FAILED_REGISTRATION = "FAILED_REGISTRATION"


class Stage(enum.StrEnum):
    """Lifecycle stages, spelled as MLflow spells them."""

    NONE = "None"
    STAGING = "Staging"
    PRODUCTION = "Production"
    ARCHIVED = "Archived"

    @classmethod
    def parse(cls, value: str) -> Stage:
        """Accept a stage name in any case."""
        for stage in cls:
            if stage.value.lower() == value.lower():
                return stage
        raise InvalidArgument(
            f"unknown stage {value[:40]!r}; use None, Staging, Production or Archived",
            {"field": "stage"},
        )


class Unset(enum.Enum):
    """Marks a PATCH field the client did not send; ``None`` means "clear it"."""

    TOKEN = 0


UNSET = Unset.TOKEN

CARD_FIELDS = ("license", "audience", "use_cases", "limitations", "trade_offs", "ethics")


@dataclass(frozen=True, slots=True)
class Workspace:
    id: UUID
    name: str
    description: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ModelCard:
    license: str | None = None
    audience: str | None = None
    use_cases: str | None = None
    limitations: str | None = None
    trade_offs: str | None = None
    ethics: str | None = None


@dataclass(frozen=True, slots=True)
class Model:
    id: UUID
    workspace_id: UUID
    workspace: str
    name: str
    description: str | None
    card: ModelCard
    tags: dict[str, str]
    aliases: list[Alias]
    latest_version: int | None
    latest_version_id: UUID | None
    version_count: int
    created_by: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class Metric:
    key: str
    value: float
    step: int
    timestamp: datetime


@dataclass(frozen=True, slots=True)
class Version:
    """A model version. ``hydrated`` is False when the heavy fields were not loaded."""

    id: UUID
    model_id: UUID
    model_name: str
    workspace: str
    number: int
    name: str | None
    description: str | None
    source: str | None
    run_id: str | None
    run_link: str | None
    status: VersionStatus
    status_message: str | None
    created_by: str
    created_at: datetime
    updated_at: datetime
    tags: dict[str, str]
    requirements: list[str]
    stage: Stage = Stage.NONE
    last_transition_at: datetime | None = None
    aliases: list[str] = field(default_factory=list)
    lineage: Lineage = field(default_factory=lambda: Lineage())
    hydrated: bool = True
    metrics: list[Metric] = field(default_factory=list)
    params: dict[str, str] = field(default_factory=dict)
    signature: JSON | None = None
    config: JSON | None = None

    @property
    def fqn(self) -> str:
        """``model:{workspace}/{model}:{number}``, the TrueFoundry-style address."""
        return f"model:{self.workspace}/{self.model_name}:{self.number}"


LINK_KINDS = (
    "datasets",
    "model_artifacts",
    "data_artifacts",
    "deployment_artifacts",
    "pipeline_runs",
)


@dataclass(frozen=True, slots=True)
class Lineage:
    """Where a version came from: its run, logged model, inputs, pipeline runs, and the
    version it was promoted from."""

    logged_model_id: str | None = None
    experiment_id: str | None = None
    datasets: tuple[str, ...] = ()
    model_artifacts: tuple[str, ...] = ()
    data_artifacts: tuple[str, ...] = ()
    deployment_artifacts: tuple[str, ...] = ()
    pipeline_runs: tuple[str, ...] = ()
    promoted_from: UUID | None = None
    deployment_job_state: JSON | None = None

    def links(self) -> list[tuple[str, str]]:
        return [(kind, t) for kind in LINK_KINDS for t in getattr(self, kind)]


@dataclass(frozen=True, slots=True)
class Transition:
    from_stage: Stage
    to_stage: Stage
    actor: str
    at: datetime
    comment: str | None


@dataclass(frozen=True, slots=True)
class Alias:
    alias: str
    version: int
    protected: bool = False


@dataclass(frozen=True, slots=True)
class AliasMove:
    alias: str
    from_version: int | None
    to_version: int | None
    actor: str
    at: datetime


@dataclass(frozen=True, slots=True)
class NewModel:
    name: str
    description: str | None = None
    card: ModelCard = ModelCard()
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ModelPatch:
    """Fields left UNSET are untouched; tag values of None delete the key."""

    name: str | Unset = UNSET
    description: str | Unset | None = UNSET
    card: dict[str, str | None] = field(default_factory=dict)
    tags: dict[str, str | None] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class FileInfo:
    """A file of a version: its path inside the version, size and sha256 (its blob)."""

    path: str
    size: int
    sha256: str


@dataclass(frozen=True, slots=True)
class UploadPart:
    number: int
    size: int


@dataclass(frozen=True, slots=True)
class Upload:
    """A resumable multipart upload of one file of a version. Parts are numbered from 1;
    every part but the last is exactly ``part_size`` bytes."""

    id: UUID
    version_id: UUID
    path: str
    size: int
    sha256: str
    part_size: int
    created_at: datetime
    parts: tuple[UploadPart, ...] = ()

    @property
    def part_count(self) -> int:
        return -(-self.size // self.part_size)

    def expected_part_size(self, number: int) -> int:
        """The exact size of part ``number`` (1-based); the caller checks the range."""
        return min(self.part_size, self.size - (number - 1) * self.part_size)


@dataclass(frozen=True, slots=True)
class NewVersion:
    name: str | None = None
    description: str | None = None
    source: str | None = None
    run_id: str | None = None
    run_link: str | None = None
    status: VersionStatus = VersionStatus.READY
    status_message: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    metrics: list[Metric] = field(default_factory=list)
    params: dict[str, str] = field(default_factory=dict)
    signature: JSON | None = None
    requirements: list[str] = field(default_factory=list)
    config: JSON | None = None
    lineage: Lineage = field(default_factory=lambda: Lineage())
    # Files announced up front; finalize checks each arrived with this size and sha256.
    files: tuple[FileInfo, ...] = ()


@dataclass(frozen=True, slots=True)
class VersionPatch:
    """Metrics are appended (a metric is a history); tags and params merge, None deletes."""

    name: str | Unset | None = UNSET
    description: str | Unset | None = UNSET
    status: VersionStatus | Unset = UNSET
    status_message: str | Unset | None = UNSET
    tags: dict[str, str | None] = field(default_factory=dict)
    metrics: list[Metric] = field(default_factory=list)
    params: dict[str, str | None] = field(default_factory=dict)
    lineage: Lineage | Unset = UNSET


@dataclass(frozen=True, slots=True)
class Principal:
    """Who acts, as authenticated for one request.

    ``roles`` (workspace name -> role) and ``scopes`` are loaded with the token, so that
    authorizing is a pure function of the principal. ``anonymous`` is the caller when
    authentication is off (``--no-auth``).
    """

    subject: str
    kind: str = "user"
    id: UUID | None = None
    admin: bool = False
    scopes: frozenset[Scope] = frozenset()
    roles: dict[str, Role] = field(default_factory=dict, compare=False)
    token_id: UUID | None = None
    rate_limit: int | None = None
    #: The request this principal acts in (for the audit log).
    request_id: str | None = None


ANONYMOUS = Principal("anonymous")


@dataclass(frozen=True, slots=True)
class ModelFilter:
    """The simple query-parameter filters of a model listing (all ANDed)."""

    name_contains: str | None = None
    tags: tuple[tuple[str, str], ...] = ()
    created_after: datetime | None = None
    created_before: datetime | None = None


@dataclass(frozen=True, slots=True)
class VersionFilter:
    """The simple query-parameter filters of a version listing (all ANDed)."""

    number: int | None = None
    status: VersionStatus | None = None
    name_contains: str | None = None
    run_id: str | None = None
    tags: tuple[tuple[str, str], ...] = ()
    created_after: datetime | None = None
    created_before: datetime | None = None
    expression: Node | None = None  # the filter language, ANDed with the rest
