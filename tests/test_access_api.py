"""Authentication and authorization over HTTP with auth on: tokens, subjects, roles,
workspace visibility, limits."""

from __future__ import annotations

import hashlib
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from modelreg.store.schema import api_tokens
from tests.auth import World, bearer
from tests.conftest import assert_error

MODELS = "/api/v1/models"


def _model(w: World, ws: str, name: str) -> None:
    prefix = "/api/v1" if ws == "default" else f"/api/v1/workspaces/{ws}"
    w.as_admin("POST", f"{prefix}/models", json={"name": name})
    w.as_admin("POST", f"{prefix}/models/{name}/versions", json={"tags": {"team": ws}})


# --- authentication ----------------------------------------------------------------------


def test_no_token_is_401_everywhere_but_probes_and_docs(world: World) -> None:
    c = world.client
    for path in ("/api/v1/models", "/api/v1/whoami", "/api/v1/no-such-route", "/nope"):
        r = c.get(path)
        assert_error(r, 401, "UNAUTHENTICATED")
        assert r.headers["www-authenticate"].startswith("Bearer")
    for path in ("/healthz", "/readyz", "/openapi.json", "/docs", "/redoc"):
        assert c.get(path).status_code == 200, path
    # Unknown routes are 404 once authenticated.
    assert_error(c.get("/nope", headers=bearer(world.admin)), 404, "NOT_FOUND")


@pytest.mark.parametrize(
    "headers",
    [
        {"Authorization": "Bearer mr_" + "x" * 43},
        {"Authorization": "Bearer nonsense"},
        {"Authorization": "Basic YWRtaW46YWRtaW4="},
        {"Authorization": "Bearer"},
        {"X-Auth-Token": "mr_" + "A" * 43},
        {"X-Auth-Token": ""},
    ],
)
def test_bad_tokens_are_401(world: World, headers: dict[str, str]) -> None:
    assert_error(world.client.get(MODELS, headers=headers), 401, "UNAUTHENTICATED")


def test_bearer_and_x_auth_token_both_work(world: World) -> None:
    for headers in ({"Authorization": f"Bearer {world.admin}"}, {"X-Auth-Token": world.admin}):
        r = world.client.get("/api/v1/whoami", headers=headers)
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["subject"] == "admin"
        assert body["admin"] is True
        assert body["scopes"] == ["admin", "models:read", "models:write"]


def test_token_shape_prefix_and_storage(world: World) -> None:
    world.user("ana")
    r = world.call(
        "POST", "/api/v1/tokens", world.admin, json={"subject": "ana", "scopes": ["models:read"]}
    )
    assert r.status_code == 201, r.text
    body = r.json()
    secret = body["token"]
    assert secret.startswith("mr_")
    assert len(secret) == 46
    assert set(secret[3:]) <= set(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    )
    assert body["prefix"] == secret[:11]
    assert body["scopes"] == ["models:read"]
    assert body["expires_at"] is None
    assert {"id", "token", "prefix", "scopes", "expires_at"} <= set(body)
    # Listings never show the secret; the database holds only its SHA-256.
    listed = world.as_admin("GET", "/api/v1/tokens")
    assert secret not in str(listed)
    assert {t["prefix"] for t in listed["items"]} >= {secret[:11]}
    with world.services.db.read() as conn:
        rows = [tuple(r) for r in conn.execute(select(api_tokens))]
    assert secret not in str(rows)
    hashes = {r.hash for r in _token_rows(world)}
    assert hashlib.sha256(secret.encode()).hexdigest() in hashes


def _token_rows(w: World) -> list[Any]:
    with w.services.db.read() as conn:
        return list(conn.execute(select(api_tokens)))


def test_expired_and_revoked_tokens_are_401(world: World) -> None:
    world.user("bo")
    soon = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    short = world.token("bo", "models:read", expires_at=soon)
    r = world.call("GET", "/api/v1/whoami", short)
    assert r.status_code == 200, r.text
    later = datetime.now(UTC) + timedelta(hours=2)
    world.services.access.clock = lambda: later
    assert_error(world.call("GET", "/api/v1/whoami", short), 401, "UNAUTHENTICATED")
    world.services.access.clock = lambda: datetime.now(UTC)

    kept = world.token("bo", "models:read")
    token_id = world.call("GET", "/api/v1/whoami", kept).json()["token_id"]
    r = world.call("DELETE", f"/api/v1/tokens/{token_id}", kept)  # its own token
    assert r.status_code == 200, r.text
    assert r.json()["revoked_at"] is not None
    assert_error(world.call("GET", "/api/v1/whoami", kept), 401, "UNAUTHENTICATED")
    # Revoking again (as admin) is harmless.
    assert world.call("DELETE", f"/api/v1/tokens/{token_id}", world.admin).status_code == 200


def test_expires_at_in_the_past_is_invalid(world: World) -> None:
    past = (datetime.now(UTC) - timedelta(seconds=1)).isoformat()
    r = world.call(
        "POST", "/api/v1/tokens", world.admin, json={"scopes": ["models:read"], "expires_at": past}
    )
    assert_error(r, 400, "INVALID_ARGUMENT")
    for bad in (
        {"scopes": []},
        {"scopes": ["models:delete"]},
        {"scopes": ["models:read"], "rate_limit": 0},
    ):
        assert_error(
            world.call("POST", "/api/v1/tokens", world.admin, json=bad), 400, "INVALID_ARGUMENT"
        )


def test_tokens_cannot_escalate(world: World) -> None:
    world.user("cy")
    reader = world.token("cy", "models:read")
    r = world.call("POST", "/api/v1/tokens", reader, json={"scopes": ["models:write"]})
    assert_error(r, 403, "PERMISSION_DENIED")
    r = world.call("POST", "/api/v1/tokens", reader, json={"scopes": ["admin"]})
    assert_error(r, 403, "PERMISSION_DENIED")
    r = world.call(
        "POST", "/api/v1/tokens", reader, json={"subject": "admin", "scopes": ["models:read"]}
    )
    assert_error(r, 403, "PERMISSION_DENIED")
    # The same scopes for oneself are fine.
    r = world.call("POST", "/api/v1/tokens", reader, json={"scopes": ["models:read"]})
    assert r.status_code == 201, r.text
    # Admins cannot hand the admin scope to a non-admin either.
    r = world.call(
        "POST", "/api/v1/tokens", world.admin, json={"subject": "cy", "scopes": ["admin"]}
    )
    assert_error(r, 400, "INVALID_ARGUMENT")
    # A non-admin sees only its own tokens and cannot revoke others'.
    listed = world.call("GET", "/api/v1/tokens", reader).json()["items"]
    assert {t["subject"] for t in listed} == {"cy"}
    admin_id = world.call("GET", "/api/v1/whoami", world.admin).json()["token_id"]
    assert_error(world.call("DELETE", f"/api/v1/tokens/{admin_id}", reader), 404, "NOT_FOUND")
    assert world.call("GET", "/api/v1/whoami", world.admin).status_code == 200


# --- subjects ----------------------------------------------------------------------------


def test_users_are_admin_business(world: World) -> None:
    r = world.call(
        "POST", "/api/v1/users", world.admin, json={"name": "svc-ci", "kind": "service_account"}
    )
    assert r.status_code == 201, r.text
    assert r.json()["kind"] == "service_account"
    r = world.call("POST", "/api/v1/users", world.admin, json={"name": "svc-ci"})
    assert_error(r, 409, "ALREADY_EXISTS")
    for bad in ({"name": "../etc"}, {"name": "a b"}, {"name": ""}, {"name": "x", "kind": "robot"}):
        assert_error(
            world.call("POST", "/api/v1/users", world.admin, json=bad), 400, "INVALID_ARGUMENT"
        )
    ci = world.token("svc-ci", "models:write")
    assert world.call("GET", "/api/v1/whoami", ci).json()["kind"] == "service_account"
    assert_error(world.call("GET", "/api/v1/users", ci), 403, "PERMISSION_DENIED")
    assert_error(
        world.call("POST", "/api/v1/users", ci, json={"name": "z"}), 403, "PERMISSION_DENIED"
    )
    names = [u["name"] for u in world.as_admin("GET", "/api/v1/users")["items"]]
    assert names == ["admin", "svc-ci"]


def test_token_subject_must_exist(world: World) -> None:
    r = world.call(
        "POST", "/api/v1/tokens", world.admin, json={"subject": "ghost", "scopes": ["models:read"]}
    )
    assert_error(r, 404, "NOT_FOUND")


# --- roles and visibility ----------------------------------------------------------------


@pytest.fixture
def teams(world: World) -> dict[str, str]:
    """Workspaces a and b with a model each; tokens for several principals."""
    for ws in ("team-a", "team-b"):
        world.as_admin("POST", "/api/v1/workspaces", json={"name": ws})
        _model(world, ws, f"m-{ws}")
    return {
        "viewer": world.member("vic", "team-a", "viewer", "models:read"),
        "editor": world.member("eve", "team-a", "editor", "models:write"),
        "owner": world.member("own", "team-a", "owner", "models:write"),
        "read_only": world.member("rod", "team-a", "owner", "models:read"),
        "other": world.member("oth", "team-b", "editor", "models:write"),
    }


A = "/api/v1/workspaces/team-a"


def test_roles_decide_reads_and_writes(world: World, teams: dict[str, str]) -> None:
    for who in ("viewer", "editor", "owner", "read_only"):
        assert world.call("GET", f"{A}/models/m-team-a", teams[who]).status_code == 200, who
    # Another workspace's editor: the model (and the workspace) do not exist for it.
    assert_error(world.call("GET", f"{A}/models/m-team-a", teams["other"]), 404, "NOT_FOUND")
    assert_error(
        world.call("POST", f"{A}/models", teams["other"], json={"name": "x"}), 404, "NOT_FOUND"
    )
    # Readers may not write.
    for who in ("viewer", "read_only"):
        r = world.call("POST", f"{A}/models", teams[who], json={"name": "x"})
        assert_error(r, 403, "PERMISSION_DENIED")
    r = world.call("POST", f"{A}/models", teams["editor"], json={"name": "x"})
    assert r.status_code == 201, r.text
    assert r.json()["created_by"] == "eve"
    # Only admins create workspaces.
    r = world.call("POST", "/api/v1/workspaces", teams["owner"], json={"name": "new"})
    assert_error(r, 403, "PERMISSION_DENIED")


def test_listings_and_searches_show_only_readable_workspaces(
    world: World, teams: dict[str, str]
) -> None:
    names = [
        w["name"] for w in world.call("GET", "/api/v1/workspaces", teams["editor"]).json()["items"]
    ]
    assert names == ["team-a"]
    page = world.call("GET", "/api/v1/workspaces", teams["other"]).json()
    assert [w["name"] for w in page["items"]] == ["team-b"]
    assert page["total"] == 1
    assert len(world.as_admin("GET", "/api/v1/workspaces")["items"]) == 3
    for path in ("/api/v1/model-versions/search", "/api/v1/models/search"):
        r = world.call(
            "GET", path, teams["editor"], params={"workspace": "*", "include_total": "true"}
        )
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["total"] == len(body["items"]) == 1, body
        r = world.call(
            "POST",
            path,
            teams["editor"],
            json={"workspace": "*", "include_total": True, "filter": "tags.team = 'team-b'"},
        )
        assert r.json()["total"] == 0
        assert_error(
            world.call("GET", path, teams["editor"], params={"workspace": "team-b"}),
            404,
            "NOT_FOUND",
        )
        assert (
            world.as_admin("GET", path, params={"workspace": "*", "include_total": "true"})["total"]
            == 2
        )
    # A version of another workspace, by id, is a plain 404.
    vid = world.as_admin("GET", "/api/v1/workspaces/team-b/models/m-team-b/versions/1")["id"]
    r = world.call("GET", f"/api/v1/model-versions/{vid}", teams["editor"])
    err = assert_error(r, 404, "NOT_FOUND")
    assert "team-b" not in str(err)
    r = world.call(
        "GET", "/api/v1/resolve", teams["editor"], params={"fqn": "model:team-b/m-team-b:1"}
    )
    assert_error(r, 404, "NOT_FOUND")


def test_protected_aliases_need_an_owner(world: World, teams: dict[str, str]) -> None:
    base = f"{A}/models/m-team-a"
    world.as_admin("PUT", f"{base}/aliases/prod", json={"version": 1, "protected": True})
    world.as_admin("POST", f"{base}/versions", json={})
    r = world.call("PUT", f"{base}/aliases/prod", teams["editor"], json={"version": 2})
    assert_error(r, 403, "PERMISSION_DENIED")
    assert_error(
        world.call("DELETE", f"{base}/aliases/prod", teams["editor"]), 403, "PERMISSION_DENIED"
    )
    r = world.call("PUT", f"{base}/aliases/prod", teams["owner"], json={"version": 2})
    assert r.status_code == 200, r.text


def test_members_are_managed_by_owners(world: World, teams: dict[str, str]) -> None:
    world.user("newbie")
    url = f"{A}/members/newbie"
    assert_error(
        world.call("PUT", url, teams["editor"], json={"role": "viewer"}), 403, "PERMISSION_DENIED"
    )
    assert_error(world.call("PUT", url, teams["other"], json={"role": "viewer"}), 404, "NOT_FOUND")
    assert_error(
        world.call("PUT", url, teams["owner"], json={"role": "god"}), 400, "INVALID_ARGUMENT"
    )
    assert_error(
        world.call("PUT", f"{A}/members/ghost", teams["owner"], json={"role": "viewer"}),
        404,
        "NOT_FOUND",
    )
    r = world.call("PUT", url, teams["owner"], json={"role": "viewer"})
    assert r.status_code == 200, r.text
    assert r.json() == {"workspace": "team-a", "user": "newbie", "role": "viewer"}
    newbie = world.token("newbie", "models:write")
    assert world.call("GET", f"{A}/models/m-team-a", newbie).status_code == 200
    members = world.call("GET", f"{A}/members", newbie).json()
    assert {"user": "newbie", "role": "viewer", "workspace": "team-a"} in members
    # Roles change on the next request.
    world.call("PUT", url, teams["owner"], json={"role": "editor"})
    assert world.call("POST", f"{A}/models", newbie, json={"name": "nb"}).status_code == 201
    assert world.call("DELETE", url, teams["owner"]).status_code == 204
    assert_error(world.call("GET", f"{A}/models/m-team-a", newbie), 404, "NOT_FOUND")
    assert_error(world.call("DELETE", url, teams["owner"]), 404, "NOT_FOUND")


# --- limits and secrecy ------------------------------------------------------------------


def test_rate_limit_per_token(world: World) -> None:
    world.user("fast")
    limited = world.token("fast", "models:read", rate_limit=3)
    other = world.token("fast", "models:read")
    codes = [world.call("GET", "/api/v1/whoami", limited).status_code for _ in range(3)]
    assert codes == [200, 200, 200]
    r = world.call("GET", "/api/v1/whoami", limited)
    assert_error(r, 429, "RESOURCE_EXHAUSTED")
    assert int(r.headers["retry-after"]) >= 1
    # Per token: another token of the same user is unaffected.
    assert world.call("GET", "/api/v1/whoami", other).status_code == 200


def test_metadata_bodies_are_limited_but_file_uploads_are_not(world: World) -> None:
    big = {
        "name": "big",
        "description": "x" * 1000,
        "tags": {f"k{i}": "v" * 4000 for i in range(300)},
    }
    r = world.call("POST", MODELS, world.admin, json=big)
    assert_error(r, 413, "PAYLOAD_TOO_LARGE")
    assert world.call("GET", f"{MODELS}/big", world.admin).status_code == 404
    world.as_admin("POST", MODELS, json={"name": "files"})
    world.as_admin("POST", f"{MODELS}/files/versions", json={"status": "PENDING_REGISTRATION"})
    blob = b"\x01" * (3 * 1024 * 1024)
    r = world.call("PUT", f"{MODELS}/files/versions/1/files/w.bin", world.admin, content=blob)
    assert r.status_code == 201, r.text


def test_tokens_never_reach_the_logs(world: World, caplog: pytest.LogCaptureFixture) -> None:
    world.user("quiet")
    secret = world.token("quiet", "models:write")
    with caplog.at_level(logging.DEBUG):
        world.call("GET", "/api/v1/whoami", secret)
        world.call("GET", "/nope", secret)
        world.call("POST", MODELS, secret, json={"name": "q"})
        world.client.get(MODELS, headers={"X-Auth-Token": secret[:-1] + "A"})
        world.call("POST", "/api/v1/tokens", secret, json={"scopes": ["admin"]})
    assert caplog.records, "nothing was logged: the test would prove nothing"
    assert secret not in caplog.text
    assert secret[11:] not in caplog.text


def test_timing_safe_comparison_is_used(world: World, tmp_path: Path) -> None:
    """The lookup is by hash and ends in hmac.compare_digest (see services/access.py);
    here: a token differing only in its last character is refused."""
    world.user("tim")
    secret = world.token("tim", "models:read")
    near = secret[:-1] + ("A" if secret[-1] != "A" else "B")
    assert_error(world.call("GET", "/api/v1/whoami", near), 401, "UNAUTHENTICATED")


# --- hostile input from a caller who may not see the workspace --------------------------

HOSTILE = [
    "/api/v1/workspaces/team-a/models/m-team-a%27%20OR%20%271%27=%271",
    "/api/v1/workspaces/team-a/models/..%2F..%2Fetc%2Fpasswd",
    "/api/v1/workspaces/team-a/models/m-team-a/versions/1/files/..%2F..%2Fsecret",
    "/api/v1/workspaces/team-a%00/models",
    "/api/v1/workspaces/" + "%C3%A9" * 300 + "/models",
    "/api/v1/model-versions/search?workspace=team-a&filter=name%20%3D%20%27x%27%20OR%201%3D1",
    "/api/v1/model-versions/search?workspace=*&filter=name%20LIKE%20%27%25%27%3B%20DROP%20TABLE%20models",
    "/api/v1/resolve?fqn=model:team-a/..%2Fm-team-a:1",
    "/api/v1/workspaces/team-a/members/..%2Fadmin",
    "/api/v1/model-versions/not-a-uuid",
]


@pytest.mark.parametrize("path", HOSTILE)
def test_hostile_requests_are_4xx_and_leak_nothing(
    world: World, teams: dict[str, str], path: str
) -> None:
    r = world.client.get(path, headers=bearer(teams["other"]))
    assert 400 <= r.status_code < 500, r.text
    assert r.json()["error"]["code"] in {"INVALID_ARGUMENT", "NOT_FOUND"}
    # Nothing of team-a beyond what the request itself said: no member, no other model.
    for secret in ("vic", "eve", "own", '"items"'):
        assert secret not in r.text, r.text


def test_bootstrap_promotes_an_existing_admin_user_made_without_auth(
    services: Any, client: Any
) -> None:
    """With auth off anyone may create users; a user named ``admin`` made then becomes
    the admin on the first start with auth, instead of locking the operator out."""
    r = client.post("/api/v1/users", json={"name": "admin"})
    assert r.status_code == 201, r.text
    assert r.json()["admin"] is False
    boot = services.access.bootstrap()
    assert boot is not None
    who = services.access.authenticate(boot.secret)
    assert who.admin
    assert services.access.bootstrap() is None
