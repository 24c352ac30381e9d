"""``modelreg artifacts list|push|pull``: generic artifact versions (datasets, plots, ...)
by FQN, over the SDK."""

from __future__ import annotations

from itertools import islice
from pathlib import Path
from typing import Annotated

import typer

from modelreg.cli import output, transfer
from modelreg.cli._common import AsJson, KeyValues, Limit, Quiet, client_of, key_values, page_size

artifacts_app = typer.Typer(help="Generic artifacts (datasets, plots, ...).", no_args_is_help=True)

Many = Annotated[list[str] | None, typer.Option(help="Repeat for more.")]


@artifacts_app.command("list")
def list_versions(
    ctx: typer.Context,
    fqn: Annotated[
        str | None, typer.Option(help="An artifact (dataset:ws/tx) or one version (...:3).")
    ] = None,
    workspace: Annotated[
        str | None,
        typer.Option("--workspace", "-w", help="Only this workspace [default: all readable]."),
    ] = None,
    name: Annotated[str | None, typer.Option(help="Only this artifact or model name.")] = None,
    version: Annotated[str | None, typer.Option(help="A number, or latest.")] = None,
    type: Many = None,
    tag: Annotated[str | None, typer.Option(help="Only versions with this tag.")] = None,
    run_id: Many = None,
    limit: Limit = 100,
    as_json: AsJson = False,
) -> None:
    """Artifact and model versions, newest first (the artifact-versions view)."""
    with client_of(ctx) as c:
        found = c.list_artifact_versions(
            page_size=page_size(limit),
            fqn=fqn,
            workspace=workspace,
            name=name,
            version=version,
            types=type or (),
            tag=tag,
            run_ids=run_id or (),
        )
        items = list(islice(found, limit) if limit else found)
    output.show(items, as_json, output.artifact_versions_table)


@artifacts_app.command("push")
def push(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="A folder (every file below it) or one file.")],
    fqn: Annotated[
        str,
        typer.Argument(
            help="{type}:{workspace}/{name} for a new version, or ...:{number} to resume "
            "a PENDING_REGISTRATION one."
        ),
    ],
    description: Annotated[str | None, typer.Option(help="What this version is.")] = None,
    metadata: KeyValues = None,
    tag: Many = None,
    run_id: Annotated[str | None, typer.Option(help="The run it came from.")] = None,
    step: Annotated[int | None, typer.Option(min=0, help="The run's step.")] = None,
    source: Annotated[str | None, typer.Option(help="Where it came from (a URI).")] = None,
    quiet: Quiet = False,
    as_json: AsJson = False,
) -> None:
    """Register a folder (or a file) as the next version of an artifact (created with the
    FQN's type when new); large files go up in resumable parts."""
    started: list[int] = []
    with (
        client_of(ctx) as c,
        transfer.progress_bar(f"push {fqn}", quiet) as progress,
        transfer.resumable(
            lambda n: f"{fqn}:{n}",
            started,
            lambda n: ["modelreg", "artifacts", "push", str(path), f"{fqn}:{n}"],
        ),
    ):
        v = c.push_artifact(
            path,
            fqn,
            description=description,
            metadata=key_values(metadata, "--metadata") or None,
            tags=tag or (),
            run_id=run_id,
            step=step,
            source_uri=source,
            progress=progress,
            on_version=lambda pending: started.append(pending["number"]),
        )
    transfer.say_pushed(v, as_json)


def register(app: typer.Typer) -> None:
    """Add these commands to the root app."""
    # The same command as ``modelreg pull``, which takes artifact FQNs too.
    artifacts_app.command("pull")(transfer.pull)
    app.add_typer(artifacts_app, name="artifacts")
