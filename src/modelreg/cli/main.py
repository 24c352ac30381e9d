"""``modelreg serve`` and ``modelreg db upgrade``. Server modules are imported lazily so the
client-side commands start fast."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

import typer

from modelreg.cli import admin

app = typer.Typer(help="modelreg: a self-hostable model registry.", no_args_is_help=True)
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


def _settings(**given: Any) -> Any:
    from modelreg.config import Settings

    # Only options given on the command line override the environment.
    return Settings(**{k: v for k, v in given.items() if v is not None})


@app.command()
def serve(
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    artifact_store: Annotated[
        str | None,
        typer.Option(
            "--artifact-store",
            help="file:///path for file bytes [env MODELREG_ARTIFACT_STORE; "
            "default <data-dir>/artifacts]",
        ),
    ] = None,
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


if __name__ == "__main__":
    app()
