"""MLflow's artifact proxy on a real server: raw uploads and listings, and the whole trip of
a pyfunc model (save, upload, register, alias) loaded by ``models:/name@champion`` in a
fresh process."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import mlflow
import mlflow.pyfunc
import pytest
from mlflow import MlflowClient
from mlflow.store.artifact.artifact_repository_registry import get_artifact_repository

from tests.mlflow_server import MlflowServer

pytestmark = pytest.mark.slow

ARTIFACTS = "/api/2.0/mlflow-artifacts/artifacts"

LOAD_AND_PREDICT = """
import json, sys
import mlflow.pyfunc, pandas as pd
model = mlflow.pyfunc.load_model("models:/%s@champion")
print(json.dumps(model.predict(pd.DataFrame({"x": [1, 2, 3]}))["x"].tolist()))
"""


@pytest.fixture
def http(mlflow_modelreg: MlflowServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=mlflow_modelreg.base_url, timeout=30) as c:
        yield c


def test_upload_download_and_list(http: httpx.Client) -> None:
    root = f"raw-{uuid.uuid4().hex[:8]}"
    blob = os.urandom(300_000)
    for path, body in ((f"{root}/a.bin", blob), (f"{root}/sub/b.txt", b"hello")):
        r = http.put(f"{ARTIFACTS}/{path}", content=body)
        assert r.status_code == 200, r.text
    r = http.get(f"{ARTIFACTS}/{root}/a.bin")
    assert r.status_code == 200
    assert r.content == blob
    assert r.headers["etag"] == f'"{hashlib.sha256(blob).hexdigest()}"'

    listing = http.get(ARTIFACTS, params={"path": root}).json()["files"]
    assert listing == [
        {"path": "a.bin", "is_dir": False, "file_size": 300_000},
        {"path": "sub", "is_dir": True},
    ]
    assert http.get(ARTIFACTS, params={"path": f"{root}/sub"}).json()["files"] == [
        {"path": "b.txt", "is_dir": False, "file_size": 5}
    ]
    assert http.get(ARTIFACTS, params={"path": f"{root}/none"}).json() == {"files": []}
    assert {"path": root, "is_dir": True} in http.get(ARTIFACTS).json()["files"]

    # a re-upload replaces the file
    assert http.put(f"{ARTIFACTS}/{root}/sub/b.txt", content=b"bye").status_code == 200
    assert http.get(f"{ARTIFACTS}/{root}/sub/b.txt").content == b"bye"

    r = http.get(f"{ARTIFACTS}/{root}/missing")
    assert (r.status_code, r.json()["error_code"]) == (404, "RESOURCE_DOES_NOT_EXIST")
    r = http.put(f"{ARTIFACTS}/{root}//x", content=b"x")
    assert (r.status_code, r.json()["error_code"]) == (400, "INVALID_PARAMETER_VALUE")
    r = http.get(ARTIFACTS, params={"path": "a//b"})
    assert (r.status_code, r.json()["error_code"]) == (400, "INVALID_PARAMETER_VALUE")


# MLflow warns about predict's type hints whichever way they are written.
@pytest.mark.filterwarnings("ignore::UserWarning")
def test_pyfunc_model_loads_by_alias_in_a_fresh_process(
    mlflow_modelreg: MlflowServer, tmp_path: Path
) -> None:
    url = mlflow_modelreg.base_url
    name = f"doubler-{uuid.uuid4().hex[:8]}"

    class Doubler(mlflow.pyfunc.PythonModel):
        def predict(self, context, model_input, params=None):  # type: ignore[no-untyped-def]
            return model_input * 2

    local = tmp_path / "model"
    mlflow.pyfunc.save_model(str(local), python_model=Doubler())
    source = f"mlflow-artifacts:/models/{name}"
    repo = get_artifact_repository(source, tracking_uri=url)
    repo.log_artifacts(str(local))
    uploaded = {f.path for f in repo.list_artifacts()}
    assert uploaded == {p.name for p in local.iterdir()}
    assert "MLmodel" in uploaded

    version = mlflow.register_model(source, name)
    client = MlflowClient(tracking_uri=url, registry_uri=url)
    client.set_registered_model_alias(name, "champion", version.version)
    assert client.get_model_version_download_uri(name, version.version) == source

    # The uploaded files are the version's files for the native API too (same blobs).
    with httpx.Client(base_url=url, timeout=30) as http:
        native = http.get(f"/api/v1/models/{name}/versions/champion/files").json()["items"]
        assert {f["path"] for f in native} == uploaded
        mlmodel = (local / "MLmodel").read_bytes()
        entry = next(f for f in native if f["path"] == "MLmodel")
        assert entry["sha256"] == hashlib.sha256(mlmodel).hexdigest()
        r = http.get(f"/api/v1/models/{name}/versions/champion/files/MLmodel")
        assert r.content == mlmodel
        assert http.get(f"/api/v1/models/{name}/versions/champion").json()["status"] == "READY"

    env = {**os.environ, "MLFLOW_TRACKING_URI": url}
    done = subprocess.run(
        [sys.executable, "-c", LOAD_AND_PREDICT % name],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == [2, 4, 6]


def test_files_uploaded_natively_download_through_mlflow(
    mlflow_modelreg: MlflowServer, http: httpx.Client, tmp_path: Path
) -> None:
    name = f"native-{uuid.uuid4().hex[:8]}"
    assert http.post("/api/v1/models", json={"name": name}).status_code == 201
    r = http.post(
        f"/api/v1/models/{name}/versions",
        json={"source": "s3://elsewhere/x", "status": "PENDING_REGISTRATION"},
    )
    assert r.status_code == 201, r.text
    files = {"weights.bin": os.urandom(50_000), "sub/config.json": b'{"a": 1}'}
    for path, body in files.items():
        r = http.put(f"/api/v1/models/{name}/versions/1/files/{path}", content=body)
        assert r.status_code == 201, r.text
    assert http.post(f"/api/v1/models/{name}/versions/1/finalize").status_code == 200

    client = MlflowClient(tracking_uri=mlflow_modelreg.base_url)
    uri = client.get_model_version_download_uri(name, "1")
    assert uri.startswith("mlflow-artifacts:/_modelreg/versions/")
    out = mlflow.artifacts.download_artifacts(
        artifact_uri=f"models:/{name}/1",
        dst_path=str(tmp_path),
        tracking_uri=mlflow_modelreg.base_url,
    )
    for path, body in files.items():
        assert (Path(out) / path).read_bytes() == body

    # that folder is read-only
    r = http.put(f"{ARTIFACTS}/{uri.split(':/', 1)[1]}/extra.txt", content=b"x")
    assert (r.status_code, r.json()["error_code"]) == (400, "INVALID_PARAMETER_VALUE")
    r = http.get(f"{ARTIFACTS}/_modelreg/versions/not-a-uuid/x")
    assert (r.status_code, r.json()["error_code"]) == (404, "RESOURCE_DOES_NOT_EXIST")
