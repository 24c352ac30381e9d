"""What every client-side command shares: the connection, common options, ``key=value``
parsing, and the one place where errors become a message and an exit code."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

import typer

from modelreg import errors

if TYPE_CHECKING:
    from modelreg.client import Client, Pager

#: The exit code of any error the registry or the local files report (click itself exits
#: with 2 on bad usage, and 1 with "Aborted!" on Ctrl-C).
EXIT_ERROR = 1


class App(typer.Typer):
    """A Typer app whose user errors end in ``error: CODE: message`` on stderr and a
    non-zero exit, never a traceback."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().__call__(*args, **kwargs)
        except errors.RegistryError as exc:
            _report(exc)
            sys.exit(EXIT_ERROR)
        except OSError as exc:
            where = f": {exc.filename}" if exc.filename else ""
            sys.stderr.write(f"error: {exc.strerror or exc}{where}\n")
            sys.exit(EXIT_ERROR)


def _report(exc: errors.RegistryError) -> None:
    # An unknown server code travels in details (the class is the base one, INTERNAL).
    code = exc.details.get("code") if type(exc) is errors.RegistryError else None
    sys.stderr.write(f"error: {code or exc.code}: {exc.message}\n")
    if exc.request_id:
        sys.stderr.write(f"request id: {exc.request_id}\n")


@dataclass(frozen=True)
class Connection:
    """The global ``--url`` / ``--token`` options (None: the SDK's fallbacks apply)."""

    url: str | None = None
    token: str | None = None

    def client(self) -> Client:
        """An SDK client for this connection."""
        from modelreg.client import Client

        return Client(self.url, self.token)


def client_of(ctx: typer.Context) -> Client:
    """The SDK client for the connection the root command was given."""
    conn = ctx.find_object(Connection) or Connection()
    return conn.client()


Workspace = Annotated[
    str,
    typer.Option("--workspace", "-w", help="Workspace of the model.", envvar="MODELREG_WORKSPACE"),
]
VersionArg = Annotated[str, typer.Argument(help="Number, alias or 'latest'.")]
AsJson = Annotated[
    bool, typer.Option("--json", help="Print JSON on stdout (and nothing else there).")
]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars.")]
Limit = Annotated[
    int, typer.Option("--limit", "-n", min=0, help="Show at most this many (0: all).")
]
KeyValues = Annotated[
    list[str] | None,
    typer.Option(metavar="KEY=VALUE", help="key=value; repeat for more."),
]


def key_values(items: Sequence[str] | None, option: str) -> dict[str, str]:
    """``["k=v", ...]`` as a dict; a missing '=' or empty key is a usage error."""
    out: dict[str, str] = {}
    for item in items or ():
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise typer.BadParameter(f"expected key=value, got {item!r}", param_hint=option)
        out[key.strip()] = value
    return out


def metrics_of(items: Sequence[str] | None) -> dict[str, float]:
    """``["auc=0.93", ...]`` as floats; anything else is a usage error."""
    out: dict[str, float] = {}
    for key, value in key_values(items, "--metric").items():
        try:
            out[key] = float(value)
        except ValueError:
            raise typer.BadParameter(
                f"metric {key!r} needs a number, got {value!r}", param_hint="--metric"
            ) from None
    return out


def sort_key(order_by: str | None) -> str | None:
    """``"created DESC"`` / ``"number ASC"`` in the listing's ``-created`` / ``number`` form."""
    if order_by is None:
        return None
    key, _, direction = order_by.strip().partition(" ")
    direction = direction.strip().upper()
    if direction == "DESC":
        return "-" + key
    if direction in ("", "ASC"):
        return key
    raise typer.BadParameter(f"use 'KEY', '-KEY', 'KEY ASC' or 'KEY DESC', got {order_by!r}")


def page_size(limit: int) -> int:
    """Ask for no more per page than we will show (the server caps pages at 1000)."""
    return min(limit, 1000) if limit else 1000


def take(pager: Pager, limit: int) -> list[dict[str, Any]]:
    """The first ``limit`` items of a listing (0: all of them)."""
    return pager.first(limit) if limit else list(pager)
