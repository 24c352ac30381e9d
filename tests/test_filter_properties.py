"""Property tests of the filter language: printing any AST parses back to it, and no input
makes the parser or the checker raise anything but their one error type."""

from __future__ import annotations

from contextlib import suppress
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from modelreg.errors import InvalidArgument
from modelreg.query.fields import (
    MODEL_SCHEMA,
    VERSION_SCHEMA,
    check,
    coerce,
    parse_order,
    resolve,
)
from modelreg.query.filter import (
    INT64_MAX,
    INT64_MIN,
    KEYWORDS,
    And,
    Compare,
    Field,
    FilterSyntaxError,
    In,
    IsNull,
    Node,
    Not,
    Or,
    Value,
    parse,
    render,
)

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Keys: anything but NUL, biased towards the characters quoting has to get right.
_TRICKY = st.sampled_from(
    [
        " ",
        ".",
        "'",
        '"',
        "`",
        "\\",
        "\\\\",
        "''",
        "%",
        "_",
        "\n",
        "\t",
        "é",
        "日",
        "☃",
        "\U0001f600",
    ]
)
_CHARS = st.characters(exclude_characters="\x00", exclude_categories=["Cs"])
KEYS = st.one_of(
    st.text(_CHARS, max_size=12),
    st.lists(st.one_of(_TRICKY, st.text(_CHARS, min_size=1, max_size=3)), max_size=6).map("".join),
    st.sampled_from(["env", "a.b", "my key", "AND", "tags", "1", "x.1", "NULL"]),
)
ATTRIBUTES = st.one_of(
    st.sampled_from(
        ["name", "version_number", "run_id", "status", "NAME", "tags", "attribute", "and", "is"]
    ),
    st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,10}", fullmatch=True),
    KEYS,
)
FIELDS = st.one_of(
    ATTRIBUTES.map(lambda n: Field("", (n,))),
    st.builds(
        lambda scope, key: Field(scope, (key,)),
        st.sampled_from(["tags", "metrics", "params", "card", "lineage"]),
        KEYS,
    ),
    st.lists(KEYS, min_size=1, max_size=4).map(lambda p: Field("config", tuple(p))),
)
VALUES: st.SearchStrategy[Value] = st.one_of(
    st.text(_CHARS, max_size=20),
    st.lists(_TRICKY, max_size=5).map("".join),
    st.integers(INT64_MIN, INT64_MAX),
    st.integers(-1000, 1000),
    st.floats(allow_nan=False, allow_infinity=False),
)
LEAVES: st.SearchStrategy[Node] = st.one_of(
    st.builds(
        Compare,
        FIELDS,
        st.sampled_from(["=", "!=", "<", "<=", ">", ">=", "LIKE", "ILIKE"]),
        VALUES,
    ),
    st.builds(In, FIELDS, st.lists(VALUES, min_size=1, max_size=5).map(tuple), st.booleans()),
    st.builds(IsNull, FIELDS, st.booleans()),
)


def _extend(children: st.SearchStrategy[Node]) -> st.SearchStrategy[Node]:
    items = st.lists(children, min_size=2, max_size=4).map(tuple)
    return st.one_of(st.builds(And, items), st.builds(Or, items), st.builds(Not, children))


TREES: st.SearchStrategy[Node] = st.recursive(LEAVES, _extend, max_leaves=12)


def _typed(node: Any) -> Any:
    """The tree with each value's type spelt out (1 == 1.0 in dataclass equality)."""
    if isinstance(node, And | Or):
        return (type(node).__name__, tuple(_typed(i) for i in node.items))
    if isinstance(node, Not):
        return ("Not", _typed(node.item))
    if isinstance(node, Compare):
        return ("Compare", node.field, node.op, type(node.value).__name__, node.value)
    if isinstance(node, In):
        values = tuple((type(v).__name__, v) for v in node.values)
        return ("In", node.field, node.negated, values)
    return node


@SETTINGS
@given(TREES)
def test_render_then_parse_is_identity(tree: Node) -> None:
    text = render(tree)
    again = parse(text)
    assert again == tree
    assert _typed(again) == _typed(tree)
    assert render(again) == text


@SETTINGS
@given(VALUES)
def test_any_value_round_trips_in_a_string_or_number(value: Value) -> None:
    tree = Compare(Field("tags", ("k",)), "=", value)
    assert _typed(parse(render(tree))) == _typed(tree)


# --- garbage in, one error type out ---------------------------------------------------------

_WORDS = st.sampled_from(
    [
        *KEYWORDS,
        *(k.lower() for k in KEYWORDS),
        "name",
        "version_number",
        "metrics.auc",
        "tags.`a b`",
        "tags.a.1",
        "config.a.b",
        "card.license",
        "card.nope",
        "created",
        "creation_timestamp",
        "attribute.name",
        "lineage.x",
        "=",
        "==",
        "!=",
        "<>",
        "<",
        "<=",
        ">",
        ">=",
        "(",
        ")",
        ",",
        ".",
        "'",
        '"',
        "`",
        "\\",
        "-",
        "'x'",
        "'3'",
        "'²'",
        "'2026-01-01'",
        "'it''s'",
        "1",
        "-1",
        "1.5",
        "1e999",
        "1e300",
        "9223372036854775808",
        "9" * 5000,
        "\x00",
        "",
    ]
)
TOKEN_SOUP = st.lists(
    st.one_of(
        _WORDS,
        st.integers().map(str),
        st.floats().map(repr),
        st.text(_CHARS, max_size=6).map(lambda s: "'" + s + "'"),
        st.text(max_size=4),
    ),
    max_size=25,
).flatmap(lambda parts: st.sampled_from([" ", "", "\t"]).map(lambda sep: sep.join(parts)))
GARBAGE = st.one_of(
    st.text(), st.text(st.sampled_from("()'\"`\\.=<>!, aNDoRIlikeNULL0123-e")), TOKEN_SOUP
)


def _parse_only(src: str) -> Node | None:
    try:
        return parse(src)
    except FilterSyntaxError as err:
        error = err
    assert 1 <= error.column <= len(src) + 1
    return None


@SETTINGS
@given(GARBAGE)
def test_parse_raises_only_filter_syntax_error(src: str) -> None:
    _parse_only(src)


@SETTINGS
@given(GARBAGE)
def test_parse_and_check_raise_only_invalid_argument(src: str) -> None:
    node = _parse_only(src)
    if node is None:
        return
    for schema in (VERSION_SCHEMA, MODEL_SCHEMA):
        with suppress(InvalidArgument):  # the one error type allowed
            check(node, schema)


@SETTINGS
@given(TREES)
def test_check_of_any_tree_raises_only_invalid_argument(tree: Node) -> None:
    for schema in (VERSION_SCHEMA, MODEL_SCHEMA):
        with suppress(InvalidArgument):  # the one error type allowed
            check(tree, schema)


WELL_FIELDED = st.builds(
    Compare,
    st.sampled_from(
        [
            Field("", ("version_number",)),
            Field("", ("creation_timestamp",)),
            Field("", ("created",)),
            Field("", ("name",)),
            Field("metrics", ("auc",)),
            Field("tags", ("t",)),
            Field("config", ("a", "b")),
        ]
    ),
    st.sampled_from(["=", "!=", "<", ">=", "LIKE", "ILIKE"]),
    st.one_of(
        VALUES,
        st.text(st.characters(categories=("Nd", "No")), min_size=1, max_size=30),
        st.integers(-(2**80), 2**80).map(str),
        st.floats(-1e30, 1e30),
    ),
)


@SETTINGS
@given(WELL_FIELDED)
def test_check_of_known_fields_raises_only_invalid_argument(tree: Node) -> None:
    with suppress(InvalidArgument):  # the one error type allowed
        check(tree, VERSION_SCHEMA)


DIGITISH = st.one_of(
    st.text(st.characters(categories=("Nd", "No")), min_size=1, max_size=30),
    st.text(st.sampled_from("0123456789²³¹٣\u07c0-"), min_size=1, max_size=30),
    st.integers(-(2**80), 2**80).map(str),
)
INTEGER_FIELDS = st.sampled_from(
    [Field("", ("version_number",)), Field("", ("creation_timestamp",)), Field("", ("number",))]
)


@SETTINGS
@given(INTEGER_FIELDS, st.sampled_from(["=", "<", ">="]), st.one_of(DIGITISH, VALUES))
def test_integer_fields_accept_only_int64(field: Field, op: str, value: Value) -> None:
    res = resolve(field, VERSION_SCHEMA)
    try:
        bound = coerce(res, op, value)
    except InvalidArgument:
        return  # the one error type allowed
    assert isinstance(bound, int)
    assert INT64_MIN <= bound <= INT64_MAX
    assert bound == (int(value) if isinstance(value, str | float) else value)
    if isinstance(value, str):
        assert value.isascii()


@SETTINGS
@given(st.one_of(st.text(), TOKEN_SOUP))
def test_parse_order_raises_only_invalid_argument(term: str) -> None:
    for schema in (VERSION_SCHEMA, MODEL_SCHEMA):
        with suppress(InvalidArgument):  # the one error type allowed
            parse_order(term, schema)
