"""Generic-artifact bodies, and the TrueFoundry-shaped artifact-versions view."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, Field

from modelreg.api.schemas.common import (
    INT64_MAX,
    Description,
    ModelNameText,
    PageOut,
    ShortText,
    StrictIn,
    Uri,
    VersionNameText,
    _text,
)
from modelreg.api.schemas.versions import FileDeclIn, Status
from modelreg.domain.artifacts import (
    INTERNAL_PREFIX,
    Artifact,
    ArtifactType,
    ArtifactVersion,
    ArtifactVersionPatch,
    NewArtifact,
    NewArtifactVersion,
    Source,
    SourceType,
    SubjectType,
    ViewItem,
    fqn_of,
    model_tag,
    usage_code_snippet,
)
from modelreg.domain.entities import UNSET, FileInfo, Version, VersionStatus
from modelreg.errors import InvalidArgument

TypeText = Annotated[str, _text(32, 1)]
TagText = Annotated[str, _text(250, 1)]


class ArtifactIn(StrictIn):
    name: ModelNameText = Field(description="Unique among the workspace's artifacts.")
    type: TypeText = Field(description="artifact, dataset, plot, image or chat_prompt.")
    description: Description | None = None

    def to_domain(self) -> NewArtifact:
        return NewArtifact(self.name, ArtifactType.parse(self.type), self.description)


class ArtifactOut(BaseModel):
    id: UUID
    workspace: str
    type: str
    name: str
    fqn: str = Field(description="{type}:{workspace}/{name}")
    description: str | None
    latest_version: int | None
    version_count: int
    created_by: str
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, a: Artifact) -> ArtifactOut:
        return cls(
            id=a.id,
            workspace=a.workspace,
            type=a.type.value,
            name=a.name,
            fqn=f"{a.type.value}:{a.workspace}/{a.name}",
            description=a.description,
            latest_version=a.latest_version,
            version_count=a.version_count,
            created_by=a.created_by,
            created_at=a.created_at,
            updated_at=a.updated_at,
        )


class ArtifactPage(PageOut[ArtifactOut]):
    pass


class SourceIn(StrictIn):
    type: Annotated[str, _text(32, 1)] = Field(
        "modelreg", description="modelreg (files uploaded here) or external (uri elsewhere)."
    )
    uri: Uri | None = None

    def to_domain(self) -> Source:
        try:
            kind = SourceType(self.type)
        except ValueError:
            raise InvalidArgument(
                f"unknown source type {self.type[:40]!r}; use modelreg or external",
                {"field": "source.type"},
            ) from None
        if kind is SourceType.EXTERNAL and not self.uri:
            raise InvalidArgument("an external source needs a uri", {"field": "source.uri"})
        return Source(kind, self.uri)


class SourceOut(BaseModel):
    type: str
    uri: str | None


class ArtifactVersionIn(StrictIn):
    description: Description | None = None
    version_alias: VersionNameText | None = Field(None, description="A display name, e.g. v1.0.")
    metadata: dict[str, Any] = Field(
        default_factory=dict,
        max_length=1000,
        description=f"Free-form JSON; keys starting with {INTERNAL_PREFIX!r} are the server's.",
    )
    source: SourceIn | None = None
    step: Annotated[int, Field(ge=0, le=INT64_MAX)] | None = None
    run_id: ShortText | None = None
    tags: list[TagText] = Field(default_factory=list, max_length=1000)
    status: Status | None = Field(
        None, description="READY by default; PENDING_REGISTRATION when files are declared."
    )
    files: list[FileDeclIn] = Field(
        default_factory=list,
        max_length=10000,
        description="Files to come: the version starts PENDING_REGISTRATION and finalize "
        "checks each arrived with this size and sha256.",
    )

    def to_domain(self) -> NewArtifactVersion:
        status = self.status or (
            VersionStatus.PENDING_REGISTRATION if self.files else VersionStatus.READY
        )
        if self.files and status is not VersionStatus.PENDING_REGISTRATION:
            raise InvalidArgument(
                "a version that declares files starts PENDING_REGISTRATION; upload them, "
                "then finalize",
                {"field": "status"},
            )
        return NewArtifactVersion(
            description=self.description,
            version_alias=self.version_alias,
            metadata=dict(self.metadata),
            source=self.source.to_domain() if self.source else Source(SourceType.MODELREG),
            step=self.step,
            run_id=self.run_id,
            tags=tuple(self.tags),
            status=status,
            files=tuple(FileInfo(f.path, f.size, f.sha256) for f in self.files),
        )


class ArtifactVersionPatchIn(StrictIn):
    """Only the fields sent change; ``metadata`` and ``tags`` replace the old ones."""

    description: Description | None = None
    version_alias: VersionNameText | None = None
    metadata: dict[str, Any] | None = Field(None, max_length=1000)
    tags: list[TagText] | None = Field(None, max_length=1000)
    status: Status | None = None
    status_message: Description | None = None

    def to_domain(self) -> ArtifactVersionPatch:
        sent = self.model_fields_set
        for f in ("status", "metadata", "tags"):
            if f in sent and getattr(self, f) is None:
                raise InvalidArgument(f"{f} cannot be null", {"field": f})
        return ArtifactVersionPatch(
            description=self.description if "description" in sent else UNSET,
            version_alias=self.version_alias if "version_alias" in sent else UNSET,
            metadata=dict(self.metadata) if self.metadata is not None else UNSET,
            tags=tuple(self.tags) if self.tags is not None else UNSET,
            status=self.status if self.status is not None else UNSET,
            status_message=self.status_message if "status_message" in sent else UNSET,
        )


class ArtifactVersionOut(BaseModel):
    """An artifact version in the native API."""

    id: UUID
    artifact_id: UUID
    workspace: str
    type: str
    name: str
    number: int
    fqn: str = Field(description="{type}:{workspace}/{name}:{number}")
    description: str | None
    version_alias: str | None
    metadata: dict[str, Any]
    source: SourceOut
    step: int | None
    run_id: str | None
    tags: list[str]
    status: VersionStatus
    status_message: str | None
    created_by: str
    created_by_type: str = Field(description="user or serviceaccount")
    created_at: datetime
    updated_at: datetime
    usage_code_snippet: str

    @classmethod
    def of(cls, v: ArtifactVersion) -> ArtifactVersionOut:
        return cls(
            id=v.id,
            artifact_id=v.artifact_id,
            workspace=v.workspace,
            type=v.type.value,
            name=v.name,
            number=v.number,
            fqn=v.fqn,
            description=v.description,
            version_alias=v.version_alias,
            metadata=v.metadata,
            source=SourceOut(type=v.source.type.value, uri=v.source.uri),
            step=v.step,
            run_id=v.run_id,
            tags=v.tags,
            status=v.status,
            status_message=v.status_message,
            created_by=v.created_by,
            created_by_type=v.created_by_type.value,
            created_at=v.created_at,
            updated_at=v.updated_at,
            usage_code_snippet=usage_code_snippet(v.fqn, v.name),
        )


class ArtifactVersionPage(PageOut[ArtifactVersionOut]):
    pass


# --- the TrueFoundry view -------------------------------------------------------------------


class SubjectOut(BaseModel):
    subjectId: str
    subjectType: str = Field(description="user or serviceaccount")
    subjectSlug: str
    subjectDisplayName: str


class ManifestOut(BaseModel):
    name: str
    metadata: dict[str, Any]
    ml_repo: str = Field(description="The workspace.")
    source: SourceOut
    description: str | None
    version_alias: str | None
    version: int
    type: str = Field(description="{artifact type}-version, e.g. artifact-version")
    step: int | None
    run_id: str | None


class ArtifactVersionView(BaseModel):
    """One version (of an artifact or a model) as TrueFoundry's ML repos list it."""

    id: UUID
    fqn: str
    created_by_subject: SubjectOut
    manifest: ManifestOut
    ml_repo_id: UUID
    artifact_id: UUID
    created_at: datetime
    updated_at: datetime
    usage_code_snippet: str
    tags: list[str]

    @classmethod
    def of(cls, item: ViewItem, internal: bool) -> ArtifactVersionView:
        v = item.version
        extra: dict[str, Any] = {
            f"{INTERNAL_PREFIX}status": v.status.value,
            f"{INTERNAL_PREFIX}status_message": v.status_message,
            f"{INTERNAL_PREFIX}file_count": item.file_count,
            f"{INTERNAL_PREFIX}size": item.total_size,
        }
        if isinstance(v, ArtifactVersion):
            kind, name, artifact_id, metadata = v.type, v.name, v.artifact_id, dict(v.metadata)
            subject_type, tags = v.created_by_type, v.tags
            source = SourceOut(type=v.source.type.value, uri=v.source.uri or v.fqn)
            alias, step, description = v.version_alias, v.step, v.description
        else:
            kind, name, artifact_id = ArtifactType.MODEL, v.model_name, v.model_id
            metadata, alias, step, description = _model_metadata(v), v.name, None, v.description
            subject_type = SubjectType.USER
            tags = [model_tag(k, val) for k, val in sorted(v.tags.items())]
            source = (
                SourceOut(type=SourceType.EXTERNAL.value, uri=v.source)
                if v.source
                else SourceOut(type=SourceType.MODELREG.value, uri=v.fqn)
            )
            extra[f"{INTERNAL_PREFIX}stage"] = v.stage.value
            extra[f"{INTERNAL_PREFIX}aliases"] = list(v.aliases)
        if internal:
            metadata.update(extra)
        fqn = fqn_of(kind, v.workspace, name, v.number)
        return cls(
            id=v.id,
            fqn=fqn,
            created_by_subject=SubjectOut(
                subjectId=v.created_by,
                subjectType=subject_type.value,
                subjectSlug=v.created_by,
                subjectDisplayName=v.created_by,
            ),
            manifest=ManifestOut(
                name=name,
                metadata=metadata,
                ml_repo=v.workspace,
                source=source,
                description=description,
                version_alias=alias,
                version=v.number,
                type=f"{kind.value}-version",
                step=step,
                run_id=v.run_id,
            ),
            ml_repo_id=item.workspace_id,
            artifact_id=artifact_id,
            created_at=v.created_at,
            updated_at=v.updated_at,
            usage_code_snippet=usage_code_snippet(fqn, name),
            tags=tags,
        )


def _model_metadata(v: Version) -> dict[str, Any]:
    """A model version's params and the latest value of each metric."""
    latest: dict[str, tuple[int, datetime, float]] = {}
    for m in v.metrics:
        seen = latest.get(m.key)
        if seen is None or (m.step, m.timestamp) >= seen[:2]:
            latest[m.key] = (m.step, m.timestamp, m.value)
    out: dict[str, Any] = {}
    if v.params:
        out["params"] = dict(v.params)
    if latest:
        out["metrics"] = {k: val for k, (_, _, val) in sorted(latest.items())}
    return out


class PaginationOut(BaseModel):
    total: int
    offset: int
    limit: int


class ArtifactVersionViewPage(BaseModel):
    data: list[ArtifactVersionView]
    pagination: PaginationOut
