"""``modelreg models ...``, ``modelreg versions ...`` and ``modelreg search``."""

from __future__ import annotations

from typing import Annotated

import typer

from modelreg.cli import output
from modelreg.cli._common import (
    AsJson,
    KeyValues,
    Limit,
    VersionArg,
    Workspace,
    client_of,
    key_values,
    page_size,
    sort_key,
    take,
)

models_app = typer.Typer(help="Registered models.", no_args_is_help=True)
versions_app = typer.Typer(help="Versions of a model.", no_args_is_help=True)

Model = Annotated[str, typer.Argument(help="Model name (or id).")]
Yes = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask.")]
Filter = Annotated[
    str | None,
    typer.Option("--filter", "-f", help='The filter language, e.g. "metrics.auc > 0.9".'),
]


def _confirm(yes: bool, question: str) -> None:
    """Ask before deleting, unless --yes (no answer, as from a pipe, means no)."""
    if not yes:
        typer.confirm(question, abort=True)


def _deleted(as_json: bool, what: str, **key: str | int) -> None:
    """Say what was deleted: ``{"deleted": kind, workspace, model, ...}`` with --json."""
    kind = "version" if "version" in key else "model"
    output.show({"deleted": kind, **key}, as_json, lambda _: output.say(f"deleted {what}"))


@models_app.command("list")
def list_models(
    ctx: typer.Context,
    workspace: Workspace = "default",
    name: Annotated[str | None, typer.Option(help="Only names containing this.")] = None,
    tag: KeyValues = None,
    filter: Filter = None,
    limit: Limit = 100,
    as_json: AsJson = False,
) -> None:
    """List models (with --filter: search them with the filter language)."""
    with client_of(ctx) as c:
        if filter is not None:
            pager = c.search_models(filter, workspace=workspace, page_size=page_size(limit))
        else:
            tags = [f"{k}={v}" for k, v in key_values(tag, "--tag").items()]
            pager = c.list_models(
                workspace=workspace, name=name, tag=tags, page_size=page_size(limit)
            )
        items = take(pager, limit)
    output.show(items, as_json, output.models_table)


@models_app.command("get")
def get_model(
    ctx: typer.Context, model: Model, workspace: Workspace = "default", as_json: AsJson = False
) -> None:
    """Show one model."""
    with client_of(ctx) as c:
        m = c.get_model(model, workspace=workspace)
    output.show(m, as_json, output.model_details)


@models_app.command("create")
def create_model(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Model name, unique in its workspace.")],
    workspace: Workspace = "default",
    description: Annotated[str | None, typer.Option(help="What the model does.")] = None,
    tag: KeyValues = None,
    as_json: AsJson = False,
) -> None:
    """Register a model."""
    with client_of(ctx) as c:
        m = c.create_model(
            name, workspace=workspace, description=description, tags=key_values(tag, "--tag")
        )
    output.show(m, as_json, lambda m: output.say(f"created model {m['workspace']}/{m['name']}"))


@models_app.command("delete")
def delete_model(
    ctx: typer.Context,
    model: Model,
    workspace: Workspace = "default",
    yes: Yes = False,
    as_json: AsJson = False,
) -> None:
    """Delete a model and all its versions."""
    _confirm(yes, f"Delete model {workspace}/{model} and all its versions?")
    with client_of(ctx) as c:
        c.delete_model(model, workspace=workspace)
    _deleted(as_json, f"model {workspace}/{model}", workspace=workspace, model=model)


@versions_app.command("list")
def list_versions(
    ctx: typer.Context,
    model: Model,
    workspace: Workspace = "default",
    filter: Filter = None,
    order_by: Annotated[
        str | None,
        typer.Option(help="number, name, created or updated; '-KEY' or 'KEY DESC' reverses."),
    ] = None,
    limit: Limit = 100,
    as_json: AsJson = False,
) -> None:
    """List a model's versions, newest first."""
    with client_of(ctx) as c:
        pager = c.list_versions(
            model,
            workspace=workspace,
            filter=filter,
            sort_by=sort_key(order_by) or "-number",
            page_size=page_size(limit),
        )
        items = take(pager, limit)
    output.show(items, as_json, output.versions_table)


@versions_app.command("get")
def get_version(
    ctx: typer.Context,
    model: Model,
    version: VersionArg = "latest",
    workspace: Workspace = "default",
    as_json: AsJson = False,
) -> None:
    """Show one version and its files."""
    with client_of(ctx) as c:
        v = c.get_version(model, version, workspace=workspace)
        files = [] if as_json else c.list_files(model, v["number"], workspace=v["workspace"])
    if as_json:
        output.print_json(v)
        return
    output.version_details(v)
    if files:
        output.say("")
        output.files_table(files)


@versions_app.command("delete")
def delete_version(
    ctx: typer.Context,
    model: Model,
    version: Annotated[int, typer.Argument(help="Version number.")],
    workspace: Workspace = "default",
    yes: Yes = False,
    as_json: AsJson = False,
) -> None:
    """Delete a version; its number is never reused."""
    _confirm(yes, f"Delete version {version} of {workspace}/{model}?")
    with client_of(ctx) as c:
        c.delete_version(model, version, workspace=workspace)
    _deleted(as_json, f"{model}:{version}", workspace=workspace, model=model, version=version)


@versions_app.command("files")
def list_files(
    ctx: typer.Context,
    model: Model,
    version: VersionArg = "latest",
    workspace: Workspace = "default",
    as_json: AsJson = False,
) -> None:
    """List a version's files (path, size, sha256)."""
    with client_of(ctx) as c:
        files = c.list_files(model, version, workspace=workspace)
    output.show(files, as_json, output.files_table)


def search(
    ctx: typer.Context,
    filter: Annotated[
        str | None, typer.Argument(help="e.g. \"tags.team = 'risk' AND metrics.auc > 0.91\"")
    ] = None,
    order_by: Annotated[
        list[str] | None,
        typer.Option(help="e.g. 'metrics.auc DESC'; repeat for tiebreaks."),
    ] = None,
    workspace: Annotated[
        str,
        typer.Option(
            "--workspace", "-w", help="A workspace, or '*' for all.", envvar="MODELREG_WORKSPACE"
        ),
    ] = "default",
    limit: Limit = 100,
    as_json: AsJson = False,
) -> None:
    """Search versions across models with the filter language."""
    with client_of(ctx) as c:
        pager = c.search_versions(
            filter, order_by=order_by or (), workspace=workspace, page_size=page_size(limit)
        )
        items = take(pager, limit)
    output.show(items, as_json, lambda items: output.versions_table(items, with_model=True))


def register(app: typer.Typer) -> None:
    """Add these commands to the root app."""
    app.add_typer(models_app, name="models")
    app.add_typer(versions_app, name="versions")
    app.command("search")(search)
