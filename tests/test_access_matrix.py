"""Every route of the app x every kind of caller -> the expected status, and nothing
written on a refusal.

The route list comes from the app itself: a new endpoint without a rule here fails
``test_every_route_has_a_rule``. Each route gets a fresh registry (all on SQLite; a
sample of routes on PostgreSQL too, see ``PG_SAMPLE``).
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, union_all
from sqlalchemy.engine import make_url

from modelreg.api.app import create_app
from modelreg.config import Settings
from modelreg.services import Services
from modelreg.services.access import RoleAuthorizer
from modelreg.store.db import Database
from modelreg.store.schema import metadata
from tests.auth import World, make_world
from tests.databases import PostgresDatabases, SqliteDatabases

OK = "ok"  # a success (2xx/3xx)
DONE = "done"  # anything but a refusal: an earlier caller may have changed the object
REFUSALS = {
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "FAILED_PRECONDITION",
    400: "ALREADY_EXISTS",  # MLflow's status for it: see MLFLOW_CREATE
}
# The MLflow surface answers in MLflow's words.
MLFLOW_CODES = {
    "NOT_FOUND": "RESOURCE_DOES_NOT_EXIST",
    "FAILED_PRECONDITION": "INVALID_STATE",
    "ALREADY_EXISTS": "RESOURCE_ALREADY_EXISTS",
}

# The callers, in the order they are tried: refusals first (they must change nothing),
# then the ones allowed, whose success may change what the next one finds.
CALLERS = ("none", "bad", "expired", "revoked", "read_only", "other_editor", "owner", "admin")
UNAUTHENTICATED = {"none": 401, "bad": 401, "expired": 401, "revoked": 401}

PUBLIC = dict.fromkeys(CALLERS, OK)
READ = {**UNAUTHENTICATED, "read_only": OK, "other_editor": 404, "owner": OK, "admin": OK}
WRITE = {**UNAUTHENTICATED, "read_only": 403, "other_editor": 404, "owner": OK, "admin": DONE}
ADMIN = {**UNAUTHENTICATED, "read_only": 403, "other_editor": 403, "owner": 403, "admin": OK}
ANY_CALLER = {**UNAUTHENTICATED, "read_only": OK, "other_editor": OK, "owner": OK, "admin": OK}
# Revoking the owner's spare token: strangers' tokens are invisible.
OWN_TOKEN = {**UNAUTHENTICATED, "read_only": 404, "other_editor": 404, "owner": OK, "admin": OK}


@dataclass(frozen=True)
class Rule:
    expect: dict[str, str | int]
    json: Any = None
    content: bytes | None = None
    params: dict[str, str] = field(default_factory=dict)
    version: str = "1"  # the {version} path parameter


M = "/models/{name_or_id}"
V = M + "/versions/{version}"
A = "/artifacts/{name_or_id}"
AV = A + "/versions/{version}"
FQN = "model:team-a/m:1"
MLF = "/api/2.0/mlflow"
ART = "/api/2.0/mlflow-artifacts/artifacts"
PART = b"12345"  # the whole of the 5-byte upload each world starts
PART_SHA = "5994471abb01112afcc18159f6cc74b4f511b99806da59b3caf5a9c173cacfc5"
# A presigned part URL needs an S3 store: on local disk an allowed caller gets 409.
SIGNED = {**WRITE, "owner": 409, "admin": 409}
# After the owner made it, MLflow answers the admin's create with 400 RESOURCE_ALREADY_EXISTS.
MLFLOW_CREATE = {**WRITE, "admin": 400}


def _file_rules(version: str) -> dict[str, Rule]:
    """The file, archive and upload routes below a model or an artifact version (one router
    builder each): each world's version 2 is pending, with a file f.bin and one upload
    with its one part sent."""
    u = version + "/uploads/{upload_id}"
    return {
        f"PUT {version}/files/{{path}}": Rule(WRITE, content=b"new bytes", version="2"),
        f"GET {version}/files/{{path}}": Rule(READ, version="2"),
        f"GET {version}/files": Rule(READ, version="2"),
        f"POST {version}/finalize": Rule(WRITE, version="2"),
        f"GET {version}/archive": Rule(READ, version="2"),
        f"POST {version}/uploads": Rule(
            WRITE, json={"path": "u2.bin", "size": 5, "sha256": PART_SHA}, version="2"
        ),
        f"GET {version}/uploads": Rule(READ, version="2"),
        f"GET {u}": Rule(READ, version="2"),
        f"PUT {u}/parts/{{number}}": Rule(WRITE, content=PART, version="2"),
        f"POST {u}/parts/{{number}}/url": Rule(SIGNED, version="2"),
        f"POST {u}/complete": Rule(WRITE, version="2"),
        f"DELETE {u}": Rule(WRITE, version="2"),
    }


# Model routes exist under /api/v1 (default workspace) and /api/v1/workspaces/{ws}; their
# rules are written once, for the path after the workspace.
RULES: dict[str, Rule] = {
    "GET /healthz": Rule(PUBLIC),
    "GET /readyz": Rule(PUBLIC),
    "GET /api/v1/whoami": Rule(ANY_CALLER),
    "POST /api/v1/users": Rule(ADMIN, json={"name": "zed"}),
    "GET /api/v1/users": Rule(ADMIN),
    "GET /api/v1/workspaces/{ws}/members": Rule(READ),
    "PUT /api/v1/workspaces/{ws}/members/{user}": Rule(WRITE, json={"role": "editor"}),
    "DELETE /api/v1/workspaces/{ws}/members/{user}": Rule(WRITE),
    "POST /api/v1/tokens": Rule(ANY_CALLER, json={"scopes": ["models:read"]}),
    "GET /api/v1/tokens": Rule(ANY_CALLER),
    "DELETE /api/v1/tokens/{token_id}": Rule(OWN_TOKEN),
    "POST /api/v1/workspaces": Rule(ADMIN, json={"name": "new-ws"}),
    "GET /api/v1/workspaces": Rule(ANY_CALLER),
    "GET /api/v1/audit": Rule(ADMIN),  # owners may read their workspace's: test_access_audit
    # Searches default to the default workspace.
    "GET /api/v1/model-versions/search": Rule(READ),
    "POST /api/v1/model-versions/search": Rule(READ, json={}),
    "GET /api/v1/models/search": Rule(READ),
    "POST /api/v1/models/search": Rule(READ, json={}),
    "GET /api/v1/model-versions/{version_id}/lineage": Rule(READ),
    "GET /api/v1/model-versions/{version_id}": Rule(READ),
    "GET /api/v1/resolve": Rule(READ, params={"fqn": "model:team-a/m:1"}),
    "POST /models": Rule(WRITE, json={"name": "m2"}),
    "GET /models": Rule(READ),
    f"GET {M}": Rule(READ),
    f"PATCH {M}": Rule(WRITE, json={"description": "d"}),
    f"DELETE {M}": Rule(WRITE),
    f"POST {M}/versions": Rule(WRITE, json={}),
    f"GET {M}/versions": Rule(READ),
    f"GET {V}": Rule(READ),
    f"PATCH {V}": Rule(WRITE, json={"description": "d"}),
    f"DELETE {V}": Rule(WRITE),
    f"POST {V}/stage": Rule(WRITE, json={"stage": "Staging"}),
    f"GET {V}/transitions": Rule(READ),
    f"PUT {M}/aliases/{{alias}}": Rule(WRITE, json={"version": 1}),
    f"DELETE {M}/aliases/{{alias}}": Rule(WRITE),
    f"GET {M}/aliases/{{alias}}": Rule(READ),
    f"GET {M}/aliases": Rule(READ),
    f"GET {M}/aliases/{{alias}}/history": Rule(READ),
    f"GET {M}/tags": Rule(READ),
    f"PUT {M}/tags/{{key}}": Rule(WRITE, json={"value": "v2"}),
    f"DELETE {M}/tags/{{key}}": Rule(WRITE),
    f"GET {V}/tags": Rule(READ),
    f"PUT {V}/tags/{{key}}": Rule(WRITE, json={"value": "v2"}),
    f"DELETE {V}/tags/{{key}}": Rule(WRITE),
    f"POST {M}/versions:promote": Rule(WRITE, json={"source": FQN}),
    **_file_rules(V),
    "POST /api/v1/admin/gc": Rule(ADMIN, json={"dry_run": True}),
    # Generic artifacts: an artifact "m" (a dataset) beside the model "m" in each workspace.
    "POST /artifacts": Rule(WRITE, json={"name": "a2", "type": "dataset"}),
    "GET /artifacts": Rule(READ),
    f"GET {A}": Rule(READ),
    f"DELETE {A}": Rule(WRITE),
    f"POST {A}/versions": Rule(WRITE, json={}),
    f"GET {A}/versions": Rule(READ),
    f"GET {AV}": Rule(READ),
    f"PATCH {AV}": Rule(WRITE, json={"description": "d"}),
    f"DELETE {AV}": Rule(WRITE),
    **_file_rules(AV),
    # The view spans what the caller may read: a stranger sees an empty page, not a 404.
    "GET /api/v1/artifact-versions": Rule(ANY_CALLER),
    "GET /api/v1/artifact-versions/{version_id}": Rule(READ),
    # The MLflow surface works on the default workspace.
    f"POST {MLF}/registered-models/create": Rule(MLFLOW_CREATE, json={"name": "m2"}),
    f"GET {MLF}/registered-models/get": Rule(READ, params={"name": "m"}),
    f"POST {MLF}/registered-models/rename": Rule(WRITE, json={"name": "m", "new_name": "m3"}),
    f"PATCH {MLF}/registered-models/update": Rule(WRITE, json={"name": "m", "description": "d"}),
    f"DELETE {MLF}/registered-models/delete": Rule(WRITE, json={"name": "m"}),
    f"GET {MLF}/registered-models/search": Rule(READ),
    f"GET {MLF}/registered-models/get-latest-versions": Rule(READ, params={"name": "m"}),
    f"POST {MLF}/registered-models/get-latest-versions": Rule(READ, json={"name": "m"}),
    f"POST {MLF}/registered-models/set-tag": Rule(
        WRITE, json={"name": "m", "key": "k", "value": "v2"}
    ),
    f"DELETE {MLF}/registered-models/delete-tag": Rule(WRITE, json={"name": "m", "key": "k"}),
    f"POST {MLF}/registered-models/alias": Rule(
        WRITE, json={"name": "m", "alias": "champion", "version": "1"}
    ),
    f"DELETE {MLF}/registered-models/alias": Rule(WRITE, json={"name": "m", "alias": "champion"}),
    f"GET {MLF}/registered-models/alias": Rule(READ, params={"name": "m", "alias": "champion"}),
    f"POST {MLF}/model-versions/create": Rule(WRITE, json={"name": "m", "source": "s3://b/k"}),
    f"GET {MLF}/model-versions/get": Rule(READ, params={"name": "m", "version": "1"}),
    f"PATCH {MLF}/model-versions/update": Rule(
        WRITE, json={"name": "m", "version": "1", "description": "d"}
    ),
    f"DELETE {MLF}/model-versions/delete": Rule(WRITE, json={"name": "m", "version": "1"}),
    f"GET {MLF}/model-versions/search": Rule(READ),
    f"POST {MLF}/model-versions/transition-stage": Rule(
        WRITE,
        json={"name": "m", "version": "1", "stage": "Staging", "archive_existing_versions": False},
    ),
    f"POST {MLF}/model-versions/set-tag": Rule(
        WRITE, json={"name": "m", "version": "1", "key": "k", "value": "v2"}
    ),
    f"DELETE {MLF}/model-versions/delete-tag": Rule(
        WRITE, json={"name": "m", "version": "1", "key": "k"}
    ),
    f"GET {MLF}/model-versions/get-download-uri": Rule(READ, params={"name": "m", "version": "1"}),
    "GET /api/3.0/mlflow/server-info": Rule(ANY_CALLER),
    f"GET {ART}": Rule(READ),
    f"GET {ART}/{{path}}": Rule(READ),
    f"PUT {ART}/{{path}}": Rule(WRITE, content=b"new bytes"),
}

PG_SAMPLE = (
    "GET /api/v1/workspaces/{ws}/models/{name_or_id}",
    "POST /api/v1/workspaces/{ws}/models",
    "DELETE /api/v1/models/{name_or_id}",
    "GET /api/v1/model-versions/search",
    "POST /api/v1/users",
    "PUT /api/v1/workspaces/{ws}/members/{user}",
)


def rule_key(method: str, path: str) -> str:
    for kind in ("models", "artifacts"):
        for prefix in (f"/api/v1/workspaces/{{ws}}/{kind}", f"/api/v1/{kind}"):
            if path.startswith(prefix) and not path.startswith(f"/api/v1/{kind}/search"):
                return f"{method} /{kind}{path[len(prefix) :]}"
    return f"{method} {path}"


def _routes() -> list[tuple[str, str]]:
    """Every (method, path) the app documents, from an app over a throwaway database."""
    root = Path(__import__("tempfile").mkdtemp(prefix="modelreg-matrix-"))
    url = SqliteDatabases(root).new()
    svc = Services(Database(url, pool_size=1), authz=RoleAuthorizer())
    try:
        spec = create_app(Settings(database_url=url), services=svc).openapi()
    finally:
        svc.db.dispose()
    return [(m.upper(), p) for p, ops in spec["paths"].items() for m in ops]


ROUTES = _routes()


def test_every_route_has_a_rule() -> None:
    missing = sorted({rule_key(m, p) for m, p in ROUTES} - set(RULES))
    assert not missing, f"routes without an access rule in {__file__}: {missing}"
    assert len(ROUTES) > 70


# --- the world every route is tried in ---------------------------------------------------


@dataclass
class Setup:
    world: World
    tokens: dict[str, str | None]
    version_id: str
    spare_token_id: str
    upload_ids: dict[tuple[str, str], str]  # ("models" or "artifacts", workspace) ->


def _populate(w: World) -> Setup:
    upload_ids: dict[tuple[str, str], str] = {}
    w.as_admin("POST", "/api/v1/workspaces", json={"name": "team-a"})
    w.as_admin("POST", "/api/v1/workspaces", json={"name": "team-b"})
    for ws in ("default", "team-a", "team-b"):
        base = "/api/v1" if ws == "default" else f"/api/v1/workspaces/{ws}"
        w.as_admin("POST", f"{base}/models", json={"name": "m", "tags": {"k": "v"}})
        w.as_admin("POST", f"{base}/models/m/versions", json={"tags": {"k": "v"}})
        w.as_admin("PUT", f"{base}/models/m/aliases/champion", json={"version": 1})
        w.as_admin("POST", f"{base}/models/m/versions", json={"status": "PENDING_REGISTRATION"})
        w.as_admin("PUT", f"{base}/models/m/versions/2/files/f.bin", content=b"bytes")
        w.as_admin("POST", f"{base}/artifacts", json={"name": "m", "type": "dataset"})
        w.as_admin("POST", f"{base}/artifacts/m/versions", json={})
        w.as_admin("POST", f"{base}/artifacts/m/versions", json={"status": "PENDING_REGISTRATION"})
        w.as_admin("PUT", f"{base}/artifacts/m/versions/2/files/f.bin", content=b"bytes")
        up = {"path": "u.bin", "size": len(PART), "sha256": PART_SHA}
        for kind in ("models", "artifacts"):
            uploads = f"{base}/{kind}/m/versions/2/uploads"
            upload_id = w.as_admin("POST", uploads, json=up)["upload_id"]
            w.as_admin("PUT", f"{uploads}/{upload_id}/parts/1", content=PART)
            upload_ids[kind, ws] = upload_id
    w.as_admin("PUT", "/api/2.0/mlflow-artifacts/artifacts/f.bin", content=b"bytes")
    for name in ("rod", "own", "oth", "newbie"):
        w.user(name)
    for ws in ("default", "team-a"):
        w.grant(ws, "rod", "owner")
        w.grant(ws, "own", "owner")
        w.grant(ws, "newbie", "viewer")
    w.grant("team-b", "oth", "editor")
    services = w.services
    # A token that has expired: issued while the clock said it was two days ago.
    past = datetime.now(UTC) - timedelta(days=2)
    services.access.clock = lambda: past
    expired = w.token("own", "models:write", expires_at=(past + timedelta(days=1)).isoformat())
    services.access.clock = lambda: datetime.now(UTC)
    revoked = w.token("own", "models:write")
    rid = w.call("GET", "/api/v1/whoami", revoked).json()["token_id"]
    w.as_admin("DELETE", f"/api/v1/tokens/{rid}")
    spare = w.token("own", "models:read")
    spare_id = w.call("GET", "/api/v1/whoami", spare).json()["token_id"]
    tokens: dict[str, str | None] = {
        "none": None,
        "bad": "mr_" + "0" * 43,
        "expired": expired,
        "revoked": revoked,
        "read_only": w.token("rod", "models:read"),
        "other_editor": w.token("oth", "models:write"),
        "owner": w.token("own", "models:write"),
        "admin": w.admin,
    }
    vid = w.as_admin("GET", "/api/v1/workspaces/team-a/models/m/versions/1")["id"]
    return Setup(w, tokens, vid, spare_id, upload_ids)


def _row_counts(w: World) -> dict[str, int]:
    tables = list(metadata.sorted_tables)
    stmt = union_all(*(select(func.count()).select_from(t) for t in tables))
    with w.services.db.read() as conn:
        counts = [row[0] for row in conn.execute(stmt)]
    return {t.name: n for t, n in zip(tables, counts, strict=True)}


def _url(method: str, path: str, rule: Rule, s: Setup) -> str:
    ws = "team-a" if "{ws}" in path else "default"
    return path.format(
        ws=ws,
        name_or_id="m",
        version=rule.version,
        alias="champion",
        key="k",
        path="g.bin" if method == "PUT" else "f.bin",  # upload a new file, read the old
        version_id=s.version_id,
        user="newbie",
        token_id=s.spare_token_id,
        upload_id=s.upload_ids["artifacts" if "/artifacts/{" in path else "models", ws],
        number=1,
    )


def check_route(s: Setup, method: str, path: str) -> None:
    rule = RULES[rule_key(method, path)]
    url = _url(method, path, rule, s)
    params = {k: v.format(ws="team-a") for k, v in rule.params.items()}
    for who in CALLERS:
        expected = rule.expect[who]
        before = _row_counts(s.world) if isinstance(expected, int) else None
        r = s.world.call(
            method, url, s.tokens[who], json=rule.json, content=rule.content, params=params
        )
        where = f"{method} {url} as {who}: {r.status_code} {r.text[:300]}"
        if expected == OK:
            assert r.status_code < 400, where
        elif expected == DONE:
            assert r.status_code < 400 or r.status_code in (404, 409), where
            if r.status_code == 404:
                # ... but never the 404 that hides a workspace.
                body = r.json()
                message = body["message"] if "error_code" in body else body["error"]["message"]
                assert not message.startswith("workspace "), where
        else:
            assert r.status_code == expected, where
            code = REFUSALS[int(expected)]
            body = r.json()
            if "error_code" in body:  # the MLflow surface
                assert body["error_code"] == MLFLOW_CODES.get(code, code), where
            else:
                assert body["error"]["code"] == code, where
            assert _row_counts(s.world) == before, f"{where}: a refusal wrote something"


@dataclass(frozen=True)
class Populated:
    """The registry ``_populate`` builds, kept once: its database file, its blobs, and the
    tokens and ids it handed out."""

    db: Path
    blobs: Path
    admin: str
    tokens: dict[str, str | None]
    version_id: str
    spare_token_id: str
    upload_ids: dict[str, str]


@pytest.fixture(scope="module")
def populated(
    sqlite_dbs: SqliteDatabases, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Populated]:
    """Populated through the API once per module (some 60 requests); each test gets a copy."""
    root = tmp_path_factory.mktemp("matrix")
    url = sqlite_dbs.new()
    for w in make_world(url, root):
        s = _populate(w)
    yield Populated(
        Path(make_url(url).database or ""),
        root / "blobs",
        s.world.admin,
        s.tokens,
        s.version_id,
        s.spare_token_id,
        s.upload_ids,
    )
    sqlite_dbs.drop(url)


@pytest.fixture
def fresh_sqlite(populated: Populated, tmp_path: Path) -> Iterator[Setup]:
    """A registry of the test's own, exactly as ``_populate`` leaves it: a copy of the
    populated database (SQLite's backup, consistent whatever its WAL holds) and blobs."""
    db = tmp_path / "registry.db"
    with closing(sqlite3.connect(populated.db)) as src, closing(sqlite3.connect(db)) as dst:
        src.backup(dst)
    shutil.copytree(populated.blobs, tmp_path / "blobs")
    for w in make_world(f"sqlite:///{db}", tmp_path, admin=populated.admin):
        p = populated
        yield Setup(w, dict(p.tokens), p.version_id, p.spare_token_id, dict(p.upload_ids))


@pytest.mark.parametrize(("method", "path"), ROUTES, ids=[f"{m} {p}" for m, p in ROUTES])
def test_route_answers_each_caller_as_its_rule_says(
    fresh_sqlite: Setup, method: str, path: str
) -> None:
    check_route(fresh_sqlite, method, path)


@pytest.mark.pg
@pytest.mark.parametrize("route", PG_SAMPLE)
def test_route_matrix_on_postgresql(pg_dbs: PostgresDatabases, tmp_path: Path, route: str) -> None:
    method, path = route.split(" ", 1)
    url = pg_dbs.new()
    for w in make_world(url, tmp_path):
        check_route(_populate(w), method, path)
