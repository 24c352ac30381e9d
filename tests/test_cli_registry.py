"""``modelreg models|versions|search|alias|stage|promote`` through the real console script
against one real ``modelreg serve``: tables for people, one JSON document with --json,
the server's code and message on errors, and where the URL and token come from."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from modelreg.client import Client
from modelreg.client.config import CliConfig, save_cli_config
from tests.cli_helpers import Cli
from tests.servers import free_port, run_cli

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def sdk(cli: Cli) -> Iterator[Client]:
    """The SDK, for setting up what the CLI then reads."""
    with Client(cli.server.base_url) as c:
        yield c


@pytest.fixture(scope="module")
def scorer(sdk: Client) -> str:
    """A model with versions 1-3 (auc 0.80, 0.90, 0.95), tagged team=scoring."""
    sdk.create_model("scorer", tags={"team": "scoring"})
    for i, auc in enumerate((0.80, 0.90, 0.95), start=1):
        sdk.create_version(
            "scorer", metrics=[{"key": "auc", "value": auc}], tags={"team": "scoring", "i": str(i)}
        )
    sdk.create_model("other")
    sdk.create_version("other", metrics=[{"key": "auc", "value": 0.99}], tags={"team": "ops"})
    return "scorer"


def _rows(table: str) -> list[list[str]]:
    """A printed table as lists of cells (cells here hold no double spaces)."""
    return [[c.strip() for c in line.split("  ") if c.strip()] for line in table.splitlines()]


def test_models_create_list_get_delete(cli: Cli) -> None:
    r = cli.ok("models", "create", "cli-made", "--description", "made here", "--tag", "team=ml")
    assert r.stdout == "created model default/cli-made\n"

    rows = _rows(cli.ok("models", "list", "--name", "cli-made").stdout)
    assert rows[0] == ["NAME", "LATEST", "VERSIONS", "ALIASES", "TAGS", "UPDATED", "DESCRIPTION"]
    assert rows[1][0] == "cli-made"
    assert "team=ml" in rows[1]
    assert rows[1][-1] == "made here"

    shown = dict((row[0], row[1]) for row in _rows(cli.ok("models", "get", "cli-made").stdout))
    assert shown["description"] == "made here"
    assert shown["tags"] == "team=ml"

    assert (
        cli.ok("models", "delete", "cli-made", "--yes").stdout == "deleted model default/cli-made\n"
    )
    r = cli.fails("models", "get", "cli-made")
    assert r.stderr.startswith(
        "error: NOT_FOUND: model 'cli-made' not found in workspace 'default'\n"
    )


def test_versions_list_with_a_filter_and_an_order(cli: Cli, scorer: str) -> None:
    found = cli.json(
        "versions", "list", scorer, "--filter", "metrics.auc > 0.85", "--order-by", "number ASC"
    )
    assert [v["number"] for v in found] == [2, 3]

    rows = _rows(cli.ok("versions", "list", scorer, "--limit", "2").stdout)
    assert rows[0][:4] == ["VERSION", "STATUS", "STAGE", "ALIASES"]
    assert [r[0] for r in rows[1:]] == ["3", "2"]  # newest first, cut at --limit
    assert "auc=0.95" in rows[1]

    r = cli.ok("versions", "get", scorer, "2")
    shown = dict((row[0], row[1]) for row in _rows(r.stdout) if len(row) >= 2)
    assert shown["fqn"] == "model:default/scorer:2"
    assert shown["metrics"] == "auc=0.9"
    assert shown["status"] == "READY"


def test_search_across_models_in_both_forms(cli: Cli, scorer: str) -> None:
    query = (
        "search",
        "tags.team = 'scoring' AND metrics.auc > 0.85",
        "--order-by",
        "metrics.auc DESC",
    )
    found = cli.json(*query)
    assert [(v["model_name"], v["number"]) for v in found] == [(scorer, 3), (scorer, 2)]

    rows = _rows(cli.ok(*query).stdout)
    assert rows[0][:2] == ["MODEL", "VERSION"]
    assert [r[:2] for r in rows[1:]] == [["default/scorer", "3"], ["default/scorer", "2"]]

    r = cli.fails("search", "metrics.auc >>> 1")
    assert r.stderr.startswith("error: INVALID_ARGUMENT: ")


def test_aliases_stages_and_promotion(cli: Cli, sdk: Client, scorer: str) -> None:
    assert (
        cli.ok("alias", "set", scorer, "champion", "3").stdout == "scorer@champion -> version 3\n"
    )
    assert cli.json("alias", "list", scorer) == [
        {"alias": "champion", "version": 3, "protected": False}
    ]

    r = cli.ok("stage", scorer, "champion", "Production", "--archive-existing", "--comment", "go")
    assert r.stdout == "model:default/scorer:3 is now in stage Production\n"
    assert sdk.get_version(scorer, 3)["stage"] == "Production"

    sdk._http.call("POST", "/api/v1/workspaces", json={"name": "prod"})
    sdk.create_model("scorer", workspace="prod")
    promoted = cli.json("promote", f"{scorer}@champion", "--to", scorer, "--to-workspace", "prod")
    assert (promoted["workspace"], promoted["number"]) == ("prod", 1)
    assert promoted["fqn"] == "model:prod/scorer:1"

    r = cli.fails("stage", scorer, "3", "Sideways")
    assert r.stderr.startswith("error: INVALID_ARGUMENT: ")

    assert cli.ok("alias", "delete", scorer, "champion").stdout == "deleted alias scorer@champion\n"
    assert sdk.list_aliases(scorer) == []


def test_an_unreachable_server_is_one_line_not_a_traceback(cli: Cli) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    r = cli.fails("--url", dead, "models", "list")
    assert r.stderr.startswith(f"error: UNAVAILABLE: cannot reach the registry at {dead}")
    assert len(r.stderr.splitlines()) == 1


def test_url_comes_from_the_option_then_the_environment_then_the_config(
    cli: Cli, tmp_path: Path, scorer: str
) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    # --url wins over MODELREG_URL.
    r = cli.ok("--url", cli.server.base_url, "models", "list", MODELREG_URL=dead)
    assert "scorer" in r.stdout

    # Without either, the CLI config file names the server.
    config = tmp_path / "config.json"
    save_cli_config(CliConfig(url=cli.server.base_url, token=None), config)
    env = cli.env(MODELREG_CONFIG=str(config))
    del env["MODELREG_URL"]
    r = run_cli("models", "list", "--json", cwd=tmp_path, env=env)
    assert r.returncode == 0, r.stderr
    assert "scorer" in [m["name"] for m in json.loads(r.stdout)]


def test_versions_delete_prints_what_went_in_json(cli: Cli, sdk: Client, scorer: str) -> None:
    gone = cli.json("versions", "delete", "other", "1", "--yes")
    assert gone == {"deleted": "version", "workspace": "default", "model": "other", "version": 1}
    r = cli.fails("versions", "get", "other", "1")
    assert r.stderr.startswith("error: NOT_FOUND: ")
    assert cli.ok("--version").stdout.startswith("modelreg ")
