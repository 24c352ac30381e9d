"""Small HTTP helpers the artifact tests share (they go through the real app)."""

from __future__ import annotations

import hashlib
from typing import Any

from fastapi.testclient import TestClient

API = "/api/v1"
WS = f"{API}/workspaces"
VIEW = f"{API}/artifact-versions"


def ok(r: Any, status: int = 200) -> Any:
    assert r.status_code == status, r.text
    return None if status == 204 else r.json()


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def workspace(client: TestClient, name: str) -> dict[str, Any]:
    """Create the workspace unless it exists; it as the API shows it."""
    r = client.post(WS, json={"name": name})
    if r.status_code == 201:
        out: dict[str, Any] = r.json()
        return out
    assert r.status_code == 409, r.text
    listed = ok(client.get(WS, params={"size": 1000}))["items"]
    found: dict[str, Any] = next(w for w in listed if w["name"] == name)
    return found


def base(ws: str | None) -> str:
    """The URL prefix of a workspace (None: the default-workspace routes)."""
    return API if ws is None else f"{WS}/{ws}"


def artifact(
    client: TestClient, name: str, type: str = "dataset", ws: str | None = None, **body: Any
) -> dict[str, Any]:
    if ws is not None:
        workspace(client, ws)
    out: dict[str, Any] = ok(
        client.post(f"{base(ws)}/artifacts", json={"name": name, "type": type, **body}), 201
    )
    return out


def version(client: TestClient, name: str, ws: str | None = None, **body: Any) -> dict[str, Any]:
    out: dict[str, Any] = ok(client.post(f"{base(ws)}/artifacts/{name}/versions", json=body), 201)
    return out


def model_version(
    client: TestClient, name: str, ws: str | None = None, **body: Any
) -> dict[str, Any]:
    """A model version (the model is created on first use)."""
    if ws is not None:
        workspace(client, ws)
    if client.get(f"{base(ws)}/models/{name}").status_code == 404:
        ok(client.post(f"{base(ws)}/models", json={"name": name}), 201)
    out: dict[str, Any] = ok(client.post(f"{base(ws)}/models/{name}/versions", json=body), 201)
    return out


def view(client: TestClient, **params: Any) -> dict[str, Any]:
    out: dict[str, Any] = ok(client.get(VIEW, params=params))
    assert set(out) == {"data", "pagination"}
    return out


def fqns(client: TestClient, **params: Any) -> list[str]:
    return [v["fqn"] for v in view(client, **params)["data"]]
