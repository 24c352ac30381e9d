"""Validation of the names clients choose. Pure functions; they raise InvalidArgument."""

from __future__ import annotations

import re
import unicodedata

from modelreg.errors import InvalidArgument

DEFAULT_WORKSPACE = "default"

_WORKSPACE_RE = re.compile(r"[A-Za-z0-9-]{1,36}")
_VERSION_NAME_RE = re.compile(r"[A-Za-z0-9._\- ]{1,64}")
MODEL_NAME_MAX = 256
_SUBJECT_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")


def _has_control(s: str) -> bool:
    return any(unicodedata.category(ch) == "Cc" for ch in s)


def workspace_name(value: str, field: str = "workspace") -> str:
    """1-36 letters, digits and '-' (the DataArts rule)."""
    if not _WORKSPACE_RE.fullmatch(value):
        raise InvalidArgument(
            f"invalid workspace name {value[:80]!r}: use 1-36 letters, digits or '-'",
            {"field": field},
        )
    return value


def subject_name(value: str, field: str = "name") -> str:
    """A user or service account: 1-64 letters, digits and '.', '_', '@', '-'; starting
    with a letter or digit (so it is never mistaken for an option or a path)."""
    if not _SUBJECT_RE.fullmatch(value):
        raise InvalidArgument(
            f"invalid subject name {value[:80]!r}: use 1-64 letters, digits, '.', '_', '@' "
            "or '-', starting with a letter or digit",
            {"field": field},
        )
    return value


def model_name(value: str, field: str = "name") -> str:
    """1-256 characters, NFC-normalised; no '/', '\\', control characters or outer spaces."""
    value = unicodedata.normalize("NFC", value)
    problem = None
    if not 1 <= len(value) <= MODEL_NAME_MAX:
        problem = f"must be 1-{MODEL_NAME_MAX} characters long"
    elif "/" in value or "\\" in value:
        problem = "must not contain '/' or '\\'"
    elif _has_control(value):
        problem = "must not contain control characters"
    elif value != value.strip():
        problem = "must not start or end with whitespace"
    if problem:
        raise InvalidArgument(f"invalid model name: {problem}", {"field": field})
    return value


def version_display_name(value: str, field: str = "name") -> str:
    """1-64 letters, digits, '-', '_', '.', or spaces."""
    if not _VERSION_NAME_RE.fullmatch(value):
        raise InvalidArgument(
            "invalid version name: use 1-64 letters, digits, '-', '_', '.' or spaces",
            {"field": field},
        )
    return value


_ALIAS_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")
_RESERVED_ALIAS = re.compile(r"(?i)latest|v\d+|-?\d+")


def alias_name(value: str, field: str = "alias") -> str:
    """1-64 letters, digits, '-' or '_'; not a number, not ``latest``, not ``v<digits>``
    (MLflow reserves those)."""
    if not _ALIAS_RE.fullmatch(value):
        raise InvalidArgument(
            "invalid alias: use 1-64 letters, digits, '-' or '_'", {"field": field}
        )
    if _RESERVED_ALIAS.fullmatch(value):
        raise InvalidArgument(
            f"alias {value!r} is reserved (numbers, 'latest' and 'v<digits>' are)",
            {"field": field},
        )
    return value


ARTIFACT_PATH_MAX = 1024


def artifact_path(value: str, field: str = "path") -> str:
    """A relative file path inside a version: NFC-normalised, '/'-separated, no empty,
    '.' or '..' segments, no backslash, NUL or other control characters."""
    value = unicodedata.normalize("NFC", value)
    segments = value.split("/")
    problem = None
    if not 1 <= len(value) <= ARTIFACT_PATH_MAX:
        problem = f"must be 1-{ARTIFACT_PATH_MAX} characters long"
    elif value.startswith("/"):
        problem = "must be relative"
    elif "\\" in value or _has_control(value):
        problem = "must not contain backslashes or control characters"
    elif any(seg in ("", ".", "..") for seg in segments):
        problem = "must not contain empty, '.' or '..' segments"
    if problem:
        raise InvalidArgument(f"invalid file path {value[:80]!r}: {problem}", {"field": field})
    return value


_NUMBER_RE = re.compile(r"-?[0-9]+")
VERSION_NUMBER_MAX = 2**31 - 1


def version_number(ref: str, field: str = "version") -> int | None:
    """The version number ``ref`` spells (1 to 2**31-1), or None if it is no number (an
    alias, ``latest``); a number out of that range is INVALID_ARGUMENT."""
    if not _NUMBER_RE.fullmatch(ref):
        return None
    number = int(ref)
    if not 1 <= number <= VERSION_NUMBER_MAX:
        raise InvalidArgument(f"version number {ref[:20]} is out of range", {"field": field})
    return number
