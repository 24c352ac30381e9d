"""Compiles checked filter ASTs to SQLAlchemy expressions, with bound parameters only."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar
from uuid import UUID

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
    aliases,
    latest_metrics,
    model_tags,
    models,
    version_links,
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


# Comparisons a latest_metrics index range can filter on (its value is in the index).
_DRIVING_OPS = frozenset({"=", "!=", "<", "<=", ">", ">="})


@dataclass(frozen=True, slots=True)
class MetricDriver:
    """A filter split for a search driven by ``latest_metrics``: its top-level
    ``metrics.<key> <op> x`` as a condition on that table's value, and the rest (or None)."""

    key: str
    condition: ColumnElement[bool]
    rest: Node | None


def metric_driver(node: Node | None) -> MetricDriver | None:
    """The first ``metrics.k <op> number`` that ``node`` requires (itself, or a conjunct of
    its top-level AND), split off; None when there is none. Equivalent because a version
    lacking the metric has no latest_metrics row and matches no comparison on it."""
    items = node.items if isinstance(node, And) else (node,) if node is not None else ()
    for i, item in enumerate(items):
        if not isinstance(item, Compare) or item.op not in _DRIVING_OPS:
            continue
        res = resolve_field(item.field, VERSION_SCHEMA)
        if res.scope != "metrics":
            continue
        value = coerce(res, item.op, item.value)
        others = items[:i] + items[i + 1 :]
        rest = None if not others else others[0] if len(others) == 1 else And(others)
        return MetricDriver(res.name, _op(latest_metrics.c.value, item.op, value), rest)
    return None


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


@dataclass(frozen=True, slots=True)
class _Relation:
    """A one-to-many child holding a field: owner key, value column, and the condition
    that selects the field's rows (e.g. ``key = 'env'``)."""

    fk: ColumnElement[Any]
    value: ColumnElement[Any]
    where: tuple[ColumnElement[bool], ...]


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
    def relation(self, res: Resolved) -> _Relation | None:
        """The child table a field lives in (tags, params; for versions also aliases and
        lineage links), or None for a plain column."""
        if res.scope in self.kv:
            table = self.kv[res.scope]
            fk = next(iter(table.foreign_keys)).parent
            return _Relation(fk, table.c.value, (table.c.key == res.name,))
        return None

    def rel_exists(
        self, rel: _Relation, cond: Callable[[ColumnElement[Any]], Any] | None
    ) -> ColumnElement[bool]:
        where = [rel.fk == self.owner, *rel.where]
        if cond is not None:
            where.append(cond(rel.value))
        return exists(select(1).where(*where))

    def rel_in(self, rel: _Relation, value: Any) -> ColumnElement[bool]:
        """``owner IN (owners having value)``: the same rows as rel_exists, in the form a
        planner can start from (the value index), then sort what it finds."""
        return self.owner.in_(select(rel.fk).where(*rel.where, rel.value == value))

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
        rel = self.relation(res)
        if rel is not None:
            if op == "=" and self.starts_from_value(res, value):
                return self.rel_in(rel, value)
            return self.rel_exists(rel, lambda col: _op(col, op, value))
        return _op(self.scalar(res, value), op, value)

    def starts_from_value(self, res: Resolved, value: Any) -> bool:
        """Whether ``field = value`` should drive the query from the value's index."""
        if res.scope in self.kv:
            return self.is_rare is not None and self.is_rare(self.kv[res.scope], res.name, value)
        return True  # aliases and lineage targets are selective by nature

    def present(self, res: Resolved) -> ColumnElement[bool]:
        rel = self.relation(res)
        if rel is not None:
            return self.rel_exists(rel, None)
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

    def _check_cost(self, node: Node) -> int:
        """Rough cost of checking ``node`` on one candidate row: a column of the row, then a
        metric (one covering-index probe), then tags, params, aliases and links (an index
        probe and a table row), then nested conditions."""
        if isinstance(node, Not):
            return self._check_cost(node.item)
        if not isinstance(node, Compare | In | IsNull):
            return 3
        res = resolve_field(node.field, self.schema)
        if res.scope == "metrics":
            return 1
        if self.relation(res) is not None or res.scope not in ("", "card", "config"):
            return 2
        return 0

    def compile(self, node: Node, negate: bool = False) -> ColumnElement[bool]:
        """``node`` (or NOT ``node``) as a condition. NOT is pushed down to the conditions
        (De Morgan) so that, as SQL's three-valued logic gives for NULL columns and metrics,
        a row lacking a tag or param matches no comparison on it, negated or not: only
        ``IS NULL`` finds it."""
        if isinstance(node, And | Or):
            if isinstance(node, And) != negate:
                # SQLite checks conjuncts in the order written: the cheap ones first.
                ordered = sorted(node.items, key=self._check_cost)
                return and_(true(), *(self.compile(i, negate) for i in ordered))
            return or_(false(), *(self.compile(i, negate) for i in node.items))
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
        if self.relation(res) is not None:
            return and_(self.present(res), not_(cond))
        return not_(cond)  # a missing value is NULL: NOT (NULL op x) matches nothing


def _op(col: ColumnElement[Any], op: str, value: Any) -> ColumnElement[bool]:
    if op == "LIKE":
        return col.like(value, escape="\\")
    if op == "ILIKE":
        return col.ilike(value, escape="\\")
    # Bound with the column's type, so values get the column's processing (UTC datetimes,
    # UUIDs as stored on SQLite).
    bound = literal(value, type_=col.type)
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
        "stage": versions.c.stage,
    }
    kv: ClassVar[dict[str, Table]] = {"tags": version_tags, "params": version_params}
    lineage_columns: ClassVar[dict[str, ColumnElement[Any]]] = {
        "promoted_from": versions.c.promoted_from,
        "logged_model_id": versions.c.logged_model_id,
        "experiment_id": versions.c.experiment_id,
    }

    def relation(self, res: Resolved) -> _Relation | None:
        if res.scope == "" and res.name == "alias":
            return _Relation(aliases.c.version_id, aliases.c.alias, ())
        if res.scope == "lineage" and res.name not in self.lineage_columns:
            links = version_links.c
            return _Relation(links.version_id, links.target, (links.kind == res.name,))
        return super().relation(res)

    def scalar(self, res: Resolved, sample: Any) -> ColumnElement[Any]:
        if res.scope == "lineage":
            return self.lineage_columns[res.name]
        return super().scalar(res, sample)

    def compare(self, res: Resolved, op: str, value: Any) -> ColumnElement[bool]:
        if res.scope == "lineage" and res.name == "promoted_from":
            if op not in ("=", "!="):
                raise InvalidArgument(
                    "lineage.promoted_from takes = or != with a version id", {"field": "filter"}
                )
            try:
                value = UUID(value)
            except ValueError:
                raise InvalidArgument(
                    f"lineage.promoted_from: {value[:60]!r} is not a version id",
                    {"field": "filter"},
                ) from None
        return super().compare(res, op, value)

    # model_name is byte-collated on PostgreSQL, where ILIKE would then fold ASCII only;
    # the model's own name folds as the database's locale does.
    ilike_attributes: ClassVar[dict[str, ColumnElement[Any]]] = {"name": models.c.name}

    def order_column(self, res: Resolved) -> ColumnElement[Any]:
        if res.scope == "metrics":
            return func.coalesce(self.metric(res.name), _LOWEST)
        if res.name == "transition":
            # MLflow's first tiebreak: the latest stage transition (creation if never moved).
            return func.coalesce(versions.c.last_transition_at, versions.c.created_at)
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
