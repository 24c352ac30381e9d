"""The ``modelreg`` command: ``serve`` and ``db upgrade`` here, the client-side commands
(push, pull, models, versions, search, alias, stage, promote, artifacts) in their own
modules over the SDK. Server modules are imported lazily so the client-side commands start fast."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Annotated, Any

import typer

from modelreg.cli import admin, artifacts, lifecycle, registry, transfer
from modelreg.cli._common import App, Connection

app = App(
    help="modelreg: a self-hostable model registry.", no_args_is_help=True, rich_markup_mode=None
)
db_app = typer.Typer(help="Database administration.", no_args_is_help=True)
app.add_typer(db_app, name="db")
admin.register(app)

DataDir = Annotated[
    Path | None,
    typer.Option("--data-dir", help="Data folder [env MODELREG_DATA_DIR; default ./.modelreg]"),
]
DatabaseUrl = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        help="SQLAlchemy URL, e.g. postgresql+psycopg://u:p@host/db [env MODELREG_DATABASE_URL]",
    ),
]

ArtifactStore = Annotated[
    str | None,
    typer.Option(
        "--artifact-store",
        help="file:///path or s3://bucket/prefix for file bytes [env MODELREG_ARTIFACT_STORE; "
        "default <data-dir>/artifacts]",
    ),
]


def _print_version(value: bool) -> None:
    if value:
        from modelreg import __version__

        typer.echo(f"modelreg {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    ctx: typer.Context,
    url: Annotated[
        str | None,
        typer.Option(
            "--url",
            help="Server URL [env MODELREG_URL, then the CLI config; default "
            "http://127.0.0.1:8080]",
        ),
    ] = None,
    token: Annotated[
        str | None,
        typer.Option("--token", help="Bearer token [env MODELREG_TOKEN, then the CLI config]"),
    ] = None,
    version: Annotated[
        bool,
        typer.Option("--version", is_eager=True, callback=_print_version, help="Show the version."),
    ] = False,
) -> None:
    """modelreg: a self-hostable model registry."""
    ctx.obj = Connection(url, token)


for _commands in (transfer, registry, lifecycle, artifacts):
    _commands.register(app)


def _settings(**given: Any) -> Any:
    from modelreg.config import Settings

    # Only options given on the command line override the environment.
    return Settings(**{k: v for k, v in given.items() if v is not None})


@app.command()
def serve(
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    artifact_store: ArtifactStore = None,
    host: Annotated[str | None, typer.Option(help="Bind address [default 127.0.0.1]")] = None,
    port: Annotated[int | None, typer.Option(help="Port [default 8080]")] = None,
    workers: Annotated[int | None, typer.Option(help="Server processes [default 1]")] = None,
    log_level: Annotated[str | None, typer.Option(help="uvicorn log level")] = None,
    no_auth: Annotated[
        bool | None,
        typer.Option("--no-auth", help="No authentication (loopback only) [env MODELREG_NO_AUTH]"),
    ] = None,
) -> None:
    """Migrate the database, then serve the API."""
    import uvicorn

    from modelreg.store.migrate import upgrade

    settings = _settings(
        data_dir=data_dir,
        database_url=database_url,
        artifact_store=artifact_store,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
        no_auth=no_auth or None,
    )
    if settings.no_auth and not admin.is_loopback(settings.host):
        typer.echo(f"error: --no-auth serves only on a loopback address, not {settings.host}")
        raise typer.Exit(2)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    url = settings.resolved_database_url()
    upgrade(url)
    if not settings.no_auth:
        admin.bootstrap_admin(url, settings.host, settings.port)
    typer.echo(
        f"modelreg serving on http://{settings.host}:{settings.port} (database: {_redact(url)})"
    )
    if settings.workers == 1:
        from modelreg.api.app import create_app

        uvicorn.run(
            create_app(settings),
            host=settings.host,
            port=settings.port,
            log_level=settings.log_level,
        )
        return
    # Worker processes rebuild the settings from the environment.
    os.environ["MODELREG_DATA_DIR"] = str(settings.data_dir)
    os.environ["MODELREG_DATABASE_URL"] = url
    os.environ["MODELREG_ARTIFACT_STORE"] = settings.resolved_artifact_store()
    os.environ["MODELREG_NO_AUTH"] = "true" if settings.no_auth else "false"
    uvicorn.run(
        "modelreg.api.app:app_from_env",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        log_level=settings.log_level,
    )


def _redact(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@db_app.command("upgrade")
def db_upgrade(data_dir: DataDir = None, database_url: DatabaseUrl = None) -> None:
    """Apply all pending schema migrations."""
    from modelreg.store.migrate import upgrade

    url = _settings(data_dir=data_dir, database_url=database_url).resolved_database_url()
    upgrade(url)
    typer.echo(f"database at {_redact(url)} is up to date")


@app.command()
def gc(
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    artifact_store: ArtifactStore = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only count, delete nothing.")] = False,
    grace: Annotated[
        str, typer.Option(help="Keep blobs written more recently than this (e.g. 30m, 1h).")
    ] = "1h",
    upload_ttl: Annotated[
        str, typer.Option("--upload-ttl", help="Expire uploads started longer ago than this.")
    ] = "24h",
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Delete artifact-store bytes that nothing references any more."""
    import json

    from modelreg.domain.durations import parse_duration
    from modelreg.domain.entities import ANONYMOUS
    from modelreg.errors import RegistryError
    from modelreg.services import Services
    from modelreg.services.base import AllowAll
    from modelreg.store.migrate import upgrade

    settings = _settings(
        data_dir=data_dir, database_url=database_url, artifact_store=artifact_store
    )
    try:
        upgrade(settings.resolved_database_url())
        # Like ``db upgrade``, gc works on the database and store directly: whoever can run
        # it already holds every right, so it acts unrestricted.
        svc = Services.from_settings(settings, authz=AllowAll())
        try:
            report = svc.gc.run(
                ANONYMOUS,
                grace=parse_duration(grace, "grace"),
                upload_ttl=parse_duration(upload_ttl, "upload_ttl"),
                dry_run=dry_run,
            )
        finally:
            svc.db.dispose()
    except RegistryError as e:
        typer.echo(f"error: {e.message}", err=True)
        raise typer.Exit(2) from e
    if as_json:
        typer.echo(json.dumps(dataclasses.asdict(report)))
        return
    verb = "would delete" if dry_run else "deleted"
    typer.echo(
        f"scanned {report.scanned} objects, {verb} {report.deleted} "
        f"({report.bytes_freed} bytes), expired {report.uploads_expired} uploads"
    )


if __name__ == "__main__":
    app()
