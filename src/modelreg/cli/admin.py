"""``modelreg token|user|workspace``: administration over the HTTP API, and the first-start
bootstrap of ``modelreg serve`` (an admin and its token, saved to the CLI config).

The commands find the server and token in ``--url`` / ``--token``, then ``MODELREG_URL`` /
``MODELREG_TOKEN``, then the CLI config file that ``modelreg serve`` writes.
"""

from __future__ import annotations

import ipaddress
import json
import os
from typing import Annotated, Any

import httpx
import typer

from modelreg.client.config import CliConfig, load_cli_config, save_cli_config

token_app = typer.Typer(help="API tokens: create, list, revoke.", no_args_is_help=True)
user_app = typer.Typer(help="Users and service accounts (admins).", no_args_is_help=True)
workspace_app = typer.Typer(help="Workspaces and their members.", no_args_is_help=True)

Url = Annotated[str | None, typer.Option("--url", help="Server URL [env MODELREG_URL]")]
Token = Annotated[
    str | None, typer.Option("--token", help="API token [env MODELREG_TOKEN]", show_default=False)
]
Json = Annotated[bool, typer.Option("--json", help="Print the raw JSON answer.")]


def register(app: typer.Typer) -> None:
    """Add the admin command groups to the ``modelreg`` app."""
    app.add_typer(token_app, name="token")
    app.add_typer(user_app, name="user")
    app.add_typer(workspace_app, name="workspace")


# --- serve: loopback check and first-start bootstrap --------------------------------------


def is_loopback(host: str) -> bool:
    """True for names and addresses that only this machine can reach."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def bootstrap_admin(database_url: str, host: str, port: int) -> None:
    """On a registry without an admin: create one with a token, print the token once and
    save it (with the server's URL) to the CLI config, mode 0600."""
    from modelreg.query.paging import CursorCodec
    from modelreg.services.access import AccessService, RoleAuthorizer
    from modelreg.store.db import Database

    db = Database(database_url, pool_size=1)
    try:
        new = AccessService(db, CursorCodec(db.shared_secret()), RoleAuthorizer()).bootstrap()
    finally:
        db.dispose()
    if new is None:
        return
    local = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    url = f"http://[{local}]:{port}" if ":" in local else f"http://{local}:{port}"
    path = save_cli_config(CliConfig(url=url, token=new.secret))
    typer.echo(f"admin token: {new.secret}")
    typer.echo(f"(shown once; saved with the server URL to {path})")


# --- the HTTP plumbing ---------------------------------------------------------------------


def _call(method: str, path: str, url: str | None, token: str | None, body: Any = None) -> Any:
    saved = load_cli_config()
    base = (url or os.environ.get("MODELREG_URL") or saved.url or "http://127.0.0.1:8080").rstrip(
        "/"
    )
    secret = token or os.environ.get("MODELREG_TOKEN") or saved.token
    headers = {"Authorization": f"Bearer {secret}"} if secret else {}
    try:
        r = httpx.request(method, base + path, json=body, headers=headers, timeout=30)
    except httpx.TransportError as exc:
        typer.echo(f"error: cannot reach {base}: {exc}", err=True)
        raise typer.Exit(1) from None
    if r.status_code == 204:
        return None
    try:
        data = r.json()
    except ValueError:
        data = {"error": {"code": str(r.status_code), "message": r.text[:500]}}
    if not r.is_success:
        err = data.get("error", {}) if isinstance(data, dict) else {}
        typer.echo(f"error: {err.get('code', r.status_code)}: {err.get('message', '')}", err=True)
        raise typer.Exit(1)
    return data


def _print(data: Any, as_json: bool, lines: list[str]) -> None:
    if as_json:
        typer.echo(json.dumps(data, indent=2))
    else:
        for line in lines:
            typer.echo(line)


# --- token ---------------------------------------------------------------------------------


@token_app.command("create")
def token_create(
    scope: Annotated[
        list[str], typer.Option("--scope", help="models:read, models:write or admin; repeat.")
    ],
    subject: Annotated[
        str | None, typer.Option(help="For this user or service account (admins).")
    ] = None,
    expires_at: Annotated[str | None, typer.Option(help="ISO-8601 with offset.")] = None,
    rate_limit: Annotated[int | None, typer.Option(help="Requests per minute.")] = None,
    url: Url = None,
    token: Token = None,
    as_json: Json = False,
) -> None:
    """Create a token and print its secret (shown only now)."""
    body = {"subject": subject, "scopes": scope, "expires_at": expires_at, "rate_limit": rate_limit}
    data = _call("POST", "/api/v1/tokens", url, token, body)
    _print(data, as_json, [data["token"]])


@token_app.command("list")
def token_list(url: Url = None, token: Token = None, as_json: Json = False) -> None:
    """Tokens (yours; everyone's for admins), newest first."""
    data = _call("GET", "/api/v1/tokens?size=1000", url, token)
    lines = [
        f"{t['id']}  {t['prefix']}...  {t['subject']}  {','.join(t['scopes'])}"
        f"{'  revoked' if t['revoked_at'] else ''}"
        for t in data["items"]
    ]
    _print(data, as_json, lines)


@token_app.command("revoke")
def token_revoke(token_id: str, url: Url = None, token: Token = None) -> None:
    """Revoke a token by id."""
    _call("DELETE", f"/api/v1/tokens/{token_id}", url, token)
    typer.echo(f"revoked {token_id}")


# --- user ----------------------------------------------------------------------------------


@user_app.command("create")
def user_create(
    name: str,
    service_account: Annotated[bool, typer.Option(help="A service account, not a user.")] = False,
    admin: Annotated[bool, typer.Option(help="Give it admin rights.")] = False,
    url: Url = None,
    token: Token = None,
    as_json: Json = False,
) -> None:
    """Create a user or service account."""
    kind = "service_account" if service_account else "user"
    data = _call("POST", "/api/v1/users", url, token, {"name": name, "kind": kind, "admin": admin})
    _print(data, as_json, [f"created {data['kind']} {data['name']}"])


@user_app.command("list")
def user_list(url: Url = None, token: Token = None, as_json: Json = False) -> None:
    """Users and service accounts."""
    data = _call("GET", "/api/v1/users?size=1000", url, token)
    lines = [f"{u['name']}  {u['kind']}{'  admin' if u['admin'] else ''}" for u in data["items"]]
    _print(data, as_json, lines)


# --- workspace -----------------------------------------------------------------------------


@workspace_app.command("create")
def workspace_create(
    name: str,
    description: Annotated[str | None, typer.Option()] = None,
    url: Url = None,
    token: Token = None,
    as_json: Json = False,
) -> None:
    """Create a workspace (admins)."""
    body = {"name": name, "description": description}
    data = _call("POST", "/api/v1/workspaces", url, token, body)
    _print(data, as_json, [f"created workspace {data['name']}"])


@workspace_app.command("list")
def workspace_list(url: Url = None, token: Token = None, as_json: Json = False) -> None:
    """The workspaces you can read."""
    data = _call("GET", "/api/v1/workspaces?size=1000", url, token)
    _print(data, as_json, [w["name"] for w in data["items"]])


@workspace_app.command("members")
def workspace_members(
    workspace: str, url: Url = None, token: Token = None, as_json: Json = False
) -> None:
    """Who has which role in a workspace."""
    data = _call("GET", f"/api/v1/workspaces/{workspace}/members", url, token)
    _print(data, as_json, [f"{m['user']}  {m['role']}" for m in data])


@workspace_app.command("grant")
def workspace_grant(
    workspace: str,
    user: str,
    role: Annotated[str, typer.Argument(help="viewer, editor or owner")],
    url: Url = None,
    token: Token = None,
) -> None:
    """Give a user a role in a workspace."""
    _call("PUT", f"/api/v1/workspaces/{workspace}/members/{user}", url, token, {"role": role})
    typer.echo(f"{user} is {role} in {workspace}")


@workspace_app.command("revoke")
def workspace_revoke(workspace: str, user: str, url: Url = None, token: Token = None) -> None:
    """Take a user's role in a workspace away."""
    _call("DELETE", f"/api/v1/workspaces/{workspace}/members/{user}", url, token)
    typer.echo(f"{user} removed from {workspace}")
