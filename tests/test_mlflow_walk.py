"""MLflow's page token is an offset; modelreg's stays a keyset cursor behind the same field.
So the MLflow client walking 10,000+ versions page by page, while another client keeps
creating versions (in the walked models and in new ones that sort in between), sees every
pre-existing version exactly once and never any version twice."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

import pytest
from mlflow import MlflowClient
from sqlalchemy import insert, update
from uuid_utils.compat import uuid7

from modelreg.domain.entities import ANONYMOUS, NewModel
from modelreg.services import Services
from modelreg.store.db import Database
from modelreg.store.schema import models, versions
from tests.mlflow_server import MlflowServer

pytestmark = pytest.mark.slow

MODELS = 10
PER_MODEL = 1_020  # 10,200 versions
PAGE = 1_000
PREFIX = "walk"


def _seed(database_url: str) -> set[tuple[str, str]]:
    """10,200 versions written straight into the server's database, one multi-row INSERT
    per model (through the HTTP API it would take minutes): the (name, version) pairs.
    Numbers are handed out as the service does, by advancing the model's last_number."""
    db = Database(database_url, pool_size=2)
    svc = Services(db)
    now = datetime.now(UTC)
    made: set[tuple[str, str]] = set()
    try:
        for m in range(MODELS):
            name = f"{PREFIX}-{m:02}"
            model = svc.models.create(ANONYMOUS, "default", NewModel(name))
            rows = [
                {
                    "id": uuid7(),
                    "model_id": model.id,
                    "workspace_id": model.workspace_id,
                    "model_name": name,
                    "number": n,
                    "source": f"s3://b/{name}/{n}",
                    "status": "READY",
                    "created_by": "seed",
                    "created_at": now,
                    "updated_at": now,
                    "requirements": [],
                }
                for n in range(1, PER_MODEL + 1)
            ]
            with db.write() as conn:
                conn.execute(insert(versions), rows)
                conn.execute(
                    update(models).where(models.c.id == model.id).values(last_number=PER_MODEL)
                )
            made.update((name, str(n)) for n in range(1, PER_MODEL + 1))
    finally:
        db.dispose()
    return made


class Creator(threading.Thread):
    """Another MLflow client creating versions the whole time the walk runs."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.client = MlflowClient(tracking_uri=url, registry_uri=url)
        self.stop = threading.Event()
        self.created = 0
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            while not self.stop.is_set():
                if self.created % 10 == 0:  # a new model that sorts between walked ones
                    name = f"{PREFIX}-{self.created % MODELS:02}-new-{self.created}"
                    self.client.create_registered_model(name)
                else:
                    name = f"{PREFIX}-{self.created % MODELS:02}"
                self.client.create_model_version(name, "s3://b/new", await_creation_for=0)
                self.created += 1
                time.sleep(0.01)
        except BaseException as exc:
            self.error = exc


def test_walk_of_10k_versions_while_others_are_created(mlflow_modelreg: MlflowServer) -> None:
    existing = _seed(mlflow_modelreg.database_url)
    assert len(existing) == MODELS * PER_MODEL

    url = mlflow_modelreg.base_url
    client = MlflowClient(tracking_uri=url, registry_uri=url)
    creator = Creator(url)
    creator.start()
    seen: list[tuple[str, str]] = []
    token = None
    pages = 0
    try:
        while True:
            page = client.search_model_versions(
                f"name LIKE '{PREFIX}-%'", max_results=PAGE, page_token=token
            )
            pages += 1
            seen += [(v.name, v.version) for v in page]
            token = page.token
            if not token:
                break
            assert len(page) == PAGE
    finally:
        creator.stop.set()
        creator.join(30)
    assert creator.error is None, creator.error
    assert creator.created > 0, "nothing was created during the walk"
    assert len(seen) == len(set(seen)), "a version was served twice"
    missing = existing - set(seen)
    assert not missing, f"{len(missing)} pre-existing versions skipped"
    assert pages > len(existing) // PAGE
