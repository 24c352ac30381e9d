"""The typed whitelist of searchable fields, and the check of a filter AST against it.

A field that is not listed, or an operator or value that makes no sense for a field's
type (``metrics.auc LIKE 'x'``, ``version_number = 'abc'``), is INVALID_ARGUMENT here,
before any SQL exists.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from modelreg.errors import InvalidArgument
from modelreg.query.filter import (
    INT64_MAX,
    INT64_MIN,
    And,
    Compare,
    Field,
    In,
    IsNull,
    Node,
    Not,
    Or,
    Value,
)


class Kind(enum.Enum):
    STR = "string"
    INT = "integer"
    FLOAT = "number"
    TIME_MS = "milliseconds since the epoch"
    TIME_ISO = "ISO-8601 time"
    JSON = "JSON value"


@dataclass(frozen=True, slots=True)
class Resolved:
    """A field checked against a whitelist: its canonical name and its type."""

    scope: str
    name: str
    path: tuple[str, ...]
    kind: Kind


# Attribute name -> (canonical name, kind). Aliases follow MLflow's spellings.
VERSION_ATTRIBUTES: dict[str, tuple[str, Kind]] = {
    "name": ("name", Kind.STR),  # the registered model's name, as in MLflow
    "model_name": ("name", Kind.STR),
    "version_number": ("number", Kind.INT),
    "number": ("number", Kind.INT),
    "version": ("number", Kind.INT),
    "display_name": ("display_name", Kind.STR),
    "run_id": ("run_id", Kind.STR),
    "run_link": ("run_link", Kind.STR),
    "source": ("source", Kind.STR),
    "source_path": ("source", Kind.STR),
    "status": ("status", Kind.STR),
    "created_by": ("created_by", Kind.STR),
    "user_id": ("created_by", Kind.STR),
    "description": ("description", Kind.STR),
    "creation_timestamp": ("created_ms", Kind.TIME_MS),
    "last_updated_timestamp": ("updated_ms", Kind.TIME_MS),
    "created": ("created", Kind.TIME_ISO),
    "updated": ("updated", Kind.TIME_ISO),
    "workspace": ("workspace", Kind.STR),
    "stage": ("stage", Kind.STR),
    "current_stage": ("stage", Kind.STR),
    "alias": ("alias", Kind.STR),
}
MODEL_ATTRIBUTES: dict[str, tuple[str, Kind]] = {
    "name": ("name", Kind.STR),
    "description": ("description", Kind.STR),
    "created_by": ("created_by", Kind.STR),
    "user_id": ("created_by", Kind.STR),
    "creation_timestamp": ("created_ms", Kind.TIME_MS),
    "last_updated_timestamp": ("updated_ms", Kind.TIME_MS),
    "created": ("created", Kind.TIME_ISO),
    "updated": ("updated", Kind.TIME_ISO),
    "workspace": ("workspace", Kind.STR),
}
CARD_KEYS = ("license", "audience", "use_cases", "limitations", "trade_offs", "ethics")


@dataclass(frozen=True, slots=True)
class Schema:
    """What one search target offers: attributes and which key scopes."""

    attributes: dict[str, tuple[str, Kind]]
    scopes: frozenset[str]


VERSION_SCHEMA = Schema(
    VERSION_ATTRIBUTES, frozenset({"tags", "metrics", "params", "card", "config", "lineage"})
)
# lineage.<key>: singular and plural spellings of the link kinds (domain.LINK_KINDS; this
# layer sits below the domain, and a test keeps the two in step), and the scalar links.
LINEAGE_LINKS = (
    "datasets",
    "model_artifacts",
    "data_artifacts",
    "deployment_artifacts",
    "pipeline_runs",
)
LINEAGE_KEYS = {
    **{k: k for k in LINEAGE_LINKS},
    **{k[:-1]: k for k in LINEAGE_LINKS},
    "promoted_from": "promoted_from",
    "logged_model_id": "logged_model_id",
    "experiment_id": "experiment_id",
}
MODEL_SCHEMA = Schema(MODEL_ATTRIBUTES, frozenset({"tags", "card"}))

_SCOPE_KIND = {
    "tags": Kind.STR,
    "params": Kind.STR,
    "metrics": Kind.FLOAT,
    "card": Kind.STR,
    "config": Kind.JSON,
    "lineage": Kind.STR,
}
_ORDERING = {"=", "!=", "<", "<=", ">", ">="}


def resolve(field: Field, schema: Schema) -> Resolved:
    if field.scope == "":
        name = field.path[0]
        found = schema.attributes.get(name.lower())
        if found is None:
            allowed = ", ".join(sorted(schema.attributes))
            raise InvalidArgument(
                f"unknown field {name[:60]!r}; attributes: {allowed}; or a key under "
                f"{', '.join(sorted(schema.scopes))}",
                {"field": "filter"},
            )
        return Resolved("", found[0], (found[0],), found[1])
    if field.scope not in schema.scopes:
        raise InvalidArgument(
            f"'{field.scope}.' fields cannot be searched here", {"field": "filter"}
        )
    if field.scope == "card" and field.path[0] not in CARD_KEYS:
        raise InvalidArgument(
            f"unknown card field {field.path[0][:60]!r}; use one of {', '.join(CARD_KEYS)}",
            {"field": "filter"},
        )
    if any(not p for p in field.path):
        raise InvalidArgument("empty key in filter", {"field": "filter"})
    if field.scope == "lineage":
        key = LINEAGE_KEYS.get(field.path[0])
        if key is None:
            raise InvalidArgument(
                f"unknown lineage field {field.path[0][:60]!r}; use one of "
                f"{', '.join(sorted(LINEAGE_KEYS))}",
                {"field": "filter"},
            )
        return Resolved("lineage", key, (key,), Kind.STR)
    return Resolved(field.scope, field.path[0], field.path, _SCOPE_KIND[field.scope])


def _bad(res: Resolved, why: str) -> InvalidArgument:
    label = f"{res.scope}.{res.name}" if res.scope else res.name
    return InvalidArgument(f"{label} ({res.kind.value}): {why}", {"field": "filter"})


def parse_time(value: str) -> datetime:
    """An ISO-8601 time or date; no offset means UTC."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidArgument(
            f"{value[:40]!r} is not an ISO-8601 time", {"field": "filter"}
        ) from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed


def coerce(res: Resolved, op: str, value: Value) -> Value | datetime:
    """Check one operand against the field's type; returns the value to bind."""
    kind = res.kind
    if op in ("LIKE", "ILIKE"):
        if kind not in (Kind.STR, Kind.JSON) or not isinstance(value, str):
            raise _bad(res, f"{op} needs a string field and a quoted pattern")
        return value
    if kind is Kind.STR:
        if not isinstance(value, str):
            raise _bad(res, f"compare with a quoted string, not {value!r}")
        return value
    if kind in (Kind.INT, Kind.TIME_MS):
        if isinstance(value, str) and re.fullmatch(r"-?[0-9]{1,19}", value):
            value = int(value)  # MLflow clients quote version numbers
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if not isinstance(value, int):
            raise _bad(res, f"compare with an integer, not {value!r}")
        if not INT64_MIN <= value <= INT64_MAX:
            raise _bad(res, f"{str(value)[:30]} is out of the 64-bit range")
        return value
    if kind is Kind.FLOAT:
        if isinstance(value, str):
            raise _bad(res, f"compare with a number, not {value!r}")
        return float(value)
    if kind is Kind.TIME_ISO:
        if not isinstance(value, str):
            raise _bad(res, "compare with a quoted ISO-8601 time")
        return parse_time(value)
    return value  # JSON: strings compare as text, numbers numerically


def check(node: Node, schema: Schema) -> None:
    """Raise InvalidArgument unless every condition is well-typed for ``schema``."""
    stack: list[Node] = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, And | Or):
            stack.extend(n.items)
        elif isinstance(n, Not):
            stack.append(n.item)
        elif isinstance(n, Compare):
            res = resolve(n.field, schema)
            if n.op not in _ORDERING and n.op not in ("LIKE", "ILIKE"):
                raise _bad(res, f"unknown operator {n.op}")
            coerce(res, n.op, n.value)
        elif isinstance(n, In):
            res = resolve(n.field, schema)
            for v in n.values:
                coerce(res, "=", v)
        elif isinstance(n, IsNull):
            resolve(n.field, schema)


ORDERABLE = {"name", "number", "created", "updated", "created_ms", "updated_ms", "stage"}


def parse_order(term: str, schema: Schema) -> tuple[Resolved, bool]:
    """``"metrics.auc DESC"`` -> (field, descending). Direction defaults to ASC."""
    from modelreg.query.filter import parse_field

    words = term.strip().rsplit(None, 1)
    descending = False
    if len(words) == 2 and words[1].upper() in ("ASC", "DESC"):
        descending = words[1].upper() == "DESC"
        term = words[0]
    try:
        res = resolve(parse_field(term), schema)
    except InvalidArgument as err:  # point at order_by, not at the filter
        raise InvalidArgument(
            f"order_by {term.strip()[:60]!r}: {err.message}", {**err.details, "field": "order_by"}
        ) from None
    if not (res.scope == "metrics" or (res.scope == "" and res.name in ORDERABLE)):
        raise InvalidArgument(
            f"cannot order by {term.strip()[:60]!r}; use name, version_number, "
            "creation_timestamp, last_updated_timestamp or metrics.<key>",
            {"field": "order_by"},
        )
    return res, descending
