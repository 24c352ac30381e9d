"""``modelreg alias ...``, ``modelreg stage`` and ``modelreg promote``."""

from __future__ import annotations

from typing import Annotated

import typer

from modelreg.cli import output
from modelreg.cli._common import AsJson, VersionArg, Workspace, client_of

alias_app = typer.Typer(help="Aliases: named pointers such as @champion.", no_args_is_help=True)

Model = Annotated[str, typer.Argument(help="Model name (or id).")]
Alias = Annotated[str, typer.Argument(help="Alias name, e.g. champion.")]
Expected = Annotated[
    int | None,
    typer.Option(help="Compare-and-swap: only if the alias points at this version now."),
]


@alias_app.command("set")
def set_alias(
    ctx: typer.Context,
    model: Model,
    alias: Alias,
    version: Annotated[int, typer.Argument(help="Version number.")],
    workspace: Workspace = "default",
    expected: Expected = None,
    protected: Annotated[
        bool | None, typer.Option("--protected/--unprotected", help="Only owners may move it.")
    ] = None,
    as_json: AsJson = False,
) -> None:
    """Point an alias at a version (creating or moving it)."""
    with client_of(ctx) as c:
        a = c.set_alias(model, alias, version, expected, protected=protected, workspace=workspace)
    output.show(a, as_json, lambda a: output.say(f"{model}@{alias} -> version {version}"))


@alias_app.command("delete")
def delete_alias(
    ctx: typer.Context,
    model: Model,
    alias: Alias,
    workspace: Workspace = "default",
    expected: Expected = None,
    as_json: AsJson = False,
) -> None:
    """Remove an alias (the version stays)."""
    with client_of(ctx) as c:
        c.delete_alias(model, alias, expected, workspace=workspace)
    gone = {"deleted": "alias", "workspace": workspace, "model": model, "alias": alias}
    output.show(gone, as_json, lambda _: output.say(f"deleted alias {model}@{alias}"))


@alias_app.command("list")
def list_aliases(
    ctx: typer.Context, model: Model, workspace: Workspace = "default", as_json: AsJson = False
) -> None:
    """List a model's aliases."""
    with client_of(ctx) as c:
        items = c.list_aliases(model, workspace=workspace)
    output.show(items, as_json, output.aliases_table)


def stage(
    ctx: typer.Context,
    model: Model,
    version: VersionArg,
    to: Annotated[
        str, typer.Argument(metavar="STAGE", help="None, Staging, Production or Archived.")
    ],
    workspace: Workspace = "default",
    archive_existing: Annotated[
        bool, typer.Option(help="Archive the versions in that stage now.")
    ] = False,
    comment: Annotated[str | None, typer.Option(help="Why, for the history.")] = None,
    as_json: AsJson = False,
) -> None:
    """Move a version to a stage."""
    with client_of(ctx) as c:
        v = c.transition_stage(
            model,
            version,
            to,
            archive_existing=archive_existing,
            comment=comment,
            workspace=workspace,
        )
    output.show(v, as_json, lambda v: output.say(f"{v['fqn']} is now in stage {v['stage']}"))


def promote(
    ctx: typer.Context,
    source: Annotated[str, typer.Argument(help="fraud@champion, fraud:3, an FQN or a version id.")],
    to: Annotated[str, typer.Option("--to", help="The model that gets the new version.")],
    workspace: Workspace = "default",
    to_workspace: Annotated[
        str | None, typer.Option(help="Workspace of --to [default: --workspace].")
    ] = None,
    as_json: AsJson = False,
) -> None:
    """Copy a version into another model (often in another workspace) as its latest
    version; the files are shared, not copied."""
    with client_of(ctx) as c:
        v = c.promote(to, source, to_workspace or workspace, source_workspace=workspace)
    output.show(v, as_json, lambda v: output.say(f"promoted {source} to {v['fqn']}"))


def register(app: typer.Typer) -> None:
    """Add these commands to the root app."""
    app.add_typer(alias_app, name="alias")
    app.command("stage")(stage)
    app.command("promote")(promote)
