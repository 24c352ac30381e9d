"""Registered-model bodies."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, Field

from modelreg.api.schemas.common import (
    LongText,
    ModelNameText,
    PageOut,
    StrictIn,
    TagKey,
    TagValue,
)
from modelreg.domain.entities import CARD_FIELDS, UNSET, Model, ModelCard, ModelPatch, NewModel
from modelreg.errors import InvalidArgument


class CardIn(StrictIn):
    """Model card (the ZenML fields). In a PATCH, only the keys sent change; null clears."""

    license: LongText | None = None
    audience: LongText | None = None
    use_cases: LongText | None = None
    limitations: LongText | None = None
    trade_offs: LongText | None = None
    ethics: LongText | None = None


class ModelIn(StrictIn):
    name: ModelNameText
    description: LongText | None = None
    card: CardIn | None = None
    tags: dict[TagKey, TagValue] = Field(default_factory=dict, max_length=1000)

    def to_domain(self) -> NewModel:
        card = ModelCard(**self.card.model_dump()) if self.card else ModelCard()
        return NewModel(self.name, self.description, card, dict(self.tags))


class ModelPatchIn(StrictIn):
    """Only the fields sent change. ``name`` renames; a tag set to null is removed."""

    name: ModelNameText | None = None
    description: LongText | None = None
    card: CardIn | None = None
    tags: dict[TagKey, TagValue | None] = Field(default_factory=dict, max_length=1000)

    def to_domain(self) -> ModelPatch:
        sent = self.model_fields_set
        if "name" in sent and self.name is None:
            raise InvalidArgument("name cannot be null", {"field": "name"})
        card: dict[str, str | None] = {}
        if self.card is not None:
            card = {f: getattr(self.card, f) for f in self.card.model_fields_set}
        elif "card" in sent:
            card = dict.fromkeys(CARD_FIELDS)
        return ModelPatch(
            name=self.name if self.name is not None else UNSET,
            description=self.description if "description" in sent else UNSET,
            card=card,
            tags=dict(self.tags),
        )


class CardOut(BaseModel):
    license: str | None
    audience: str | None
    use_cases: str | None
    limitations: str | None
    trade_offs: str | None
    ethics: str | None


class AliasOut(BaseModel):
    alias: str
    version: int


class ModelOut(BaseModel):
    id: UUID
    workspace: str
    name: str
    description: str | None
    card: CardOut
    tags: dict[str, str]
    aliases: list[AliasOut]
    latest_version: int | None = Field(description="Highest existing version number.")
    latest_version_id: UUID | None
    version_count: int
    created_by: str
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, m: Model) -> ModelOut:
        return cls(
            id=m.id,
            workspace=m.workspace,
            name=m.name,
            description=m.description,
            card=CardOut(**{f: getattr(m.card, f) for f in CARD_FIELDS}),
            tags=m.tags,
            aliases=[AliasOut(alias=a.alias, version=a.version) for a in m.aliases],
            latest_version=m.latest_version,
            latest_version_id=m.latest_version_id,
            version_count=m.version_count,
            created_by=m.created_by,
            created_at=m.created_at,
            updated_at=m.updated_at,
        )


class ModelPage(PageOut[ModelOut]):
    pass
