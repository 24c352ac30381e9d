"""The SDK's generic-artifact methods against a real ``modelreg serve`` (64 KiB parts):
create artifacts and versions, list versions through the view's filters page by page, and
push/pull an artifact version by FQN, including an interrupted push resumed by
``{type}:{ws}/{name}:{number}`` that sends only the missing parts."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from modelreg import errors
from modelreg.client import Client, PushInterrupted
from tests.servers import Server, small_parts_server
from tests.test_push_resume import PART, Recorder, _stop_after, _tree

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with small_parts_server(tmp_path_factory.mktemp("artifact-sdk-server"), PART) as s:
        yield s


@pytest.fixture
def client(server: Server) -> Iterator[Client]:
    with Client(server.base_url) as c:
        yield c


def test_artifacts_and_versions_and_the_view(client: Client) -> None:
    a = client.create_artifact("tx", "dataset", description="card transactions")
    assert (a["fqn"], a["description"]) == ("dataset:default/tx", "card transactions")
    client.create_artifact("plots", "plot")
    assert client.get_artifact("tx")["id"] == a["id"]
    assert [x["name"] for x in client.list_artifacts()] == ["plots", "tx"]
    assert [x["name"] for x in client.list_artifacts(type="plot")] == ["plots"]
    with pytest.raises(errors.AlreadyExists):
        client.create_artifact("tx", "plot")

    for step in (1, 2, 3):
        v = client.create_artifact_version(
            "tx",
            metadata={"rows": step * 100},
            run_id="run-a" if step < 3 else "run-b",
            step=step,
            tags=["nightly"] if step != 2 else [],
            source={"type": "external", "uri": f"s3://data/tx/{step}"},
        )
        assert v["fqn"] == f"dataset:default/tx:{step}"
    latest = client.get_artifact_version("tx")
    assert (latest["number"], latest["metadata"]) == (3, {"rows": 300})
    assert client.get_artifact_version("tx", 2)["run_id"] == "run-a"
    client.update_artifact_version("tx", 2, description="re-run")
    assert client.get_artifact_version("tx", 2)["description"] == "re-run"

    def fqns(**filters: Any) -> list[str]:
        return [v["fqn"] for v in client.list_artifact_versions(**filters)]

    assert fqns(fqn="dataset:default/tx") == [f"dataset:default/tx:{n}" for n in (3, 2, 1)]
    assert fqns(fqn="dataset:default/tx:latest") == ["dataset:default/tx:3"]
    assert fqns(name="tx", version=2) == ["dataset:default/tx:2"]
    assert fqns(run_ids=["run-a"], types=["dataset"]) == [
        "dataset:default/tx:2",
        "dataset:default/tx:1",
    ]
    assert fqns(run_steps=[1, 3]) == ["dataset:default/tx:3", "dataset:default/tx:1"]
    assert fqns(tag="nightly", workspace="default") == [
        "dataset:default/tx:3",
        "dataset:default/tx:1",
    ]
    assert fqns(artifact_id=a["id"], version="latest") == ["dataset:default/tx:3"]
    # Page by page: the iterator follows offsets up to the total.
    assert fqns(fqn="dataset:default/tx", page_size=1) == fqns(fqn="dataset:default/tx")
    page = client.artifact_versions_page(fqn="dataset:default/tx", offset=1, limit=1)
    assert page["pagination"] == {"total": 3, "offset": 1, "limit": 1}
    assert [v["fqn"] for v in page["data"]] == ["dataset:default/tx:2"]
    full = client.artifact_versions_page(name="tx", version=1, include_internal_metadata=True)
    assert full["data"][0]["manifest"]["metadata"][".status"] == "READY"
    assert "client.pull('dataset:default/tx:1'" in full["data"][0]["usage_code_snippet"]
    with pytest.raises(errors.InvalidArgument):
        client.artifact_versions_page(version="newest")


def test_push_and_pull_an_artifact_by_fqn(client: Client, tmp_path: Path) -> None:
    src = tmp_path / "ds"
    (src / "parts").mkdir(parents=True)
    (src / "schema.json").write_text('{"cols": ["a", "b"]}')
    (src / "parts" / "0.parquet").write_bytes(os.urandom(3 * PART + 5))  # multipart
    v = client.push_artifact(
        src,
        "dataset:default/events",
        description="november",
        metadata={"rows": 12},
        run_id="run-9",
        step=4,
        tags=["nov"],
        source_uri="s3://raw/events",
        multipart_threshold=PART,
    )
    assert (v["fqn"], v["status"], v["metadata"], v["tags"]) == (
        "dataset:default/events:1",
        "READY",
        {"rows": 12},
        ["nov"],
    )
    assert client.get_artifact("events")["type"] == "dataset"
    assert sorted(f["path"] for f in v["files"]) == ["parts/0.parquet", "schema.json"]
    for ref in ("dataset:default/events:1", "dataset:default/events:latest"):
        out = tmp_path / ref.rsplit(":", 1)[1]
        pulled = client.pull(ref, out)
        assert pulled["fqn"] == "dataset:default/events:1"
        assert _tree(out) == _tree(src)

    # The next push is version 2 of the same artifact; a different type is refused.
    assert client.push_artifact(src / "schema.json", "dataset:default/events")["number"] == 2
    with pytest.raises(errors.InvalidArgument, match="is a dataset, not a plot"):
        client.push_artifact(src, "plot:default/events")
    with pytest.raises(errors.InvalidArgument, match="push model versions with push"):
        client.push_artifact(src, "model:default/events")
    with pytest.raises(errors.InvalidArgument, match="version number"):
        client.push_artifact(src, "dataset:default/events:latest")
    with pytest.raises(errors.NotFound):
        client.push_artifact(src, "dataset:default/nope", create_artifact=False)


def test_interrupted_artifact_push_resumes_by_fqn(
    client: Client, server: Server, tmp_path: Path
) -> None:
    src = tmp_path / "big"
    src.mkdir()
    (src / "a.txt").write_text("small")
    (src / "b.bin").write_bytes(os.urandom(12 * PART + 1))
    with pytest.raises(PushInterrupted) as info:
        client.push_artifact(
            src, "artifact:default/blob", multipart_threshold=PART, progress=_stop_after(4 * PART)
        )
    number = info.value.details["version"]
    assert info.value.details["fqn"] == f"artifact:default/blob:{number}"
    assert client.get_artifact_version("blob", number)["status"] == "PENDING_REGISTRATION"
    uploads = f"{server.base_url}/api/v1/artifacts/blob/versions/{number}/uploads"
    (upload,) = httpx.get(uploads, timeout=10).json()["items"]
    before = {p["number"] for p in upload["parts"]}
    assert 1 <= len(before) < 13

    rec = Recorder()
    with httpx.Client(event_hooks={"request": [rec]}, timeout=30) as http:
        v = Client(server.base_url, http=http).push_artifact(
            src, f"artifact:default/blob:{number}", multipart_threshold=PART
        )
    assert v["status"] == "READY"
    assert sorted(rec.part_numbers()) == sorted(set(range(1, 14)) - before)
    assert rec.file_puts() == []
    client.pull(f"artifact:default/blob:{number}", tmp_path / "out")
    assert _tree(tmp_path / "out") == _tree(src)
    with pytest.raises(errors.InvalidArgument, match="leave out tags"):
        client.push_artifact(src, f"artifact:default/blob:{number}", tags=["x"])
