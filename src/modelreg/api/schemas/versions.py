"""Model-version bodies."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, Strict, StringConstraints

from modelreg.api.schemas.common import (
    INT64_MAX,
    Description,
    Int64,
    MetricKey,
    PageOut,
    ParamKey,
    ParamValue,
    ShortText,
    StrictIn,
    TagKey,
    TagValue,
    Timestamp,
    Uri,
    VersionNameText,
    _text,
)
from modelreg.domain.entities import (
    LINK_KINDS,
    UNSET,
    FileInfo,
    Lineage,
    Metric,
    NewVersion,
    Version,
    VersionPatch,
    VersionStatus,
)
from modelreg.errors import InvalidArgument
from modelreg.services.base import utcnow

FiniteFloat = Annotated[float, Field(allow_inf_nan=False)]
TypeName = Annotated[str, _text(64, 1)]
Requirement = Annotated[str, _text(1024, 1)]
# Strict mode would want an enum instance; JSON can only send its value (exactly, no coercion).
Status = Annotated[VersionStatus, Strict(False)]


class MetricIn(StrictIn):
    key: MetricKey
    value: FiniteFloat
    step: Int64 = 0
    timestamp: Timestamp | None = Field(None, description="UTC when omitted: now.")

    def to_domain(self) -> Metric:
        return Metric(self.key, self.value, self.step, self.timestamp or utcnow())


class DataTypeIn(StrictIn):
    """A column type such as ``{"type": "double"}``; nested type details are kept as sent."""

    model_config = ConfigDict(extra="allow")
    type: TypeName


class ColumnIn(StrictIn):
    name: ShortText
    required: bool = True
    dataType: DataTypeIn


class SignatureFieldIn(StrictIn):
    """One input or output: a tabular frame with columns, a tensor, a scalar, ..."""

    model_config = ConfigDict(extra="allow")
    name: ShortText | None = None
    required: bool = True
    type: TypeName
    columns: list[ColumnIn] | None = Field(None, max_length=10000)
    format: TypeName | None = None


class SignatureIn(StrictIn):
    inputs: list[SignatureFieldIn] = Field(default_factory=list, max_length=1000)
    outputs: list[SignatureFieldIn] = Field(default_factory=list, max_length=1000)


Tags = Annotated[dict[TagKey, TagValue], Field(max_length=1000)]
Params = Annotated[dict[ParamKey, ParamValue], Field(max_length=1000)]
Metrics = Annotated[list[MetricIn], Field(max_length=10000)]


LinkTarget = Annotated[str, _text(512, 1)]
Links = Annotated[list[LinkTarget], Field(max_length=1000)]


class LineageIn(StrictIn):
    """Where the version came from. Links are ids or FQNs of runs, datasets, artifacts."""

    logged_model_id: ShortText | None = None
    experiment_id: ShortText | None = None
    datasets: Links = Field(default_factory=list)
    model_artifacts: Links = Field(default_factory=list)
    data_artifacts: Links = Field(default_factory=list)
    deployment_artifacts: Links = Field(default_factory=list)
    pipeline_runs: Links = Field(default_factory=list)
    promoted_from: Annotated[UUID, Strict(False)] | None = None
    deployment_job_state: dict[str, Any] | None = None

    def to_domain(self) -> Lineage:
        return Lineage(
            logged_model_id=self.logged_model_id,
            experiment_id=self.experiment_id,
            promoted_from=self.promoted_from,
            deployment_job_state=self.deployment_job_state,
            **{kind: tuple(dict.fromkeys(getattr(self, kind))) for kind in LINK_KINDS},
        )


class LineageOut(BaseModel):
    logged_model_id: str | None
    experiment_id: str | None
    datasets: list[str]
    model_artifacts: list[str]
    data_artifacts: list[str]
    deployment_artifacts: list[str]
    pipeline_runs: list[str]
    promoted_from: UUID | None
    deployment_job_state: dict[str, Any] | None


Sha256Hex = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]


class FileDeclIn(StrictIn):
    path: Annotated[str, _text(1024, 1)]
    size: Annotated[int, Field(ge=0, le=INT64_MAX)]
    sha256: Sha256Hex


class VersionIn(StrictIn):
    name: VersionNameText | None = Field(
        None, description="Display name: 1-64 letters, digits, '-', '_', '.', spaces."
    )
    description: Description | None = None
    source: Uri | None = None
    run_id: ShortText | None = None
    run_link: Uri | None = None
    status: Status | None = Field(
        None, description="READY by default; PENDING_REGISTRATION when files are declared."
    )
    status_message: Description | None = None
    tags: Tags = Field(default_factory=dict)
    metrics: Metrics = Field(default_factory=list)
    params: Params = Field(default_factory=dict)
    signature: SignatureIn | None = None
    requirements: list[Requirement] = Field(default_factory=list, max_length=1000)
    config: dict[str, Any] | None = Field(
        None, description='Free-form JSON, e.g. {"llm": {"base_model_type": "llama"}}.'
    )
    lineage: LineageIn | None = None
    files: list[FileDeclIn] = Field(
        default_factory=list,
        max_length=10000,
        description="Files to come; the version then starts PENDING_REGISTRATION and "
        "finalize checks each arrived with this size and sha256.",
    )

    def to_domain(self) -> NewVersion:
        return NewVersion(
            name=self.name,
            description=self.description,
            source=self.source,
            run_id=self.run_id,
            run_link=self.run_link,
            status=self.status
            or (VersionStatus.PENDING_REGISTRATION if self.files else VersionStatus.READY),
            status_message=self.status_message,
            tags=dict(self.tags),
            metrics=[m.to_domain() for m in self.metrics],
            params=dict(self.params),
            signature=self.signature.model_dump(exclude_none=True) if self.signature else None,
            requirements=list(self.requirements),
            config=self.config,
            lineage=self.lineage.to_domain() if self.lineage else Lineage(),
            files=tuple(FileInfo(f.path, f.size, f.sha256) for f in self.files),
        )


class VersionPatchIn(StrictIn):
    """Only the fields sent change. Tags and params merge (null removes a key); metrics are
    appended to the version's history."""

    name: VersionNameText | None = None
    description: Description | None = None
    status: Status | None = None
    status_message: Description | None = None
    tags: Annotated[dict[TagKey, TagValue | None], Field(max_length=1000)] = Field(
        default_factory=dict
    )
    metrics: Metrics = Field(default_factory=list)
    params: Annotated[dict[ParamKey, ParamValue | None], Field(max_length=1000)] = Field(
        default_factory=dict
    )
    lineage: LineageIn | None = Field(None, description="Replaces the whole lineage object.")

    def to_domain(self) -> VersionPatch:
        sent = self.model_fields_set
        if "status" in sent and self.status is None:
            raise InvalidArgument("status cannot be null", {"field": "status"})
        return VersionPatch(
            name=self.name if "name" in sent else UNSET,
            description=self.description if "description" in sent else UNSET,
            status=self.status if self.status is not None else UNSET,
            status_message=self.status_message if "status_message" in sent else UNSET,
            tags=dict(self.tags),
            metrics=[m.to_domain() for m in self.metrics],
            params=dict(self.params),
            lineage=(self.lineage or LineageIn()).to_domain() if "lineage" in sent else UNSET,
        )


class MetricOut(BaseModel):
    key: str
    value: float
    step: int
    timestamp: datetime


class VersionSummaryOut(BaseModel):
    """A version without its heavy fields (``hydrate=false``)."""

    id: UUID
    model_id: UUID = Field(description="Id of the registered model this version belongs to.")
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
    stage: str = Field(description="None, Staging, Production or Archived.")
    last_transition_at: datetime | None
    aliases: list[str]
    fqn: str = Field(description="model:{workspace}/{model}:{number}")
    lineage: LineageOut

    @classmethod
    def fields_of(cls, v: Version) -> dict[str, Any]:
        out = {name: getattr(v, name) for name in VersionSummaryOut.model_fields}
        out["lineage"] = LineageOut.model_validate(v.lineage, from_attributes=True)
        return out

    @classmethod
    def of(cls, v: Version) -> VersionSummaryOut:
        if v.hydrated:
            return VersionOut.of(v)
        return cls(**cls.fields_of(v))


class VersionOut(VersionSummaryOut):
    metrics: list[MetricOut]
    params: dict[str, str]
    signature: dict[str, Any] | None
    config: dict[str, Any] | None

    @classmethod
    def of(cls, v: Version) -> VersionOut:
        return cls(
            **cls.fields_of(v),
            metrics=[
                MetricOut(key=m.key, value=m.value, step=m.step, timestamp=m.timestamp)
                for m in v.metrics
            ],
            params=v.params,
            signature=v.signature,
            config=v.config,
        )


def version_doc(v: Version) -> dict[str, Any]:
    """What ``VersionOut.of(v)`` (or the summary, for a light version) serializes to, built
    without pydantic for the hot list and search pages: validating and dumping 100 versions
    costs ~3 ms, more than loading them. Encode with ``json_bytes`` (orjson renders UUIDs,
    enums and UTC datetimes exactly as pydantic does). tests/test_wire_fast.py keeps the
    two forms identical."""
    ln = v.lineage
    doc: dict[str, Any] = {
        "id": v.id,
        "model_id": v.model_id,
        "model_name": v.model_name,
        "workspace": v.workspace,
        "number": v.number,
        "name": v.name,
        "description": v.description,
        "source": v.source,
        "run_id": v.run_id,
        "run_link": v.run_link,
        "status": v.status,
        "status_message": v.status_message,
        "created_by": v.created_by,
        "created_at": v.created_at,
        "updated_at": v.updated_at,
        "tags": v.tags,
        "requirements": v.requirements,
        "stage": v.stage,
        "last_transition_at": v.last_transition_at,
        "aliases": v.aliases,
        "fqn": v.fqn,
        "lineage": {
            "logged_model_id": ln.logged_model_id,
            "experiment_id": ln.experiment_id,
            "datasets": ln.datasets,
            "model_artifacts": ln.model_artifacts,
            "data_artifacts": ln.data_artifacts,
            "deployment_artifacts": ln.deployment_artifacts,
            "pipeline_runs": ln.pipeline_runs,
            "promoted_from": ln.promoted_from,
            "deployment_job_state": ln.deployment_job_state,
        },
    }
    if v.hydrated:
        doc["metrics"] = [
            {"key": m.key, "value": m.value, "step": m.step, "timestamp": m.timestamp}
            for m in v.metrics
        ]
        doc["params"] = v.params
        doc["signature"] = v.signature
        doc["config"] = v.config
    return doc


class VersionPage(PageOut[VersionOut | VersionSummaryOut]):
    pass
