"""Stage, alias, tag, promotion and lineage bodies."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, Strict

from modelreg.api.schemas.artifacts import ArtifactVersionView
from modelreg.api.schemas.common import INT32_MAX, Description, StrictIn, TagValue, _text
from modelreg.api.schemas.versions import VersionOut
from modelreg.domain.artifacts import ViewItem
from modelreg.domain.entities import Alias, AliasMove, Stage, Transition
from modelreg.services.lifecycle import TagInfo

VersionNumber = Annotated[int, Field(ge=1, le=INT32_MAX)]


class StageIn(StrictIn):
    stage: Annotated[str, _text(16, 1)] = Field(
        description="None, Staging, Production or Archived (any case)."
    )
    archive_existing: bool = Field(
        False, description="Move the model's other versions in that stage to Archived."
    )
    comment: Description | None = None

    def to_stage(self) -> Stage:
        return Stage.parse(self.stage)


class TransitionOut(BaseModel):
    from_stage: str
    to_stage: str
    actor: str
    at: datetime
    comment: str | None

    @classmethod
    def of(cls, t: Transition) -> TransitionOut:
        return cls(
            from_stage=t.from_stage.value,
            to_stage=t.to_stage.value,
            actor=t.actor,
            at=t.at,
            comment=t.comment,
        )


class TransitionList(BaseModel):
    items: list[TransitionOut]


class AliasIn(StrictIn):
    version: VersionNumber
    expected_version: VersionNumber | None = Field(
        None, description="Compare-and-swap: fail unless the alias points here now."
    )
    protected: bool | None = Field(
        None, description="Protected aliases need the workspace owner to move or delete."
    )


class AliasEntryOut(BaseModel):
    alias: str
    version: int
    protected: bool

    @classmethod
    def of(cls, a: Alias) -> AliasEntryOut:
        return cls(alias=a.alias, version=a.version, protected=a.protected)


class AliasList(BaseModel):
    items: list[AliasEntryOut]


class AliasMoveOut(BaseModel):
    alias: str
    from_version: int | None
    to_version: int | None = Field(description="null: the alias was deleted.")
    actor: str
    at: datetime

    @classmethod
    def of(cls, m: AliasMove) -> AliasMoveOut:
        return cls(
            alias=m.alias,
            from_version=m.from_version,
            to_version=m.to_version,
            actor=m.actor,
            at=m.at,
        )


class AliasHistory(BaseModel):
    items: list[AliasMoveOut]


class TagIn(StrictIn):
    value: TagValue
    color: Annotated[str, _text(32, 1)] | None = None
    exclusive: bool | None = Field(
        None,
        description="Version tags only: true makes the key sit on at most one version of "
        "the model (setting it elsewhere moves it); false un-marks the key.",
    )


class TagOut(BaseModel):
    key: str
    value: str
    color: str | None
    exclusive: bool

    @classmethod
    def of(cls, t: TagInfo) -> TagOut:
        return cls(key=t.key, value=t.value, color=t.color, exclusive=t.exclusive)


class TagList(BaseModel):
    items: list[TagOut]


class PromoteIn(StrictIn):
    source: Annotated[str, _text(600, 1)] = Field(
        description="The source version's id or FQN (model:{ws}/{model}:{version|alias})."
    )


class LinkOut(BaseModel):
    """A lineage link; ``resolved`` is the version it names when it is an FQN of an
    existing (and readable) artifact or model version, else null."""

    kind: str = Field(description="datasets, model_artifacts, data_artifacts, ...")
    target: str
    resolved: ArtifactVersionView | None

    @classmethod
    def of(cls, kind: str, target: str, found: ViewItem | None) -> LinkOut:
        return cls(
            kind=kind,
            target=target,
            resolved=None if found is None else ArtifactVersionView.of(found, internal=False),
        )


class LineageView(BaseModel):
    version: VersionOut
    upstream: list[VersionOut] = Field(description="promoted_from, then its source, ...")
    downstream: list[VersionOut] = Field(description="Versions copied from this one.")
    links: list[LinkOut] = Field(description="The lineage links, each resolved if it can be.")


AtTime = Annotated[datetime, Strict(False)]
