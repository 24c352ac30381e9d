"""Compiles checked filter ASTs to SQLAlchemy expressions, with bound parameters only."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from sqlalchemy import (
    ColumnElement,
    Float,
    String,
    Table,
    and_,
    case,
    cast,
    exists,
    false,
    func,
    literal,
    not_,
    or_,
    select,
    true,
)

from modelreg.errors import InvalidArgument
from modelreg.query.fields import MODEL_SCHEMA, VERSION_SCHEMA, Kind, Resolved, Schema, coerce
from modelreg.query.fields import resolve as resolve_field
from modelreg.query.filter import And, Compare, In, IsNull, Node, Not, Or
from modelreg.store.schema import (
    model_tags,
    models,
    version_metrics,
    version_params,
    version_tags,
    versions,
    workspaces,
)

# Says whether few rows of a key/value table have ``key = value`` (see _Target.is_rare).
RareProbe = Callable[[Table, str, str], bool]

# A missing metric sorts as the lowest possible value (NULLs cannot take part in keysets).
_LOWEST = -1.7976931348623157e308


@dataclass(frozen=True, slots=True)
class OrderTerm:
    """One checked ORDER BY term."""

    field: Resolved
    descending: bool


def _ms_to_time(ms: int) -> datetime:
    try:
        return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=ms)
    except OverflowError:
        raise InvalidArgument(f"timestamp {ms} is out of range", {"field": "filter"}) from None


class _Target:
    """How one search target (versions or models) maps fields to SQL.

    ``is_rare``, when given, is asked about each ``tags.k = 'v'`` (``params.``): a rare pair
    compiles to ``owner IN (...)``, which lets the planner start from the value index, a
    common one to a correlated EXISTS checked while walking the order's index. SQLite needs
    this told (without STAT4 its statistics cannot tell 'champion' from 'prod');
    PostgreSQL's planner already decides from its own statistics.
    """

    schema: ClassVar[Schema]
    owner: ClassVar[ColumnElement[Any]]
    attributes: ClassVar[dict[str, ColumnElement[Any]]]
    kv: ClassVar[dict[str, Table]]
    # Attributes whose ILIKE must read another column (case folding needs the locale).
    ilike_attributes: ClassVar[dict[str, ColumnElement[Any]]] = {}

    def __init__(self, dialect: str, is_rare: RareProbe | None = None) -> None:
        self.dialect = dialect
        self.is_rare = is_rare

    # --- scalar expressions -------------------------------------------------------------
    def metric(self, key: str) -> ColumnElement[Any]:
        m = version_metrics.c
        return (
            select(m.value)
            .where(m.version_id == self.owner, m.key == key)
            .order_by(m.step.desc(), m.timestamp.desc())
            .limit(1)
            .scalar_subquery()
        )

    def json_value(self, path: Sequence[str], numeric: bool) -> ColumnElement[Any]:
        """A config value as float (numbers only) or text (strings only), else NULL, so a
        type mismatch is "no match", never a database cast error."""
        col = versions.c.config
        if self.dialect == "postgresql":
            node = col[tuple(path)]
            kind = func.jsonb_typeof(node)
            text = col[tuple(path)].as_string()
            wanted = "number" if numeric else "string"
            return case((kind == wanted, cast(text, Float) if numeric else text), else_=None)
        if any('"' in p for p in path):
            raise InvalidArgument("config keys cannot contain '\"'", {"field": "filter"})
        jpath = "$" + "".join(f'."{p}"' for p in path)
        kind = func.json_type(col, jpath)
        kinds = ("integer", "real") if numeric else ("text",)
        value = func.json_extract(col, jpath)
        return case((kind.in_(kinds), cast(value, Float if numeric else String)), else_=None)

    def scalar(self, res: Resolved, sample: Any) -> ColumnElement[Any]:
        if res.scope == "":
            return self.attributes[res.name]
        if res.scope == "metrics":
            return self.metric(res.name)
        if res.scope == "card":
            return models.c[f"card_{res.name}"]
        if res.scope == "config":
            return self.json_value(res.path, not isinstance(sample, str))
        raise AssertionError(res.scope)

    # --- conditions ---------------------------------------------------------------------
    def kv_exists(
        self, res: Resolved, cond: Callable[[ColumnElement[Any]], Any] | None
    ) -> ColumnElement[bool]:
        table = self.kv[res.scope]
        fk = next(iter(table.foreign_keys)).parent
        where = [fk == self.owner, table.c.key == res.name]
        if cond is not None:
            where.append(cond(table.c.value))
        return exists(select(1).where(*where))

    def kv_in(self, res: Resolved, value: str) -> ColumnElement[bool]:
        """``owner IN (owners having key = value)``: the same rows as kv_exists, in the form
        a planner can start from (the value index), then sort what it finds."""
        table = self.kv[res.scope]
        fk = next(iter(table.foreign_keys)).parent
        return self.owner.in_(select(fk).where(table.c.key == res.name, table.c.value == value))

    def time_compare(self, col: ColumnElement[Any], op: str, ms: int) -> ColumnElement[bool]:
        start, end = _ms_to_time(ms), _ms_to_time(ms + 1)
        cond: ColumnElement[bool] = {
            "=": and_(col >= start, col < end),
            "!=": or_(col < start, col >= end),
            "<": col < start,
            "<=": col < end,
            ">": col >= end,
            ">=": col >= start,
        }[op]
        return cond

    def compare(self, res: Resolved, op: str, value: Any) -> ColumnElement[bool]:
        if op == "ILIKE" and res.scope == "" and res.name in self.ilike_attributes:
            return _op(self.ilike_attributes[res.name], op, value)
        if res.kind is Kind.TIME_MS:
            return self.time_compare(self.attributes[res.name], op, value)
        if res.scope in self.kv:
            table = self.kv[res.scope]
            if op == "=" and self.is_rare is not None and self.is_rare(table, res.name, value):
                return self.kv_in(res, value)
            return self.kv_exists(res, lambda col: _op(col, op, value))
        return _op(self.scalar(res, value), op, value)

    def present(self, res: Resolved) -> ColumnElement[bool]:
        if res.scope in self.kv:
            return self.kv_exists(res, None)
        if res.scope == "metrics":
            m = version_metrics.c
            return exists(select(1).where(m.version_id == self.owner, m.key == res.name))
        if res.scope == "config":
            return self.json_present(res.path)
        col = self.attributes.get(res.name) if res.scope == "" else self.scalar(res, "")
        assert col is not None
        return col.is_not(None)

    def json_present(self, path: Sequence[str]) -> ColumnElement[bool]:
        col = versions.c.config
        if self.dialect == "postgresql":
            return func.jsonb_typeof(col[tuple(path)]).is_not(None)
        jpath = "$" + "".join(f'."{p}"' for p in path)
        return func.json_type(col, jpath).is_not(None)

    def compile(self, node: Node, negate: bool = False) -> ColumnElement[bool]:
        """``node`` (or NOT ``node``) as a condition. NOT is pushed down to the conditions
        (De Morgan) so that, as SQL's three-valued logic gives for NULL columns and metrics,
        a row lacking a tag or param matches no comparison on it, negated or not: only
        ``IS NULL`` finds it."""
        if isinstance(node, And | Or):
            items = [self.compile(i, negate) for i in node.items]
            if isinstance(node, And) != negate:
                return and_(true(), *items)
            return or_(false(), *items)
        if isinstance(node, Not):
            return self.compile(node.item, not negate)
        res = resolve_field(node.field, self.schema)
        if isinstance(node, IsNull):
            found = self.present(res)
            return found if node.negated != negate else not_(found)
        if isinstance(node, In):
            values = [coerce(res, "=", v) for v in node.values]
            either = or_(false(), *(self.compare(res, "=", v) for v in values))
            if node.negated != negate:
                # A row lacking the key matches neither IN nor NOT IN.
                return and_(self.present(res), not_(either))
            return either
        assert isinstance(node, Compare)
        cond = self.compare(res, node.op, coerce(res, node.op, node.value))
        if not negate:
            return cond
        if res.scope in self.kv:
            return and_(self.present(res), not_(cond))
        return not_(cond)  # a missing value is NULL: NOT (NULL op x) matches nothing


def _op(col: ColumnElement[Any], op: str, value: Any) -> ColumnElement[bool]:
    if op == "LIKE":
        return col.like(value, escape="\\")
    if op == "ILIKE":
        return col.ilike(value, escape="\\")
    bound = literal(value)
    return {
        "=": col == bound,
        "!=": col != bound,
        "<": col < bound,
        "<=": col <= bound,
        ">": col > bound,
        ">=": col >= bound,
    }[op]


class VersionTarget(_Target):
    schema = VERSION_SCHEMA
    owner = versions.c.id
    attributes: ClassVar[dict[str, ColumnElement[Any]]] = {
        # The version's copy of its model's name: the search index's leading column, so
        # name =, IN, LIKE 'prefix%' and the default order are index ranges.
        "name": versions.c.model_name,
        "number": versions.c.number,
        "display_name": versions.c.name,
        "run_id": versions.c.run_id,
        "run_link": versions.c.run_link,
        "source": versions.c.source,
        "status": versions.c.status,
        "created_by": versions.c.created_by,
        "description": versions.c.description,
        "created_ms": versions.c.created_at,
        "updated_ms": versions.c.updated_at,
        "created": versions.c.created_at,
        "updated": versions.c.updated_at,
        "workspace": workspaces.c.name,
    }
    kv: ClassVar[dict[str, Table]] = {"tags": version_tags, "params": version_params}
    # model_name is byte-collated on PostgreSQL, where ILIKE would then fold ASCII only;
    # the model's own name folds as the database's locale does.
    ilike_attributes: ClassVar[dict[str, ColumnElement[Any]]] = {"name": models.c.name}

    def order_column(self, res: Resolved) -> ColumnElement[Any]:
        if res.scope == "metrics":
            return func.coalesce(self.metric(res.name), _LOWEST)
        return self.attributes[res.name]


class ModelTarget(_Target):
    schema = MODEL_SCHEMA
    owner = models.c.id
    attributes: ClassVar[dict[str, ColumnElement[Any]]] = {
        "name": models.c.name,
        "description": models.c.description,
        "created_by": models.c.created_by,
        "created_ms": models.c.created_at,
        "updated_ms": models.c.updated_at,
        "created": models.c.created_at,
        "updated": models.c.updated_at,
        "workspace": workspaces.c.name,
    }
    kv: ClassVar[dict[str, Table]] = {"tags": model_tags}

    def order_column(self, res: Resolved) -> ColumnElement[Any]:
        return self.attributes[res.name]
