"""``modelreg push`` and ``modelreg pull``, with progress bars on stderr."""

from __future__ import annotations

import shlex
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from modelreg.cli import output
from modelreg.cli._common import (
    AsJson,
    KeyValues,
    Quiet,
    Workspace,
    client_of,
    key_values,
    metrics_of,
)

ProgressFn = Callable[[int, int], None]


@contextmanager
def progress_bar(label: str, quiet: bool) -> Iterator[ProgressFn | None]:
    """A byte progress bar with speed and ETA on stderr, or None when ``quiet`` or when
    stderr is not a terminal (logs and pipes get no bar)."""
    console = Console(stderr=True)
    if quiet or not console.is_terminal:
        yield None
        return
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=False,
    ) as bar:
        # No total yet: the bar pulses while push hashes the files or pull resolves.
        task = bar.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


def push(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="A folder (every file below it) or one file.")],
    model: Annotated[str, typer.Option("--model", "-m", help="The model to add a version to.")],
    workspace: Workspace = "default",
    alias: Annotated[str | None, typer.Option(help="Point this alias at the new version.")] = None,
    metric: Annotated[
        list[str] | None, typer.Option(metavar="KEY=NUMBER", help="Repeat for more.")
    ] = None,
    param: KeyValues = None,
    tag: KeyValues = None,
    description: Annotated[str | None, typer.Option(help="What changed.")] = None,
    run_id: Annotated[str | None, typer.Option(help="The training run it came from.")] = None,
    source: Annotated[str | None, typer.Option(help="Where it came from (a URI).")] = None,
    create: Annotated[
        bool, typer.Option("--create/--no-create", help="Register the model if it is new.")
    ] = True,
    version: Annotated[
        int | None,
        typer.Option(
            "--version",
            min=1,
            help="Resume this PENDING_REGISTRATION version: send only the files and parts "
            "the server lacks, then finalize.",
        ),
    ] = None,
    quiet: Quiet = False,
    as_json: AsJson = False,
) -> None:
    """Register a folder (or a file) as a new version: every file is checksummed,
    streamed up (large ones in resumable parts), and verified by the server before the
    version becomes READY. An interrupted push says how to resume it."""

    def resume_args(number: int) -> list[str]:
        args = ["modelreg", "push", str(path), "--model", model]
        if workspace != "default":
            args += ["--workspace", workspace]
        if alias is not None:
            args += ["--alias", alias]
        return [*args, "--version", str(number)]

    started: list[int] = []
    with (
        client_of(ctx) as c,
        progress_bar(f"push {model}", quiet) as progress,
        resumable(lambda n: f"version {n} of {model}", started, resume_args),
    ):
        v = c.push(
            path,
            model,
            workspace=workspace,
            version=version,
            description=description,
            metrics=metrics_of(metric),
            params=key_values(param, "--param"),
            tags=key_values(tag, "--tag"),
            alias=alias,
            run_id=run_id,
            source=source,
            create_model=create,
            progress=progress,
            on_version=lambda pending: started.append(pending["number"]),
        )
    say_pushed(v, as_json, f" @{alias}" if alias else "")


def say_pushed(v: dict[str, Any], as_json: bool, suffix: str = "") -> None:
    """What a push registered: the version as JSON, or its FQN, file count and size."""
    if as_json:
        output.print_json(v)
        return
    sizes = [int(f["size"]) for f in v.get("files", [])]
    output.say(f"pushed {v['fqn']}{suffix}: {len(sizes)} files, {output.human_size(sum(sizes))}")


@contextmanager
def resumable(
    what: Callable[[int], str], started: list[int], resume_args: Callable[[int], list[str]]
) -> Iterator[None]:
    """Around a push: when it is interrupted (PushInterrupted, Ctrl-C) after its version
    was made (``started`` holds its number), say on stderr that the version stays pending
    (``what(number)``) and print the command that resumes it (``resume_args(number)``);
    Ctrl-C exits 130."""
    from modelreg.client import PushInterrupted

    try:
        yield
    except (PushInterrupted, KeyboardInterrupt) as exc:
        if started:
            command = shlex.join(resume_args(started[0]))
            Console(stderr=True, highlight=False, soft_wrap=True).print(
                f"{what(started[0])} stays PENDING_REGISTRATION; resume with:\n  " + command,
                markup=False,
            )
        if isinstance(exc, KeyboardInterrupt):
            raise typer.Exit(130) from exc
        raise


def pull(
    ctx: typer.Context,
    ref: Annotated[
        str,
        typer.Argument(
            help="fraud@champion, fraud:3, fraud (its latest) or an FQN, also of an artifact "
            "version (dataset:default/tx:latest)."
        ),
    ],
    out: Annotated[
        Path | None, typer.Option("--output", "-o", help="Folder to write to [default: ./NAME].")
    ] = None,
    workspace: Workspace = "default",
    quiet: Quiet = False,
    as_json: AsJson = False,
) -> None:
    """Download a version's files, each verified against its recorded sha256."""
    from modelreg.client import parse_ref
    from modelreg.client.refs import is_artifact_fqn
    from modelreg.domain.artifacts import parse_fqn

    if out is not None:
        dest = out
    elif is_artifact_fqn(ref):
        dest = Path(parse_fqn(ref).name)
    else:
        dest = Path(parse_ref(ref, workspace).model)
    with client_of(ctx) as c, progress_bar(f"pull {ref}", quiet) as progress:
        v = c.pull(ref, dest, workspace=workspace, progress=progress)
    files = v["files"]
    if as_json:
        output.print_json({**v, "dest": str(dest)})
        return
    total = sum(int(f["size"]) for f in files)
    output.say(f"pulled {v['fqn']}: {len(files)} files, {output.human_size(total)} into {dest}")


def register(app: typer.Typer) -> None:
    """Add these commands to the root app."""
    app.command("push")(push)
    app.command("pull")(pull)
