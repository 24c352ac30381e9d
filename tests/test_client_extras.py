"""The SDK's pages, aliases, progress callbacks, references and config fallbacks, against
the real server of the ``cli`` fixture."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from modelreg import errors
from modelreg.client import Client, VersionRef, parse_ref
from modelreg.client.config import CliConfig, save_cli_config
from tests.cli_helpers import Cli

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def sdk(cli: Cli) -> Iterator[Client]:
    with Client(cli.server.base_url) as c:
        yield c


def test_pages_first_and_totals(sdk: Client) -> None:
    for i in range(5):
        sdk.create_model(f"pg-{i}")
        sdk.create_version(f"pg-{i}", tags={"pager": "yes"})

    pages = list(sdk.list_models(name="pg-", page_size=2).pages())
    assert [len(p.items) for p in pages] == [2, 2, 1]
    assert [p.next_page_token is None for p in pages] == [False, False, True]
    assert [m["name"] for p in pages for m in p.items] == [f"pg-{i}" for i in range(5)]

    pager = sdk.list_models(name="pg-", page_size=2)
    assert [m["name"] for m in pager.first(3)] == ["pg-0", "pg-1", "pg-2"]
    # Resuming from a page's token continues where that page ended.
    rest = list(sdk.list_models(name="pg-", page_size=2).pages(pages[0].next_page_token))
    assert [m["name"] for p in rest for m in p.items] == ["pg-2", "pg-3", "pg-4"]

    search = sdk.search_versions("tags.pager = 'yes'", page_size=2, include_total=True)
    first = next(search.pages())
    assert (len(first.items), first.total) == (2, 5)
    assert len(list(sdk.search_versions("tags.pager = 'yes'", page_size=2))) == 5
    found = sdk.search_models("name = 'pg-3'")
    assert [m["name"] for m in found] == ["pg-3"]


def test_aliases_get_list_history_and_transitions(sdk: Client) -> None:
    sdk.create_model("al")
    for _ in range(2):
        sdk.create_version("al")
    sdk.set_alias("al", "champion", 1)
    sdk.set_alias("al", "champion", 2, expected_version=1)
    sdk.set_alias("al", "shadow", 1, protected=True)

    assert sdk.get_alias("al", "champion")["number"] == 2
    assert sdk.list_aliases("al") == [
        {"alias": "champion", "version": 2, "protected": False},
        {"alias": "shadow", "version": 1, "protected": True},
    ]
    moves = [(m["from_version"], m["to_version"]) for m in sdk.alias_history("al", "champion")]
    assert sorted(moves, key=str) == sorted([(None, 1), (1, 2)], key=str)
    with pytest.raises(errors.NotFound):
        sdk.get_alias("al", "nope")

    sdk.transition_stage("al", 2, "Staging")
    sdk.transition_stage("al", "champion", "Production", comment="ship")
    stages = [(t["from_stage"], t["to_stage"]) for t in sdk.list_transitions("al", 2)]
    assert sorted(stages) == [("None", "Staging"), ("Staging", "Production")]
    assert sdk.get_ref("al@champion")["stage"] == "Production"


def test_progress_callbacks_count_every_byte(sdk: Client, tmp_path: Path) -> None:
    src = tmp_path / "m"
    src.mkdir()
    (src / "a.bin").write_bytes(b"a" * (3 * 1024 * 1024 + 5))
    (src / "b.txt").write_bytes(b"bee")
    total = 3 * 1024 * 1024 + 8

    pushed: list[tuple[int, int]] = []
    v = sdk.push(src, "progress", create_model=True, progress=lambda d, t: pushed.append((d, t)))
    assert v["status"] == "READY"
    assert pushed[0] == (0, total)
    assert pushed[-1] == (total, total)
    assert [d for d, _ in pushed] == sorted(d for d, _ in pushed)

    pulled: list[tuple[int, int]] = []
    sdk.pull("progress", tmp_path / "out", progress=lambda d, t: pulled.append((d, t)))
    assert pulled[0] == (0, total)
    assert pulled[-1] == (total, total)
    assert (tmp_path / "out" / "a.bin").read_bytes() == (src / "a.bin").read_bytes()


def test_promote_takes_a_short_ref(sdk: Client) -> None:
    sdk.create_model("src-model")
    sdk.create_version("src-model")
    sdk.set_alias("src-model", "champion", 1)
    sdk.create_model("dst-model")
    v = sdk.promote("dst-model", "src-model@champion")
    assert v["fqn"] == "model:default/dst-model:1"
    assert v["lineage"]["promoted_from"] == sdk.get_version("src-model", 1)["id"]


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        ("fraud@champion", VersionRef("ws", "fraud", "champion")),
        ("fraud:3", VersionRef("ws", "fraud", "3")),
        ("fraud", VersionRef("ws", "fraud", "latest")),
        ("my:model@prod", VersionRef("ws", "my:model", "prod")),
        ("model:prod/fraud:latest", VersionRef("prod", "fraud", "latest")),
        ("model:prod/a:b:2", VersionRef("prod", "a:b", "2")),
    ],
)
def test_refs(ref: str, expected: VersionRef) -> None:
    assert parse_ref(ref, "ws") == expected
    assert parse_ref(expected.fqn) == expected


@pytest.mark.parametrize("ref", ["", "fraud@", "@champion", ":3", "model:/fraud:1", "model:ws/x"])
def test_bad_refs(ref: str) -> None:
    with pytest.raises(errors.InvalidArgument):
        parse_ref(ref)


def test_the_saved_token_only_goes_to_its_own_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "config.json"
    save_cli_config(CliConfig(url="http://saved.invalid:8080/", token="s3cret"), config)
    monkeypatch.setenv("MODELREG_CONFIG", str(config))
    monkeypatch.delenv("MODELREG_URL", raising=False)
    monkeypatch.delenv("MODELREG_TOKEN", raising=False)

    with Client() as c:
        assert (c.url, c.token) == ("http://saved.invalid:8080", "s3cret")
    with Client("http://saved.invalid:8080") as c:
        assert c.token == "s3cret"
    with Client("http://elsewhere.invalid") as c:
        assert c.token is None
    monkeypatch.setenv("MODELREG_URL", "http://env.invalid")
    with Client() as c:
        assert (c.url, c.token) == ("http://env.invalid", None)
    monkeypatch.setenv("MODELREG_TOKEN", "from-env")
    with Client() as c:
        assert c.token == "from-env"
    with Client(token="given") as c:
        assert c.token == "given"


def test_the_public_surface_is_pinned() -> None:
    import modelreg.client

    assert sorted(modelreg.client.__all__) == [
        "ChecksumMismatch",
        "Client",
        "DEFAULT_URL",
        "DEFAULT_WORKSPACE",
        "Page",
        "Pager",
        "Progress",
        "PushInterrupted",
        "VersionRef",
        "parse_ref",
    ]
    for name in modelreg.client.__all__:
        assert getattr(modelreg.client, name) is not None
