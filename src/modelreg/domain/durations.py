"""Durations as operators type them: ``90s``, ``30m``, ``1h``, ``2d``, ``1h30m``, ``0``."""

from __future__ import annotations

import re
from datetime import timedelta

from modelreg.errors import InvalidArgument

_PART = re.compile(r"(\d{1,9})([smhdw])")
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_duration(value: str, field: str = "duration") -> timedelta:
    """A non-negative duration; a bare number is seconds."""
    text = value.strip().lower()
    if text.isdigit() and len(text) <= 9:
        return timedelta(seconds=int(text))
    parts = _PART.findall(text)
    if not text or "".join(n + u for n, u in parts) != text:
        raise InvalidArgument(
            f"invalid duration {value[:40]!r}: use e.g. 90s, 30m, 1h, 2d or 1h30m",
            {"field": field},
        )
    return timedelta(seconds=sum(int(n) * _UNIT[u] for n, u in parts))
