"""``modelreg artifacts list|push|pull`` through the real console script against a real
``modelreg serve``: a folder pushed by FQN comes back identical, the view lists it with
its filters, and bad FQNs are one clear line and exit 1."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_helpers import Cli
from tests.test_push_resume import _tree

pytestmark = pytest.mark.slow


def test_push_list_and_pull_an_artifact_by_fqn(cli: Cli, tmp_path: Path) -> None:
    src = tmp_path / "ds"
    (src / "parts").mkdir(parents=True)
    (src / "schema.json").write_text('{"cols": ["a"]}')
    (src / "parts" / "0.csv").write_bytes(b"a\n1\n" * 1000)
    r = cli.ok(
        "artifacts", "push", str(src), "dataset:default/cli-ds", "--metadata", "rows=1000",
        "--tag", "nov", "--run-id", "cli-run", "--step", "2", "--description", "first",
    )  # fmt: skip
    assert r.stdout == "pushed dataset:default/cli-ds:1: 2 files, 4.0 KB\n"
    v = cli.json("artifacts", "push", str(src / "schema.json"), "dataset:default/cli-ds")
    assert (v["fqn"], v["status"]) == ("dataset:default/cli-ds:2", "READY")

    listed = cli.json("artifacts", "list", "--fqn", "dataset:default/cli-ds")
    assert [i["fqn"] for i in listed] == ["dataset:default/cli-ds:2", "dataset:default/cli-ds:1"]
    first = cli.json("artifacts", "list", "--run-id", "cli-run", "--type", "dataset")
    assert [i["fqn"] for i in first] == ["dataset:default/cli-ds:1"]
    assert first[0]["manifest"]["metadata"] == {"rows": "1000"}
    assert first[0]["tags"] == ["nov"]
    table = cli.ok("artifacts", "list", "--name", "cli-ds", "--version", "1").stdout
    assert "dataset:default/cli-ds:1" in table
    assert "cli-run" in table
    assert "dataset:default/cli-ds:2" not in table
    assert cli.json("artifacts", "list", "--name", "cli-ds", "--limit", "1")[0]["fqn"].endswith(
        ":2"
    )

    out = tmp_path / "out"
    r = cli.ok("artifacts", "pull", "dataset:default/cli-ds:1", "-o", str(out))
    assert r.stdout == f"pulled dataset:default/cli-ds:1: 2 files, 4.0 KB into {out}\n"
    assert _tree(out) == _tree(src)
    # Without -o: a folder named after the artifact, in the current directory.
    cli.ok("pull", "dataset:default/cli-ds:latest", "--quiet")
    assert _tree(cli.cwd / "cli-ds") == {"schema.json": (src / "schema.json").read_bytes()}


def test_bad_artifact_fqns(cli: Cli, tmp_path: Path) -> None:
    r = cli.fails("artifacts", "push", str(tmp_path), "model:default/m")
    assert "error: INVALID_ARGUMENT:" in r.stderr
    assert "push model versions" in r.stderr
    r = cli.fails("artifacts", "push", str(tmp_path), "dataset:nope")
    assert "error: INVALID_ARGUMENT: invalid FQN" in r.stderr
    r = cli.fails("artifacts", "pull", "dataset:default/no-such:1", "-o", str(tmp_path / "x"))
    assert "error: NOT_FOUND:" in r.stderr
