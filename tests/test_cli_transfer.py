"""``modelreg push`` and ``modelreg pull`` through the real console script against a real
``modelreg serve`` (SQLite, local blob store): bytes come back identical, metadata lands,
progress goes to stderr only, and failures are one clear line and a non-zero exit."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.cli_helpers import Cli

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    src = tmp_path_factory.mktemp("model")
    (src / "weights" / "deep").mkdir(parents=True)
    (src / "config.json").write_text('{"layers": 3}')
    (src / "weights" / "big.bin").write_bytes(os.urandom(2 * 1024 * 1024 + 7))
    (src / "weights" / "deep" / "empty.txt").write_bytes(b"")
    (src / "weights" / "ünïcode name.txt").write_text("x")
    return src


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _version(cli: Cli, model: str, ref: str) -> dict[str, Any]:
    url = f"{cli.server.base_url}/api/v1/models/{model}/versions/{ref}"
    body: dict[str, Any] = httpx.get(url, timeout=10).json()
    return body


def test_push_a_folder_with_metadata_and_pull_it_back_by_alias(
    cli: Cli, model_dir: Path, tmp_path: Path
) -> None:
    r = cli.ok(
        "push", str(model_dir), "--model", "fraud", "--alias", "champion",
        "--metric", "auc=0.93", "--metric", "f1=0.81", "--param", "lr=0.01",
        "--tag", "team=risk", "--tag", "env=ci", "--description", "first cut",
        "--run-id", "run-17", "--source", "s3://bucket/run-17",
    )  # fmt: skip
    assert "pushed model:default/fraud:1 @champion: 4 files, 2.1 MB" in r.stdout

    v = _version(cli, "fraud", "champion")
    assert (v["number"], v["status"], v["aliases"]) == (1, "READY", ["champion"])
    assert {m["key"]: m["value"] for m in v["metrics"]} == {"auc": 0.93, "f1": 0.81}
    assert v["params"] == {"lr": "0.01"}
    assert v["tags"] == {"team": "risk", "env": "ci"}
    assert (v["description"], v["run_id"], v["source"]) == (
        "first cut",
        "run-17",
        "s3://bucket/run-17",
    )

    files = {f["path"]: f for f in cli.json("versions", "files", "fraud", "champion")}
    assert set(files) == set(_tree(model_dir))
    big = (model_dir / "weights" / "big.bin").read_bytes()
    assert files["weights/big.bin"]["sha256"] == hashlib.sha256(big).hexdigest()

    out = tmp_path / "out"
    r = cli.ok("pull", "fraud@champion", "-o", str(out))
    assert r.stdout == f"pulled model:default/fraud:1: 4 files, 2.1 MB into {out}\n"
    assert _tree(out) == _tree(model_dir)

    # By number (JSON lists what was written where) and by FQN.
    pulled = cli.json("pull", "fraud:1", "-o", str(tmp_path / "by-number"))
    assert (pulled["number"], pulled["dest"]) == (1, str(tmp_path / "by-number"))
    assert sorted(f["path"] for f in pulled["files"]) == sorted(_tree(model_dir))
    cli.ok("pull", "model:default/fraud:champion", "-o", str(tmp_path / "by-fqn"))
    for dest in ("by-number", "by-fqn"):
        assert _tree(tmp_path / dest) == _tree(model_dir)

    # Without -o: a folder named after the model, in the current directory.
    cwd = tmp_path / "work"
    cwd.mkdir()
    r = Cli(cli.server, cwd, cli.config).ok("pull", "fraud@latest")
    assert r.stdout.endswith(" into fraud\n")
    assert _tree(cwd / "fraud") == _tree(model_dir)


def test_progress_bars_go_to_stderr_only(cli: Cli, model_dir: Path, tmp_path: Path) -> None:
    # TTY_COMPATIBLE makes Rich treat stderr as a terminal: the bar is drawn there, with
    # the size and speed, while stdout stays exactly one JSON document.
    r = cli.run("push", str(model_dir), "--model", "bars", "--json", TTY_COMPATIBLE="1")
    assert r.returncode == 0, r.stderr
    v = json.loads(r.stdout)
    assert (v["model_name"], v["status"]) == ("bars", "READY")
    assert {f["path"] for f in v["files"]} == set(_tree(model_dir))
    assert "push bars" in r.stderr
    assert "2.1/2.1 MB" in r.stderr

    # --quiet draws none (and neither does a stderr that is not a terminal: see cli.ok).
    r = cli.run("pull", "bars", "-o", str(tmp_path / "q"), "-q", TTY_COMPATIBLE="1")
    assert (r.returncode, r.stderr) == (0, "")
    assert _tree(tmp_path / "q") == _tree(model_dir)


def test_push_to_an_unknown_model_with_no_create_fails_cleanly(cli: Cli, model_dir: Path) -> None:
    r = cli.fails("push", str(model_dir), "--model", "nobody-made-me", "--no-create")
    assert r.stderr.startswith(
        "error: NOT_FOUND: model 'nobody-made-me' not found in workspace 'default'\n"
    )
    assert "request id: " in r.stderr
    url = f"{cli.server.base_url}/api/v1/models/nobody-made-me"
    assert httpx.get(url, timeout=10).status_code == 404


def test_push_of_a_missing_path_is_a_user_error(cli: Cli, tmp_path: Path) -> None:
    r = cli.fails("push", str(tmp_path / "nope"), "--model", "fraud")
    assert r.stderr.startswith("error: INVALID_ARGUMENT: ")
    assert "neither a file nor a folder" in r.stderr


@pytest.mark.parametrize(
    ("ref", "message"),
    [
        ("ghost:1", "error: NOT_FOUND: model 'ghost' not found"),
        ("fraud@", "error: INVALID_ARGUMENT: invalid version reference 'fraud@'"),
    ],
)
def test_pull_of_an_unknown_ref(cli: Cli, tmp_path: Path, ref: str, message: str) -> None:
    r = cli.fails("pull", ref, "-o", str(tmp_path / "out"))
    assert r.stderr.startswith(message), r.stderr
    assert not any((tmp_path / "out").rglob("*"))


def test_a_bad_metric_is_a_usage_error(cli: Cli, model_dir: Path) -> None:
    r = cli.fails("push", str(model_dir), "--model", "fraud", "--metric", "auc=high", code=2)
    assert "metric 'auc' needs a number" in r.stderr


def test_a_local_file_error_is_one_line(cli: Cli, model_dir: Path, tmp_path: Path) -> None:
    cli.ok("push", str(model_dir), "--model", "fraud")
    blocker = tmp_path / "a-file"
    blocker.write_text("in the way")
    r = cli.fails("pull", "fraud", "-o", str(blocker))
    assert r.stderr == f"error: File exists: {blocker}\n"


def test_an_alias_that_fails_after_the_push_says_the_version_is_ready(
    cli: Cli, model_dir: Path
) -> None:
    r = cli.fails("push", str(model_dir), "--model", "late-alias", "--alias", "latest")
    assert r.stderr.startswith(
        "error: INVALID_ARGUMENT: model:default/late-alias:1 is READY, but alias 'latest' "
        "was not set: "
    ), r.stderr
    assert _version(cli, "late-alias", "1")["status"] == "READY"
