"""The filter language without a database: tokenizer, parser, printer, type checker and
order_by terms."""

from __future__ import annotations

import pytest

from modelreg.errors import InvalidArgument
from modelreg.query.fields import (
    MODEL_SCHEMA,
    VERSION_SCHEMA,
    Kind,
    Schema,
    check,
    parse_order,
)
from modelreg.query.filter import (
    MAX_FILTER_LENGTH,
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
    parse_field,
    render,
    tokenize,
)


def attr(name: str) -> Field:
    return Field("", (name,))


def tag(key: str) -> Field:
    return Field("tags", (key,))


def metric(key: str) -> Field:
    return Field("metrics", (key,))


def param(key: str) -> Field:
    return Field("params", (key,))


NAME = attr("name")
X = Compare(NAME, "=", "x")
Y = Compare(NAME, "=", "y")
Z = Compare(NAME, "=", "z")


def eq(value: Value) -> Compare:
    return Compare(NAME, "=", value)


def num(src: str) -> Value:
    """The value of ``metrics.m = <src>``."""
    node = parse(f"metrics.m = {src}")
    assert isinstance(node, Compare)
    return node.value


def syntax_error(src: str) -> FilterSyntaxError:
    with pytest.raises(FilterSyntaxError) as info:
        parse(src)
    err = info.value
    assert isinstance(err, InvalidArgument)
    assert err.code == "INVALID_ARGUMENT"
    assert err.details == {"field": "filter", "column": err.column}
    assert f"at column {err.column}" in err.message
    return err


# --- every operator -------------------------------------------------------------------------

OPERATORS: list[tuple[str, Node]] = [
    ("name = 'x'", Compare(NAME, "=", "x")),
    ("name == 'x'", Compare(NAME, "=", "x")),
    ("name != 'x'", Compare(NAME, "!=", "x")),
    ("name <> 'x'", Compare(NAME, "!=", "x")),
    ("version_number < 3", Compare(attr("version_number"), "<", 3)),
    ("version_number <= 3", Compare(attr("version_number"), "<=", 3)),
    ("version_number > 3", Compare(attr("version_number"), ">", 3)),
    ("version_number >= 3", Compare(attr("version_number"), ">=", 3)),
    ("name LIKE 'fraud%'", Compare(NAME, "LIKE", "fraud%")),
    ("name ILIKE '%Fraud_'", Compare(NAME, "ILIKE", "%Fraud_")),
    ("name NOT LIKE 'a%'", Not(Compare(NAME, "LIKE", "a%"))),
    ("name NOT ILIKE 'a%'", Not(Compare(NAME, "ILIKE", "a%"))),
    ("name IN ('a')", In(NAME, ("a",))),
    ("name IN ('a', 'b', 'c')", In(NAME, ("a", "b", "c"))),
    ("version_number IN (1, 2.5, '3')", In(attr("version_number"), (1, 2.5, "3"))),
    ("name NOT IN ('a', 'b')", In(NAME, ("a", "b"), negated=True)),
    ("tags.env IS NULL", IsNull(tag("env"))),
    ("tags.env IS NOT NULL", IsNull(tag("env"), negated=True)),
    # No spaces needed around symbols.
    ("metrics.auc>=0.9", Compare(metric("auc"), ">=", 0.9)),
    ("metrics.auc<-1", Compare(metric("auc"), "<", -1)),
    ("name='x'", X),
    ("name IN('a','b')", In(NAME, ("a", "b"))),
    ("metrics.auc<>.5", Compare(metric("auc"), "!=", 0.5)),
    # Whitespace of any kind.
    ("\tname\n=\r\n'x'  ", X),
]


@pytest.mark.parametrize(("src", "tree"), OPERATORS)
def test_operators(src: str, tree: Node) -> None:
    assert parse(src) == tree


# --- precedence and parentheses -------------------------------------------------------------

PRECEDENCE: list[tuple[str, Node]] = [
    ("name = 'x' AND name = 'y'", And((X, Y))),
    ("name = 'x' OR name = 'y'", Or((X, Y))),
    ("name = 'x' AND name = 'y' AND name = 'z'", And((X, Y, Z))),
    ("name = 'x' OR name = 'y' OR name = 'z'", Or((X, Y, Z))),
    # AND binds tighter than OR, on either side.
    ("name = 'x' OR name = 'y' AND name = 'z'", Or((X, And((Y, Z))))),
    ("name = 'x' AND name = 'y' OR name = 'z'", Or((And((X, Y)), Z))),
    # NOT binds tighter than AND and OR.
    ("NOT name = 'x' AND name = 'y'", And((Not(X), Y))),
    ("NOT name = 'x' OR name = 'y'", Or((Not(X), Y))),
    ("name = 'x' AND NOT name = 'y'", And((X, Not(Y)))),
    ("NOT NOT name = 'x'", Not(Not(X))),
    ("NOT (name = 'x' OR name = 'y')", Not(Or((X, Y)))),
    # Parentheses override.
    ("(name = 'x' OR name = 'y') AND name = 'z'", And((Or((X, Y)), Z))),
    ("name = 'x' AND (name = 'y' OR name = 'z')", And((X, Or((Y, Z))))),
    ("((name = 'x'))", X),
    ("(name = 'x') AND ((name = 'y') OR (name = 'z'))", And((X, Or((Y, Z))))),
    ("NOT (NOT (name = 'x'))", Not(Not(X))),
    # Parenthesised groups do not flatten into their parent.
    ("name = 'x' AND (name = 'y' AND name = 'z')", And((X, And((Y, Z))))),
]


@pytest.mark.parametrize(("src", "tree"), PRECEDENCE)
def test_precedence(src: str, tree: Node) -> None:
    assert parse(src) == tree


# --- keywords are case-insensitive ----------------------------------------------------------

KEYWORD_CASES: list[tuple[str, Node]] = [
    ("name = 'x' and name = 'y'", And((X, Y))),
    ("name = 'x' Or name = 'y'", Or((X, Y))),
    ("not name = 'x'", Not(X)),
    ("name like 'a%'", Compare(NAME, "LIKE", "a%")),
    ("name Like 'a%'", Compare(NAME, "LIKE", "a%")),
    ("name iLike 'a%'", Compare(NAME, "ILIKE", "a%")),
    ("name in ('a')", In(NAME, ("a",))),
    ("name not in ('a')", In(NAME, ("a",), negated=True)),
    ("tags.t is null", IsNull(tag("t"))),
    ("tags.t Is Not Null", IsNull(tag("t"), negated=True)),
    ("name not like 'a'", Not(Compare(NAME, "LIKE", "a"))),
]


@pytest.mark.parametrize(("src", "tree"), KEYWORD_CASES)
def test_keywords_are_case_insensitive(src: str, tree: Node) -> None:
    assert parse(src) == tree


# --- fields, keys and scopes ----------------------------------------------------------------

FIELDS: list[tuple[str, Field]] = [
    ("name", attr("name")),
    ("run_id", attr("run_id")),
    ("`name`", attr("name")),
    ("`my attr`", attr("my attr")),
    ("attribute.name", attr("name")),
    ("attributes.status", attr("status")),
    ("tags.env", tag("env")),
    ("tag.env", tag("env")),
    ("TAGS.env", tag("env")),
    ("metrics.auc", metric("auc")),
    ("metric.auc", metric("auc")),
    ("params.lr", param("lr")),
    ("param.lr", param("lr")),
    ("tags.`my key`", tag("my key")),
    ("tags.`a.b`", tag("a.b")),
    ("tags.a.b", tag("a.b")),
    ("tags.a.b.c", tag("a.b.c")),
    ("tags.a.`b c`", tag("a.b c")),
    ("tags.'quoted key'", tag("quoted key")),
    ('tags."dq key"', tag("dq key")),
    ("tags.`back\\`tick`", tag("back`tick")),
    ("tags.`dou``bled`", tag("dou`bled")),
    ("tags.`ключ`", tag("ключ")),
    ("tags.and", tag("and")),  # a keyword is a fine key after the dot
    ("tags.1", tag("1")),
    ("tags.v.1", tag("v.1")),
    ("tags.v.1.5", tag("v.1.5")),
    ("metrics.f1", metric("f1")),
    ("card.license", Field("card", ("license",))),
    ("config.llm.base_model_type", Field("config", ("llm", "base_model_type"))),
    ("config.`a.b`.c", Field("config", ("a.b", "c"))),
    ("config.layers.2", Field("config", ("layers", "2"))),
    ("lineage.dataset", Field("lineage", ("dataset",))),
    ("Tag.Env", tag("Env")),  # keys keep their case
]


@pytest.mark.parametrize(("src", "field"), FIELDS)
def test_fields(src: str, field: Field) -> None:
    assert parse(f"{src} IS NULL") == IsNull(field)
    assert parse_field(src) == field


def test_a_scope_word_alone_is_an_attribute_name() -> None:
    assert parse("tags = 'x'") == Compare(attr("tags"), "=", "x")


# --- strings --------------------------------------------------------------------------------

STRINGS: list[tuple[str, str]] = [
    ("'plain'", "plain"),
    ('"double"', "double"),
    ("''", ""),
    ('""', ""),
    ("'it\\'s'", "it's"),
    ("'it''s'", "it's"),
    ('"say \\"hi\\""', 'say "hi"'),
    ('"say ""hi"""', 'say "hi"'),
    ('"it\'s"', "it's"),
    ("'say \"hi\"'", 'say "hi"'),
    ("'back\\\\slash'", "back\\slash"),
    ("'tab\\there'", "tab\there"),
    ("'new\\nline'", "new\nline"),
    ("'cr\\r'", "cr\r"),
    ("'\\%literal'", "%literal"),  # unknown escapes yield the character itself
    ("'100%_'", "100%_"),
    ("'naïve ☃ 日本'", "naïve ☃ 日本"),
    ("'AND OR NOT'", "AND OR NOT"),
    ("'; DROP TABLE model_versions; --'", "; DROP TABLE model_versions; --"),
    ("'a\nb'", "a\nb"),
]


@pytest.mark.parametrize(("src", "value"), STRINGS)
def test_strings(src: str, value: str) -> None:
    assert parse(f"name = {src}") == eq(value)


# --- numbers --------------------------------------------------------------------------------

NUMBERS: list[tuple[str, Value, type]] = [
    ("0", 0, int),
    ("42", 42, int),
    ("-7", -7, int),
    ("007", 7, int),
    ("9223372036854775807", 2**63 - 1, int),
    ("-9223372036854775808", -(2**63), int),
    ("1.5", 1.5, float),
    ("-0.25", -0.25, float),
    (".5", 0.5, float),
    ("5.", 5.0, float),
    ("1e3", 1000.0, float),
    ("1E3", 1000.0, float),
    ("2.5e-3", 0.0025, float),
    ("-1.5E+2", -150.0, float),
    ("1e308", 1e308, float),
    ("0" * 100 + "1", 1, int),
]


@pytest.mark.parametrize(("src", "value", "kind"), NUMBERS)
def test_numbers(src: str, value: Value, kind: type) -> None:
    got = num(src)
    assert got == value
    assert type(got) is kind


def test_quoted_numbers_stay_strings() -> None:
    assert parse("version_number = '3'") == Compare(attr("version_number"), "=", "3")


# --- syntax errors, with columns ------------------------------------------------------------

SYNTAX_ERRORS: list[tuple[str, int, str]] = [
    ("name = 'x' AN", 12, "unexpected token 'AN' at column 12, expected AND, OR or end of filter"),
    (
        "tags.a = 'b' AND name = 'x' AN",
        29,
        "unexpected token 'AN' at column 29, expected AND, OR or end of filter",
    ),
    ("name = 'abc", 8, "unterminated ' string at column 8"),
    ('name = "abc', 8, 'unterminated " string at column 8'),
    ("tags.`abc = 'x'", 6, "unterminated ` string at column 6"),
    ("name = 'abc\\'", 8, "unterminated ' string"),
    ("", 1, "unexpected token end of filter at column 1, expected a condition"),
    ("   ", 4, "expected a condition"),
    ("name =", 7, "unexpected token end of filter at column 7, expected a string or a number"),
    ("name = 'x' AND", 15, "unexpected token end of filter at column 15, expected a field name"),
    ("name = 'x' OR", 14, "expected a field name"),
    ("NOT", 4, "expected a field name"),
    ("name", 5, "expected a comparison operator, LIKE, ILIKE, IN or IS"),
    ("name IN ()", 10, "unexpected token ')' at column 10, expected a string or a number"),
    ("name IN ('a',)", 14, "expected a string or a number"),
    ("name IN ('a' 'b')", 14, "expected ',' or ')'"),
    ("name IN 'a'", 9, "expected '('"),
    ("name IN ('a'", 13, "expected ',' or ')'"),
    ("(name = 'x'", 12, "expected ')'"),
    ("name = 'x')", 11, "unexpected token ')' at column 11, expected AND, OR or end of filter"),
    ("()", 2, "expected a field name"),
    ("name IS 'x'", 9, "expected NULL"),
    ("name IS NOT 1", 13, "expected NULL"),
    ("name NOT = 'x'", 10, "expected IN, LIKE or ILIKE"),
    ("name = name", 8, "expected a string or a number"),
    ("name = 'x' name = 'y'", 12, "expected AND, OR or end of filter"),
    ("= 'x'", 1, "expected a field name"),
    ("AND name = 'x'", 1, "expected a field name"),
    ("name === 'x'", 8, "unexpected token '=' at column 8, expected a string or a number"),
    ("name ~ 'x'", 6, "unexpected character '~' at column 6"),
    ("name = 'x' ; DROP", 12, "unexpected character ';'"),
    ("name = 1.2.3", 11, "expected AND, OR or end of filter"),
    ("tags. = 'x'", 7, "expected a key after 'tags.'"),
    ("tags.", 6, "expected a key after 'tags.'"),
    ("attribute.a.b = 'x'", 1, "attribute names have no dots"),
    ("metrics.auc > 1e999", 15, "number 1e999 is out of range at column 15"),
    ("metrics.auc > -1e999", 15, "out of range"),
    ("version_number = 9223372036854775808", 18, "out of the 64-bit range"),
    ("version_number = -9223372036854775809", 18, "out of the 64-bit range"),
    (f"version_number = {2**64}", 18, "integer 18446744073709551616 is out of the 64-bit range"),
    ("version_number = " + "9" * 5000, 18, "out of the 64-bit range"),
    ("name = 'a\x00b'", 10, "NUL character in filter at column 10"),
    ("\x00", 1, "NUL character"),
    ("name ≠ 'x'", 6, "unexpected character '≠'"),
]


@pytest.mark.parametrize(("src", "column", "message"), SYNTAX_ERRORS)
def test_syntax_errors(src: str, column: int, message: str) -> None:
    err = syntax_error(src)
    assert err.column == column, err.message
    assert message in err.message


def test_over_long_filter() -> None:
    src = "name = '" + "x" * MAX_FILTER_LENGTH + "'"
    err = syntax_error(src)
    assert f"longer than {MAX_FILTER_LENGTH}" in err.message
    # Exactly the limit is fine.
    body = "x" * (MAX_FILTER_LENGTH - len("name = ''"))
    assert parse(f"name = '{body}'") == eq(body)


def test_huge_in_list_is_rejected() -> None:
    values = ", ".join(str(i) for i in range(1001))
    err = syntax_error(f"version_number IN ({values})")
    assert "more than 1000 values" in err.message
    ok = ", ".join(str(i) for i in range(1000))
    node = parse(f"version_number IN ({ok})")
    assert isinstance(node, In)
    assert len(node.values) == 1000


@pytest.mark.parametrize("depth", [65, 1000, 5000])
def test_deep_parentheses_are_a_syntax_error(depth: int) -> None:
    src = "(" * depth + "name = 'x'" + ")" * depth
    err = syntax_error(src)
    assert "nested deeper than" in err.message


@pytest.mark.parametrize("depth", [65, 1000, 4000])
def test_deep_nots_are_a_syntax_error(depth: int) -> None:
    err = syntax_error("NOT " * depth + "name = 'x'")
    assert "nested deeper than" in err.message


def test_moderate_nesting_is_fine() -> None:
    assert parse("(" * 60 + "name = 'x'" + ")" * 60) == X
    tree: Node = X
    for _ in range(60):
        tree = Not(tree)
    assert parse("NOT " * 60 + "name = 'x'") == tree


def test_long_flat_chains_do_not_recurse() -> None:
    src = " OR ".join(f"name='m{i}'" for i in range(1200))
    node = parse(src)
    assert isinstance(node, Or)
    assert len(node.items) == 1200
    check(node, VERSION_SCHEMA)


def test_tokenize_columns() -> None:
    toks = tokenize("tags.`a b` >= -1.5e3 AND x IS NULL")
    assert [(t.kind, t.col) for t in toks] == [
        ("ident", 1),
        ("punct", 5),
        ("bquote", 6),
        ("op", 12),
        ("num", 15),
        ("kw", 22),
        ("ident", 26),
        ("kw", 28),
        ("kw", 31),
        ("end", 35),
    ]
    assert toks[4].value == -1500.0


def test_parse_field_rejects_trailing_text() -> None:
    with pytest.raises(FilterSyntaxError, match="expected end of field name"):
        parse_field("metrics.auc extra")


# --- printing -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "src",
    [
        *(src for src, _ in OPERATORS),
        *(src for src, _ in PRECEDENCE),
        "tags.`my key` = 'it''s' AND tags.`a.b` != \"x\\\"y\"",
        "`AND` = 'x' OR `tags` = 'y' OR `my attr` LIKE '%'",
        "config.`a b`.c >= 1e-300",
        "params.`back\\\\slash` NOT IN ('\\\\', '`')",
    ],
)
def test_render_parses_back(src: str) -> None:
    tree = parse(src)
    assert parse(render(tree)) == tree


# --- the type checker -----------------------------------------------------------------------

CHECK_OK: list[tuple[str, Schema]] = [
    ("version_number = '3'", VERSION_SCHEMA),
    ("version_number = 3", VERSION_SCHEMA),
    ("version_number = 3.0", VERSION_SCHEMA),
    ("number IN ('1', 2)", VERSION_SCHEMA),
    ("NAME = 'x'", VERSION_SCHEMA),  # attribute names are case-insensitive
    ("metrics.auc > 1", VERSION_SCHEMA),
    ("metrics.auc <= -0.5e-3", VERSION_SCHEMA),
    ("metrics.auc IN (1, 0.5)", VERSION_SCHEMA),
    ("metrics.auc IS NULL", VERSION_SCHEMA),
    ("tags.x = '1'", VERSION_SCHEMA),
    ("tags.x ILIKE '%a%'", VERSION_SCHEMA),
    ("params.lr NOT IN ('0.1', '0.2')", VERSION_SCHEMA),
    ("card.license = 'apache-2.0'", VERSION_SCHEMA),
    ("config.llm.base_model_type = 'llama'", VERSION_SCHEMA),
    ("config.llm.layers > 3", VERSION_SCHEMA),
    ("config.llm.name LIKE 'lla%'", VERSION_SCHEMA),
    ("creation_timestamp >= 1700000000000", VERSION_SCHEMA),
    ("last_updated_timestamp < '1700000000000'", VERSION_SCHEMA),
    ("created >= '2026-01-01'", VERSION_SCHEMA),
    ("updated < '2026-01-01T10:00:00+02:00'", VERSION_SCHEMA),
    ("source_path LIKE 's3://%' AND user_id = 'me' AND status = 'READY'", VERSION_SCHEMA),
    ("run_id IS NOT NULL OR description ILIKE '%x%'", VERSION_SCHEMA),
    ("version_number = 9223372036854775807", VERSION_SCHEMA),
    ("version_number = '-9223372036854775808'", VERSION_SCHEMA),
    ("name = 'm' AND tags.team = 'risk'", MODEL_SCHEMA),
    ("card.audience ILIKE '%bank%'", MODEL_SCHEMA),
    ("creation_timestamp > 0", MODEL_SCHEMA),
]


@pytest.mark.parametrize(("src", "schema"), CHECK_OK)
def test_check_accepts(src: str, schema: Schema) -> None:
    check(parse(src), schema)


CHECK_BAD: list[tuple[str, Schema, str]] = [
    ("unknown_field = 'x'", VERSION_SCHEMA, "unknown field 'unknown_field'"),
    ("`my attr` = 'x'", VERSION_SCHEMA, "unknown field"),
    ("metrics.auc LIKE 'x'", VERSION_SCHEMA, "LIKE needs a string field"),
    ("metrics.auc ILIKE 'x'", VERSION_SCHEMA, "ILIKE needs a string field"),
    ("metrics.auc = 'high'", VERSION_SCHEMA, "compare with a number"),
    ("metrics.auc IN (1, 'x')", VERSION_SCHEMA, "compare with a number"),
    ("version_number = 'abc'", VERSION_SCHEMA, "compare with an integer, not 'abc'"),
    ("version_number = 1.5", VERSION_SCHEMA, "compare with an integer"),
    ("version_number = '3.0'", VERSION_SCHEMA, "compare with an integer"),
    ("version_number = '²'", VERSION_SCHEMA, "compare with an integer"),
    ("version_number = '99999999999999999999'", VERSION_SCHEMA, "compare with an integer"),
    ("version_number = 1e300", VERSION_SCHEMA, "out of the 64-bit range"),
    ("version_number LIKE '1%'", VERSION_SCHEMA, "LIKE needs a string field"),
    ("tags.x = 1", VERSION_SCHEMA, "compare with a quoted string, not 1"),
    ("tags.x IN ('a', 2)", VERSION_SCHEMA, "compare with a quoted string"),
    ("params.x > 0.5", VERSION_SCHEMA, "compare with a quoted string"),
    ("name LIKE 5", VERSION_SCHEMA, "quoted pattern"),
    ("card.unknown = 'x'", VERSION_SCHEMA, "unknown card field 'unknown'"),
    ("card.unknown IS NULL", VERSION_SCHEMA, "unknown card field"),
    ("created = 'yesterday'", VERSION_SCHEMA, "not an ISO-8601 time"),
    ("created = 1700000000000", VERSION_SCHEMA, "quoted ISO-8601 time"),
    ("creation_timestamp = 'soon'", VERSION_SCHEMA, "compare with an integer"),
    ("lineage.dataset = 'x'", MODEL_SCHEMA, "'lineage.' fields cannot be searched here"),
    ("tags.`` = 'x'", VERSION_SCHEMA, "empty key"),
    ("metrics.auc > 1 AND (name = 'a' OR NOT tags.t = 2)", VERSION_SCHEMA, "quoted string"),
    ("metrics.auc > 1", MODEL_SCHEMA, "'metrics.' fields cannot be searched here"),
    ("params.lr = '1'", MODEL_SCHEMA, "'params.' fields cannot be searched here"),
    ("config.a = 1", MODEL_SCHEMA, "'config.' fields cannot be searched here"),
    ("version_number = 1", MODEL_SCHEMA, "unknown field 'version_number'"),
    ("run_id = 'r'", MODEL_SCHEMA, "unknown field"),
]


@pytest.mark.parametrize(("src", "schema", "message"), CHECK_BAD)
def test_check_rejects(src: str, schema: Schema, message: str) -> None:
    node = parse(src)  # syntactically fine
    with pytest.raises(InvalidArgument) as info:
        check(node, schema)
    assert not isinstance(info.value, FilterSyntaxError)
    assert info.value.code == "INVALID_ARGUMENT"
    assert message in info.value.message
    assert info.value.details["field"] == "filter"


# --- order_by terms -------------------------------------------------------------------------

ORDER_OK: list[tuple[str, Schema, str, str, bool]] = [
    ("name", VERSION_SCHEMA, "", "name", False),
    ("name ASC", VERSION_SCHEMA, "", "name", False),
    ("name DESC", VERSION_SCHEMA, "", "name", True),
    ("name desc", VERSION_SCHEMA, "", "name", True),
    ("  version_number   Desc  ", VERSION_SCHEMA, "", "number", True),
    ("number", VERSION_SCHEMA, "", "number", False),
    ("creation_timestamp DESC", VERSION_SCHEMA, "", "created_ms", True),
    ("last_updated_timestamp", VERSION_SCHEMA, "", "updated_ms", False),
    ("created", VERSION_SCHEMA, "", "created", False),
    ("attribute.name DESC", VERSION_SCHEMA, "", "name", True),
    ("metrics.auc DESC", VERSION_SCHEMA, "metrics", "auc", True),
    ("metric.`val loss` ASC", VERSION_SCHEMA, "metrics", "val loss", False),
    ("metrics.a.b", VERSION_SCHEMA, "metrics", "a.b", False),
    ("name DESC", MODEL_SCHEMA, "", "name", True),
    ("last_updated_timestamp DESC", MODEL_SCHEMA, "", "updated_ms", True),
]


@pytest.mark.parametrize(("term", "schema", "scope", "name", "descending"), ORDER_OK)
def test_parse_order(term: str, schema: Schema, scope: str, name: str, descending: bool) -> None:
    res, desc = parse_order(term, schema)
    assert (res.scope, res.name, desc) == (scope, name, descending)
    if scope == "metrics":
        assert res.kind is Kind.FLOAT


ORDER_BAD: list[tuple[str, Schema, str]] = [
    ("tags.env", VERSION_SCHEMA, "cannot order by"),
    ("params.lr DESC", VERSION_SCHEMA, "cannot order by"),
    ("run_id", VERSION_SCHEMA, "cannot order by 'run_id'"),
    ("description DESC", VERSION_SCHEMA, "cannot order by"),
    ("unknown", VERSION_SCHEMA, "unknown field"),
    ("metrics.auc", MODEL_SCHEMA, "cannot be searched here"),
    ("version_number", MODEL_SCHEMA, "unknown field"),
    ("name DESC ASC", VERSION_SCHEMA, "expected end of field name"),
    ("name SIDEWAYS", VERSION_SCHEMA, "expected end of field name"),
    ("name, number", VERSION_SCHEMA, "expected end of field name"),
    ("", VERSION_SCHEMA, "expected a field name"),
    ("DESC", VERSION_SCHEMA, "unknown field"),
    ("'name'", VERSION_SCHEMA, "expected a field name"),
    ("metrics.", VERSION_SCHEMA, "expected a key"),
]


@pytest.mark.parametrize(("term", "schema", "message"), ORDER_BAD)
def test_parse_order_rejects(term: str, schema: Schema, message: str) -> None:
    with pytest.raises(InvalidArgument) as info:
        parse_order(term, schema)
    assert message in info.value.message
    assert info.value.details["field"] == "order_by"
