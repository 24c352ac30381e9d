"""The MLflow adapter's pure translations: artifact URIs, version strings, filters."""

from __future__ import annotations

import pytest

from modelreg.compat.mlflow.filters import translate
from modelreg.compat.mlflow.wire import proxy_path, version_number
from modelreg.errors import InvalidArgument
from modelreg.query.filter import parse


@pytest.mark.parametrize(
    ("source", "folder"),
    [
        ("mlflow-artifacts:/models/m/1", "models/m/1"),
        ("mlflow-artifacts://127.0.0.1:5000/models/m/1/", "models/m/1"),
        ("mlflow-artifacts:/", None),
        ("s3://bucket/models/m", None),
        ("runs:/abc/model", None),
        ("models", None),
    ],
)
def test_proxy_path(source: str, folder: str | None) -> None:
    assert proxy_path(source) == folder


@pytest.mark.parametrize("text", ["0", "-1", "1.5", "x", "", "99999999999999", "2147483648"])
def test_bad_version_numbers(text: str) -> None:
    with pytest.raises(InvalidArgument):
        version_number(text)


def test_version_numbers() -> None:
    assert version_number(" 7 ") == 7
    assert version_number("2147483647") == 2**31 - 1


def test_prompt_exclusion_also_keeps_models_without_the_tag() -> None:
    # What MLflow's client appends to every model search.
    sent = "name LIKE 'a%' AND tag.`mlflow.prompt.is_prompt` != 'true'"
    assert parse(translate(sent) or "") == parse(
        "name LIKE 'a%' AND (tags.`mlflow.prompt.is_prompt` IS NULL"
        " OR tags.`mlflow.prompt.is_prompt` != 'true')"
    )
    # Everything else is the filter language as it is.
    for text in (None, "tags.team != 'risk'", "name = 'mlflow.prompt'"):
        assert translate(text) == text
