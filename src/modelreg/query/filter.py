"""The one filter language: tokenize, parse into an AST, print back.

A strict superset of MLflow's search syntax::

    tags.team = 'risk' AND metrics.auc > 0.91
    name ILIKE 'fraud%' OR (version_number IN (1, 2) AND NOT status = 'READY')
    tags.`my key` IS NOT NULL

Parsing is pure and total: any input either yields an AST or raises FilterSyntaxError
with a 1-based column. Typing against the searchable fields happens in ``check`` (see
``query.fields``), and SQL is only ever built from the AST with bound parameters.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import TypeAlias

from modelreg.errors import InvalidArgument

MAX_FILTER_LENGTH = 20_000
MAX_DEPTH = 64
MAX_IN_VALUES = 1_000
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


class FilterSyntaxError(InvalidArgument):
    """The filter string is not in the language (INVALID_ARGUMENT, with the column)."""

    def __init__(self, message: str, column: int, expected: str | None = None) -> None:
        text = f"{message} at column {column}" + (f", expected {expected}" if expected else "")
        super().__init__(text, {"field": "filter", "column": column})
        self.column = column


Value: TypeAlias = str | int | float


@dataclass(frozen=True, slots=True)
class Field:
    """``scope`` is '' for attributes, else tags/metrics/params/card/config/lineage;
    ``path`` is the attribute name or the key (several parts for config paths)."""

    scope: str
    path: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Compare:
    field: Field
    op: str  # = != < <= > >= LIKE ILIKE
    value: Value


@dataclass(frozen=True, slots=True)
class In:
    field: Field
    values: tuple[Value, ...]
    negated: bool = False


@dataclass(frozen=True, slots=True)
class IsNull:
    field: Field
    negated: bool = False


@dataclass(frozen=True, slots=True)
class And:
    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or:
    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Not:
    item: Node


Node: TypeAlias = Compare | In | IsNull | And | Or | Not

# Scope prefixes and their aliases (MLflow accepts both singular and plural).
SCOPES = {
    "tag": "tags",
    "tags": "tags",
    "metric": "metrics",
    "metrics": "metrics",
    "param": "params",
    "params": "params",
    "card": "card",
    "config": "config",
    "lineage": "lineage",
    "attribute": "",
    "attributes": "",
}
KEYWORDS = {"AND", "OR", "NOT", "LIKE", "ILIKE", "IN", "IS", "NULL"}
COMPARATORS = {
    "=": "=",
    "==": "=",
    "!=": "!=",
    "<>": "!=",
    "<": "<",
    "<=": "<=",
    ">": ">",
    ">=": ">=",
}

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<num>-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op><=|>=|!=|<>|==|=|<|>)
  | (?P<punct>[(),.])
  | (?P<quote>['"`])
    """,
    re.VERBOSE,
)


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # num, ident, kw, op, punct, str, bquote, end
    text: str
    value: Value
    col: int


def _read_quoted(src: str, start: int) -> tuple[str, int]:
    """Read a quoted run starting at ``src[start]``; backslash escapes and doubled quotes."""
    quote = src[start]
    out: list[str] = []
    i = start + 1
    while i < len(src):
        ch = src[i]
        if ch == "\\" and i + 1 < len(src):
            nxt = src[i + 1]
            out.append({"n": "\n", "t": "\t", "r": "\r"}.get(nxt, nxt))
            i += 2
        elif ch == quote:
            if i + 1 < len(src) and src[i + 1] == quote:
                out.append(quote)
                i += 2
            else:
                return "".join(out), i + 1
        else:
            out.append(ch)
            i += 1
    raise FilterSyntaxError(f"unterminated {quote} string", start + 1)


def _number(text: str, col: int) -> int | float:
    if re.fullmatch(r"-?\d+", text):
        # Checked before int(), which refuses literals of more than 4,300 digits (leading
        # zeros count too, so they go before the conversion).
        digits = text.lstrip("-").lstrip("0") or "0"
        sign = -1 if text.startswith("-") else 1
        n = sign * int(digits) if len(digits) <= 19 else INT64_MAX + 1
        if not INT64_MIN <= n <= INT64_MAX:
            raise FilterSyntaxError(f"integer {text[:30]} is out of the 64-bit range", col)
        return n
    f = float(text)
    if not math.isfinite(f):
        raise FilterSyntaxError(f"number {text[:30]} is out of range", col)
    return f


def tokenize(src: str) -> list[Token]:
    """Split a filter into tokens; raises FilterSyntaxError on anything else."""
    if len(src) > MAX_FILTER_LENGTH:
        raise FilterSyntaxError(f"filter longer than {MAX_FILTER_LENGTH} characters", 1)
    if "\x00" in src:
        raise FilterSyntaxError("NUL character in filter", src.index("\x00") + 1)
    tokens: list[Token] = []
    i = 0
    while i < len(src):
        m = _TOKEN.match(src, i)
        if m is None:
            raise FilterSyntaxError(f"unexpected character {src[i]!r}", i + 1)
        kind = m.lastgroup or ""
        text = m.group()
        col = i + 1
        if kind == "quote":
            value, i = _read_quoted(src, i)
            tokens.append(Token("bquote" if text == "`" else "str", src[col - 1 : i], value, col))
            continue
        i = m.end()
        if kind == "ws":
            continue
        if kind == "num":
            prev = tokens[-1] if tokens else None
            if (
                text.startswith(".")
                and prev is not None
                and prev.kind in ("ident", "kw", "bquote")
                and prev.col + len(prev.text) == col
            ):
                # "tags.v.1" is a key path: the dot right after a name is not part of ".1".
                tokens.append(Token("punct", ".", ".", col))
                i = col
                continue
            # "metrics.auc>-1" lexes fine; but "a-1" must not glue "-1" onto an identifier.
            tokens.append(Token("num", text, _number(text, col), col))
        elif kind == "ident" and text.upper() in KEYWORDS:
            tokens.append(Token("kw", text, text.upper(), col))
        else:
            tokens.append(Token(kind, text, text, col))
    tokens.append(Token("end", "", "", len(src) + 1))
    return tokens


def _describe(tok: Token) -> str:
    return "end of filter" if tok.kind == "end" else repr(tok.text[:40])


class _Parser:
    def __init__(self, src: str) -> None:
        self.tokens = tokenize(src)
        self.pos = 0
        self.depth = 0

    @property
    def tok(self) -> Token:
        return self.tokens[self.pos]

    def advance(self) -> Token:
        tok = self.tokens[self.pos]
        self.pos += 1
        return tok

    def fail(self, expected: str) -> FilterSyntaxError:
        return FilterSyntaxError(f"unexpected token {_describe(self.tok)}", self.tok.col, expected)

    def is_kw(self, *words: str) -> bool:
        return self.tok.kind == "kw" and self.tok.value in words

    def parse(self) -> Node:
        if self.tok.kind == "end":
            raise self.fail("a condition")
        node = self.or_expr()
        if self.tok.kind != "end":
            raise self.fail("AND, OR or end of filter")
        return node

    def nest(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise FilterSyntaxError(f"filter nested deeper than {MAX_DEPTH} levels", self.tok.col)

    def or_expr(self) -> Node:
        items = [self.and_expr()]
        while self.is_kw("OR"):
            self.advance()
            items.append(self.and_expr())
        return items[0] if len(items) == 1 else Or(tuple(items))

    def and_expr(self) -> Node:
        items = [self.not_expr()]
        while self.is_kw("AND"):
            self.advance()
            items.append(self.not_expr())
        return items[0] if len(items) == 1 else And(tuple(items))

    def not_expr(self) -> Node:
        if self.is_kw("NOT"):
            self.advance()
            self.nest()
            node: Node = Not(self.not_expr())
            self.depth -= 1
            return node
        return self.primary()

    def primary(self) -> Node:
        if self.tok.kind == "punct" and self.tok.text == "(":
            self.advance()
            self.nest()
            node = self.or_expr()
            self.depth -= 1
            if not (self.tok.kind == "punct" and self.tok.text == ")"):
                raise self.fail("')'")
            self.advance()
            return node
        return self.condition()

    def field(self) -> Field:
        tok = self.tok
        if tok.kind == "bquote":
            self.advance()
            return Field("", (str(tok.value),))
        if tok.kind != "ident":
            raise self.fail("a field name")
        self.advance()
        name = tok.text
        scope = SCOPES.get(name.lower())
        if scope is None or not (self.tok.kind == "punct" and self.tok.text == "."):
            return Field("", (name,))
        parts: list[str] = []
        while self.tok.kind == "punct" and self.tok.text == ".":
            self.advance()
            part = self.tok
            if part.kind == "num":
                parts.extend(part.text.split("."))  # "config.v.1.5": the parts "1" and "5"
            elif part.kind in ("ident", "kw"):
                parts.append(part.text)
            elif part.kind in ("bquote", "str"):
                parts.append(str(part.value))
            else:
                raise self.fail(f"a key after '{name}.'")
            self.advance()
        if scope == "":
            if len(parts) != 1:
                raise FilterSyntaxError("attribute names have no dots", tok.col)
            return Field("", (parts[0],))
        if scope != "config":
            # Keys with dots: "tags.a.b" means the key "a.b", as in MLflow.
            parts = [".".join(parts)]
        return Field(scope, tuple(parts))

    def value(self) -> Value:
        tok = self.tok
        if tok.kind in ("str", "num"):
            self.advance()
            return tok.value
        raise self.fail("a string or a number")

    def condition(self) -> Node:
        field = self.field()
        tok = self.tok
        if tok.kind == "op":
            self.advance()
            return Compare(field, COMPARATORS[tok.text], self.value())
        if self.is_kw("LIKE", "ILIKE"):
            self.advance()
            return Compare(field, str(tok.value), self.value())
        if self.is_kw("IS"):
            self.advance()
            negated = False
            if self.is_kw("NOT"):
                self.advance()
                negated = True
            if not self.is_kw("NULL"):
                raise self.fail("NULL")
            self.advance()
            return IsNull(field, negated)
        negated = False
        if self.is_kw("NOT"):
            self.advance()
            negated = True
            if not self.is_kw("IN", "LIKE", "ILIKE"):
                raise self.fail("IN, LIKE or ILIKE")
            if not self.is_kw("IN"):
                op = str(self.advance().value)
                return Not(Compare(field, op, self.value()))
        if self.is_kw("IN"):
            self.advance()
            if not (self.tok.kind == "punct" and self.tok.text == "("):
                raise self.fail("'('")
            self.advance()
            values = [self.value()]
            while self.tok.kind == "punct" and self.tok.text == ",":
                self.advance()
                values.append(self.value())
                if len(values) > MAX_IN_VALUES:
                    raise FilterSyntaxError(
                        f"more than {MAX_IN_VALUES} values in IN (...)", self.tok.col
                    )
            if not (self.tok.kind == "punct" and self.tok.text == ")"):
                raise self.fail("',' or ')'")
            self.advance()
            return In(field, tuple(values), negated)
        raise self.fail("a comparison operator, LIKE, ILIKE, IN or IS")


def parse(src: str) -> Node:
    """Parse a filter string into an AST (FilterSyntaxError on any bad input)."""
    return _Parser(src).parse()


def _quote(s: str, q: str = "'") -> str:
    return q + s.replace("\\", "\\\\").replace(q, "\\" + q) + q


def _render_value(v: Value) -> str:
    if isinstance(v, str):
        return _quote(v)
    return repr(v)


def _render_field(f: Field) -> str:
    if f.scope == "":
        name = f.path[0]
        return (
            name
            if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name)
            and name.upper() not in KEYWORDS
            and name.lower() not in SCOPES
            else _quote(name, "`")
        )
    if f.scope != "config":
        return f"{f.scope}.{_quote(f.path[0], '`')}"
    return f.scope + "".join("." + _quote(p, "`") for p in f.path)


def render(node: Node) -> str:
    """Print an AST as a filter string that parses back to the same AST."""
    if isinstance(node, Compare):
        return f"{_render_field(node.field)} {node.op} {_render_value(node.value)}"
    if isinstance(node, In):
        values = ", ".join(_render_value(v) for v in node.values)
        return f"{_render_field(node.field)} {'NOT IN' if node.negated else 'IN'} ({values})"
    if isinstance(node, IsNull):
        return f"{_render_field(node.field)} IS {'NOT NULL' if node.negated else 'NULL'}"
    if isinstance(node, And):
        return " AND ".join(f"({render(i)})" for i in node.items)
    if isinstance(node, Or):
        return " OR ".join(f"({render(i)})" for i in node.items)
    return f"NOT ({render(node.item)})"


def parse_field(src: str) -> Field:
    """Parse a lone field reference (``metrics.auc``, ``tags.`my key```), e.g. in order_by."""
    parser = _Parser(src)
    field = parser.field()
    if parser.tok.kind != "end":
        raise parser.fail("end of field name")
    return field
