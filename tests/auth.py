"""An app with authentication ON, and helpers to populate it with subjects, tokens and
roles through the HTTP API (the default ``client`` fixture runs with auth off)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from modelreg.api.app import create_app
from modelreg.blobs import LocalBlobStore
from modelreg.config import Settings
from modelreg.services import Services
from modelreg.services.access import RoleAuthorizer
from modelreg.store.db import Database


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@dataclass
class World:
    """A registry with auth on and a bootstrap admin token."""

    client: TestClient
    services: Services
    admin: str

    def call(self, method: str, url: str, token: str | None, **kw: Any) -> Any:
        headers = {**kw.pop("headers", {}), **(bearer(token) if token else {})}
        return self.client.request(method, url, headers=headers, **kw)

    def as_admin(self, method: str, url: str, **kw: Any) -> Any:
        r = self.call(method, url, self.admin, **kw)
        assert r.is_success, r.text
        return r.json() if r.status_code != 204 else None

    def user(self, name: str, kind: str = "user", admin: bool = False) -> None:
        self.as_admin("POST", "/api/v1/users", json={"name": name, "kind": kind, "admin": admin})

    def token(self, subject: str, *scopes: str, **extra: Any) -> str:
        body = {"subject": subject, "scopes": list(scopes or ("models:write",)), **extra}
        secret: str = self.as_admin("POST", "/api/v1/tokens", json=body)["token"]
        return secret

    def grant(self, workspace: str, user: str, role: str) -> None:
        self.as_admin("PUT", f"/api/v1/workspaces/{workspace}/members/{user}", json={"role": role})

    def member(self, name: str, workspace: str, role: str, *scopes: str) -> str:
        """A new user with ``role`` in ``workspace`` and a token with ``scopes``."""
        self.user(name)
        self.grant(workspace, name, role)
        return self.token(name, *scopes)


def make_world(
    db_url: str, tmp_path: Path, admin: str | None = None, **settings: Any
) -> Iterator[World]:
    """An app with auth on over ``db_url``, its blobs in ``tmp_path``. The registry gets its
    bootstrap admin, unless it already has one whose token is ``admin``."""
    svc = Services(
        Database(db_url, pool_size=4),
        authz=RoleAuthorizer(),
        blobs=LocalBlobStore(tmp_path / "blobs"),
    )
    app = create_app(Settings(database_url=db_url, **settings), services=svc)
    if admin is None:
        boot = svc.access.bootstrap()
        assert boot is not None
        admin = boot.secret
    with TestClient(app) as c:
        yield World(c, svc, admin)
    svc.db.dispose()


@pytest.fixture
def world(db_url: str, tmp_path: Path) -> Iterator[World]:
    yield from make_world(db_url, tmp_path)
