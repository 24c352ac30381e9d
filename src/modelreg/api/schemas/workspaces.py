"""Workspace bodies."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel

from modelreg.api.schemas.common import Description, StrictIn, WorkspaceNameText
from modelreg.domain.entities import Workspace


class WorkspaceIn(StrictIn):
    name: WorkspaceNameText
    description: Description | None = None


class WorkspaceOut(BaseModel):
    id: UUID
    name: str
    description: str | None
    created_at: datetime

    @classmethod
    def of(cls, ws: Workspace) -> WorkspaceOut:
        return cls(id=ws.id, name=ws.name, description=ws.description, created_at=ws.created_at)
