"""Schemathesis over /openapi.json, in process, with authentication on and an admin
token: a bounded number of generated requests per operation; no 5xx, and every answer
matches the documented status codes and schemas."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from modelreg.api.app import create_app
from modelreg.blobs import LocalBlobStore
from modelreg.config import Settings
from modelreg.services import Services
from modelreg.services.access import RoleAuthorizer
from modelreg.store.db import Database
from tests.databases import SqliteDatabases

MAX_EXAMPLES = 8


def _app_and_token() -> tuple[object, str]:
    root = Path(tempfile.mkdtemp(prefix="modelreg-schemathesis-"))
    url = SqliteDatabases(root).new()
    svc = Services(
        Database(url, pool_size=2), authz=RoleAuthorizer(), blobs=LocalBlobStore(root / "blobs")
    )
    boot = svc.access.bootstrap()
    assert boot is not None
    return create_app(Settings(database_url=url), services=svc), boot.secret


APP, TOKEN = _app_and_token()
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)

CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.response_schema_conformance,
    schemathesis.checks.content_type_conformance,
]


@pytest.mark.slow
@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_api_holds_its_contract(case: schemathesis.Case) -> None:
    case.call_and_validate(headers={"Authorization": f"Bearer {TOKEN}"}, checks=CHECKS)
