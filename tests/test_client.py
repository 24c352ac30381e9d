"""The Python SDK against a real ``modelreg serve`` (SQLite in a temp data dir)."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path

import httpx
import pytest

import modelreg
from modelreg import errors
from modelreg.client import ChecksumMismatch, Client
from tests.servers import Server, serve

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    workdir = tmp_path_factory.mktemp("sdk-server")
    with serve("--data-dir", str(workdir / "data"), workdir=workdir) as s:
        yield s


@pytest.fixture
def client(server: Server) -> Iterator[Client]:
    with Client(server.base_url) as c:
        yield c


def test_client_is_exported_and_reads_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    assert modelreg.Client is Client
    assert "Client" in modelreg.__all__
    monkeypatch.setenv("MODELREG_CONFIG", str(tmp_path / "no-config.json"))
    monkeypatch.delenv("MODELREG_URL", raising=False)
    monkeypatch.delenv("MODELREG_TOKEN", raising=False)
    with Client() as c:
        assert c.url == "http://127.0.0.1:8080"
        assert c.token is None
    monkeypatch.setenv("MODELREG_URL", "http://example.invalid:9/")
    monkeypatch.setenv("MODELREG_TOKEN", "s3cret")
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"name": "m"})

    with httpx.Client(transport=httpx.MockTransport(handler)) as http:
        c = Client(http=http)
        assert c.url == "http://example.invalid:9"
        assert c.get_model("m") == {"name": "m"}
    assert seen[0].headers["authorization"] == "Bearer s3cret"
    assert str(seen[0].url) == "http://example.invalid:9/api/v1/workspaces/default/models/m"


def test_model_crud_and_paging(client: Client) -> None:
    created = client.create_model("sdk-crud", description="d", tags={"team": "risk"})
    assert created["name"] == "sdk-crud"
    assert client.get_model("sdk-crud")["description"] == "d"
    updated = client.update_model("sdk-crud", description="d2")
    assert updated["description"] == "d2"

    for i in range(7):
        client.create_model(f"sdk-page-{i}")
    names = [m["name"] for m in client.list_models(name="sdk-page", page_size=2)]
    assert names == [f"sdk-page-{i}" for i in range(7)]

    client.delete_model("sdk-crud")
    with pytest.raises(errors.NotFound):
        client.get_model("sdk-crud")


def test_version_crud_search_and_paging(client: Client) -> None:
    client.create_model("sdk-versions", tags={"team": "sdk"})
    for i in range(5):
        v = client.create_version(
            "sdk-versions",
            metrics=[{"key": "auc", "value": 0.8 + i / 100}],
            tags={"i": str(i)},
        )
        assert v["number"] == i + 1
    assert client.get_version("sdk-versions", 3)["tags"]["i"] == "2"
    assert client.get_version("sdk-versions")["number"] == 5  # latest

    v = client.update_version("sdk-versions", 2, description="second")
    assert v["description"] == "second"
    client.delete_version("sdk-versions", 1)
    with pytest.raises(errors.NotFound):
        client.get_version("sdk-versions", 1)

    listed = [v["number"] for v in client.list_versions("sdk-versions", page_size=2)]
    assert sorted(listed) == [2, 3, 4, 5]

    found = client.search_versions(
        "metrics.auc > 0.825", order_by=["metrics.auc DESC"], page_size=1
    )
    assert [(v["model_name"], v["number"]) for v in found] == [
        ("sdk-versions", 5),
        ("sdk-versions", 4),
    ]


def test_aliases_stages_promote_resolve(client: Client) -> None:
    client.create_model("sdk-life")
    for _ in range(2):
        client.create_version("sdk-life")

    client.set_alias("sdk-life", "champion", 1)
    assert client.get_version("sdk-life", "champion")["number"] == 1
    with pytest.raises(errors.FailedPrecondition):
        client.set_alias("sdk-life", "champion", 2, expected_version=2)
    client.set_alias("sdk-life", "champion", 2, expected_version=1)
    assert client.get_version("sdk-life", "champion")["number"] == 2
    client.delete_alias("sdk-life", "champion")
    with pytest.raises(errors.NotFound):
        client.get_version("sdk-life", "champion")

    v = client.transition_stage("sdk-life", 1, "Production", comment="go")
    assert v["stage"] == "Production"

    assert client.resolve("model:default/sdk-life:1")["number"] == 1
    client.create_model("sdk-life-copy")
    promoted = client.promote("sdk-life-copy", "model:default/sdk-life:1")
    assert promoted["model_name"] == "sdk-life-copy"
    assert promoted["number"] == 1


def test_errors_are_typed_with_code_and_request_id(client: Client) -> None:
    with pytest.raises(errors.NotFound) as nf:
        client.get_model("sdk-does-not-exist")
    assert nf.value.code == "NOT_FOUND"
    assert nf.value.status == 404
    assert nf.value.request_id
    assert nf.value.details.get("model") == "sdk-does-not-exist"

    client.create_model("sdk-dupe")
    with pytest.raises(errors.AlreadyExists) as ae:
        client.create_model("sdk-dupe")
    assert ae.value.status == 409
    assert ae.value.request_id

    with pytest.raises(errors.InvalidArgument):
        list(client.search_versions("this is ((( not a filter"))


def test_unknown_codes_and_unreachable_servers() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        body = {"error": {"code": "TEAPOT", "message": "short and stout", "request_id": "r1"}}
        return httpx.Response(418, json=body)

    with (
        httpx.Client(transport=httpx.MockTransport(handler)) as http,
        pytest.raises(errors.RegistryError) as exc,
    ):
        Client("http://x", http=http).get_model("m")
    assert type(exc.value) is errors.RegistryError
    assert (exc.value.status, exc.value.request_id, exc.value.message) == (
        418,
        "r1",
        "short and stout",
    )

    with pytest.raises(errors.Unavailable):
        Client("http://127.0.0.1:9", timeout=2).get_model("m")


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_push_a_folder_and_pull_it_back(client: Client, tmp_path: Path) -> None:
    src = tmp_path / "model"
    (src / "weights" / "deep").mkdir(parents=True)
    (src / "config.json").write_text('{"layers": 3}')
    (src / "weights" / "big.bin").write_bytes(os.urandom(3 * 1024 * 1024 + 17))
    (src / "weights" / "deep" / "empty.txt").write_bytes(b"")
    client.create_model("sdk-push")

    v = client.push(
        src,
        "sdk-push",
        description="pushed",
        metrics={"auc": 0.93},
        params={"lr": 0.01},
        tags={"env": "test"},
        alias="champion",
    )
    assert v["status"] == "READY"
    assert v["aliases"] == ["champion"]
    assert v["params"] == {"lr": "0.01"}
    files = {f["path"]: f for f in client.list_files("sdk-push", v["number"])}
    big = (src / "weights" / "big.bin").read_bytes()
    assert files["weights/big.bin"]["sha256"] == hashlib.sha256(big).hexdigest()

    out = tmp_path / "out"
    pulled = client.pull("sdk-push@champion", out)
    assert pulled["number"] == v["number"]
    assert _tree(out) == _tree(src)

    for ref in ("sdk-push", f"sdk-push:{v['number']}", "model:default/sdk-push:champion"):
        dest = tmp_path / ref.replace("/", "_").replace(":", "_")
        client.pull(ref, dest)
        assert _tree(dest) == _tree(src)

    single = tmp_path / "single.pkl"
    single.write_bytes(b"pickle")
    v2 = client.push(single, "sdk-push")
    assert [f["path"] for f in client.list_files("sdk-push", v2["number"])] == ["single.pkl"]


@pytest.mark.parametrize(
    "ref",
    ["sdk-nope@champion", "sdk-push-refs@nope", "sdk-push-refs:99", "model:default/sdk-nope:1"],
)
def test_pull_of_an_unknown_ref_is_not_found(client: Client, tmp_path: Path, ref: str) -> None:
    with suppress(errors.AlreadyExists):
        client.create_model("sdk-push-refs")
    with pytest.raises(errors.NotFound):
        client.pull(ref, tmp_path / "out")
    assert not any((tmp_path / "out").rglob("*"))


def _fake_server(files: list[dict[str, object]], body: bytes) -> httpx.MockTransport:
    version = {"workspace": "default", "model_name": "m", "number": 1}

    def handler(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path.endswith("/versions/1/files"):
            return httpx.Response(200, json={"items": files})
        if "/files/" in path:
            return httpx.Response(200, content=body)
        return httpx.Response(200, json=version)

    return httpx.MockTransport(handler)


@pytest.mark.parametrize("bad", ["../escape.txt", "/etc/passwd", "a/../../b", "a//b", "a\\..\\b"])
def test_pull_refuses_paths_escaping_dest(tmp_path: Path, bad: str) -> None:
    files: list[dict[str, object]] = [{"path": bad, "size": 1, "sha256": "0" * 64}]
    with (
        httpx.Client(transport=_fake_server(files, b"x")) as http,
        pytest.raises(errors.InvalidArgument),
    ):
        Client("http://fake", http=http).pull("m:1", tmp_path / "out")
    assert not (tmp_path / "escape.txt").exists()
    assert not any((tmp_path / "out").rglob("*"))


def test_pull_checksum_mismatch_leaves_nothing(tmp_path: Path) -> None:
    files: list[dict[str, object]] = [
        {"path": "d/model.bin", "size": 4, "sha256": hashlib.sha256(b"good").hexdigest()}
    ]
    with (
        httpx.Client(transport=_fake_server(files, b"evil")) as http,
        pytest.raises(ChecksumMismatch),
    ):
        Client("http://fake", http=http).pull("m:1", tmp_path / "out")
    assert [p for p in (tmp_path / "out").rglob("*") if p.is_file()] == []


def test_a_failed_push_marks_the_version_failed(client: Client, tmp_path: Path) -> None:
    """The file changes after push hashed it (the first progress call comes before any
    byte is sent): the server refuses the bytes, so the version is failed."""
    src = tmp_path / "model"
    src.mkdir()
    (src / "a.bin").write_bytes(b"real bytes")

    def rewrite(done: int, total: int) -> None:
        (src / "a.bin").write_bytes(b"fake bytes")

    client.create_model("sdk-push-fail")
    with pytest.raises(errors.InvalidArgument, match="checksum mismatch"):
        client.push(src, "sdk-push-fail", alias="champion", progress=rewrite)
    v = client.get_version("sdk-push-fail", 1)
    assert v["status"] == "FAILED_REGISTRATION"
    assert "push failed" in v["status_message"]
    assert v["aliases"] == []
    with pytest.raises(errors.FailedPrecondition):
        client.pull("sdk-push-fail:1", tmp_path / "out")

    with pytest.raises(errors.NotFound):
        client.push(src, "sdk-no-such-model")
