"""Business rules and transaction boundaries. No HTTP here; callers pass the acting principal."""

from __future__ import annotations

from modelreg.services.registry import Services

__all__ = ["Services"]
