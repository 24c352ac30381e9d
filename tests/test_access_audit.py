"""The audit log: every mutation leaves one event, written in its own transaction, and
``GET /api/v1/audit`` shows it to admins and to the workspace's owners."""

from __future__ import annotations

from typing import Any

from tests.auth import World
from tests.conftest import assert_error

AUDIT = "/api/v1/audit"


def _events(w: World, token: str | None = None, **params: Any) -> list[dict[str, Any]]:
    """Every matching event, newest first, walking the cursor pages."""
    out: list[dict[str, Any]] = []
    query: dict[str, Any] = {"size": 2, **params}
    while True:
        r = w.call("GET", AUDIT, token or w.admin, params=query)
        assert r.status_code == 200, r.text
        body = r.json()
        out.extend(body["items"])
        if not body["next_page_token"]:
            return out
        query = {"size": 2, "page_token": body["next_page_token"], **params}


def test_mutations_are_audited_with_who_what_and_request_id(world: World) -> None:
    r = world.call("POST", "/api/v1/models", world.admin, json={"name": "fraud"})
    created_rid = r.headers["x-request-id"]
    r = world.call(
        "PATCH",
        "/api/v1/models/fraud",
        world.admin,
        json={"description": "new"},
        headers={"X-Request-ID": "patch-1"},
    )
    assert r.status_code == 200, r.text
    world.as_admin("POST", "/api/v1/models/fraud/versions", json={})
    world.as_admin("PUT", "/api/v1/models/fraud/aliases/champion", json={"version": 1})
    world.as_admin("DELETE", "/api/v1/models/fraud")

    events = _events(world, workspace="default")
    actions = [e["action"] for e in events]
    assert actions == [
        "model.delete",
        "alias.set",
        "version.create",
        "model.update",
        "model.create",
    ]
    assert {e["actor"] for e in events} == {"admin"}
    create, patch = events[-1], events[-2]
    assert create["request_id"] == created_rid
    assert create["object"] == "default/fraud"
    assert create["object_type"] == "model"
    assert patch["request_id"] == "patch-1"
    assert patch["before"] == {"description": None}
    assert patch["after"] == {"description": "new"}
    assert events[1]["after"] == {"version": 1, "protected": False}
    assert events[2]["object"] == "default/fraud/1"
    # Filters.
    assert [e["action"] for e in _events(world, action="model.update")] == ["model.update"]
    assert len(_events(world, actor="nobody")) == 0
    assert_error(
        world.call("GET", AUDIT, world.admin, params={"since": "yesterday"}),
        400,
        "INVALID_ARGUMENT",
    )


def test_failed_mutations_leave_no_event(world: World) -> None:
    world.as_admin("POST", "/api/v1/models", json={"name": "dup"})
    before = len(_events(world))
    r = world.call("POST", "/api/v1/models", world.admin, json={"name": "dup"})
    assert_error(r, 409, "ALREADY_EXISTS")
    r = world.call("PATCH", "/api/v1/models/dup/versions/9", world.admin, json={"description": "x"})
    assert_error(r, 404, "NOT_FOUND")
    assert len(_events(world)) == before


def test_owners_read_their_workspace_and_admins_everything(world: World) -> None:
    for ws in ("team-a", "team-b"):
        world.as_admin("POST", "/api/v1/workspaces", json={"name": ws})
        world.as_admin("POST", f"/api/v1/workspaces/{ws}/models", json={"name": f"m-{ws}"})
    owner = world.member("olga", "team-a", "owner", "models:write")
    editor = world.member("ed", "team-a", "editor", "models:write")
    world.call("POST", "/api/v1/workspaces/team-a/models", editor, json={"name": "by-ed"})

    mine = _events(world, owner, workspace="team-a")
    assert {e["workspace"] for e in mine} == {"team-a"}
    assert [e["object"] for e in mine if e["action"] == "model.create"] == [
        "team-a/by-ed",
        "team-a/m-team-a",
    ]
    assert any(e["action"] == "member.set" and e["object"] == "team-a/ed" for e in mine)
    assert_error(world.call("GET", AUDIT, owner), 403, "PERMISSION_DENIED")
    assert_error(world.call("GET", AUDIT, owner, params={"workspace": "team-b"}), 404, "NOT_FOUND")
    assert_error(
        world.call("GET", AUDIT, editor, params={"workspace": "team-a"}), 403, "PERMISSION_DENIED"
    )
    everything = _events(world)
    assert {"team-a", "team-b", None} <= {e["workspace"] for e in everything}
    # Token and user administration is audited too, without any secret.
    kinds = {e["action"] for e in everything}
    assert {"subject.bootstrap", "subject.create", "token.create", "workspace.create"} <= kinds
    assert owner not in str(everything)


def test_artifact_upload_and_mlflow_mutations_are_audited(world: World) -> None:
    sha = "5994471abb01112afcc18159f6cc74b4f511b99806da59b3caf5a9c173cacfc5"  # of b"12345"
    world.as_admin("POST", "/api/v1/artifacts", json={"name": "tx", "type": "dataset"})
    world.as_admin("POST", "/api/v1/artifacts/tx/versions", json={"status": "PENDING_REGISTRATION"})
    world.as_admin("PUT", "/api/v1/artifacts/tx/versions/1/files/a.csv", content=b"a,b")
    world.as_admin("POST", "/api/v1/artifacts/tx/versions/1/finalize")
    world.as_admin("POST", "/api/v1/models", json={"name": "m"})
    world.as_admin("POST", "/api/v1/models/m/versions", json={"status": "PENDING_REGISTRATION"})
    up = world.as_admin(
        "POST", "/api/v1/models/m/versions/1/uploads", json={"path": "u", "size": 5, "sha256": sha}
    )
    world.as_admin("DELETE", f"/api/v1/models/m/versions/1/uploads/{up['upload_id']}")
    world.as_admin("PUT", "/api/2.0/mlflow-artifacts/artifacts/run/model.pkl", content=b"x")
    world.as_admin("DELETE", "/api/v1/artifacts/tx")
    actions = [e["action"] for e in _events(world)]
    for expected in (
        "artifact.create",
        "artifact_version.create",
        "file.upload",
        "artifact_version.finalize",
        "upload.start",
        "upload.abort",
        "mlflow_artifact.put",
        "artifact.delete",
    ):
        assert expected in actions, (expected, actions)
