"""How results are shown: JSON for scripts, Rich tables for people. Tables go to stdout,
progress and errors to stderr, so ``--json`` output is always exactly one JSON document."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from rich.console import Console
from rich.table import Table

Json = dict[str, Any]

PIPE_WIDTH = 300


def stdout() -> Console:
    """The console tables go to: the terminal's width, or (into a pipe or file, unless
    ``$COLUMNS`` says otherwise) wide enough that rows do not wrap."""
    console = Console(highlight=False)
    if not console.is_terminal and "COLUMNS" not in os.environ:
        console = Console(highlight=False, width=PIPE_WIDTH)
    return console


def print_json(value: Any) -> None:
    """One JSON document on stdout."""
    sys.stdout.write(json.dumps(value, indent=2, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def show(value: Any, as_json: bool, human: Callable[[Any], None]) -> None:
    """``value`` as JSON for ``--json``, else drawn for a person by ``human``."""
    if as_json:
        print_json(value)
    else:
        human(value)


def say(message: str) -> None:
    """One line for a person, on stdout."""
    stdout().print(message, markup=False, highlight=False)


def human_size(n: int) -> str:
    """Bytes as B / KB / MB / GB (powers of 1000, as the progress bars show them)."""
    size = float(n)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if size < 1000 or unit == "TB":
            return f"{int(size)} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    raise AssertionError("unreachable")


def _when(ts: str | None) -> str:
    """An ISO timestamp to the second, without the zone noise."""
    return "" if not ts else ts.replace("T", " ")[:19]


def _pairs(mapping: Mapping[str, Any] | None) -> str:
    return ", ".join(f"{k}={v}" for k, v in (mapping or {}).items())


def latest_metrics(metrics: Sequence[Json] | None) -> dict[str, float]:
    """The last value of each metric (by step, then time), in first-seen key order."""
    best: dict[str, tuple[int, str, float]] = {}
    for m in metrics or ():
        point = (int(m.get("step", 0)), str(m.get("timestamp", "")), float(m["value"]))
        if m["key"] not in best or point[:2] >= best[m["key"]][:2]:
            best[m["key"]] = point
    return {k: v[2] for k, v in best.items()}


def _metrics(v: Json) -> str:
    return ", ".join(f"{k}={val:g}" for k, val in latest_metrics(v.get("metrics")).items())


def _table(*columns: str) -> Table:
    table = Table(box=None, pad_edge=False, show_edge=False, header_style="bold")
    for c in columns:
        table.add_column(c, overflow="fold")
    return table


def models_table(models: Iterable[Json]) -> None:
    """One row per model."""
    table = _table("NAME", "LATEST", "VERSIONS", "ALIASES", "TAGS", "UPDATED", "DESCRIPTION")
    for m in models:
        aliases = ", ".join(f"{a['alias']}={a['version']}" for a in m.get("aliases", []))
        latest = m.get("latest_version")
        table.add_row(
            m["name"],
            "" if latest is None else str(latest),
            str(m.get("version_count", "")),
            aliases,
            _pairs(m.get("tags")),
            _when(m.get("updated_at")),
            (m.get("description") or "")[:60],
        )
    stdout().print(table)


def versions_table(versions: Iterable[Json], *, with_model: bool = False) -> None:
    """One row per version; ``with_model`` adds the model (and workspace) column."""
    head = ["MODEL"] if with_model else []
    table = _table(*head, "VERSION", "STATUS", "STAGE", "ALIASES", "METRICS", "TAGS", "CREATED")
    for v in versions:
        model = [f"{v['workspace']}/{v['model_name']}"] if with_model else []
        table.add_row(
            *model,
            str(v["number"]),
            v.get("status", ""),
            v.get("stage", ""),
            ", ".join(v.get("aliases", [])),
            _metrics(v),
            _pairs(v.get("tags")),
            _when(v.get("created_at")),
        )
    stdout().print(table)


def files_table(files: Iterable[Json]) -> None:
    """One row per file of a version."""
    table = _table("PATH", "SIZE", "SHA256")
    for f in files:
        table.add_row(f["path"], human_size(int(f["size"])), f["sha256"])
    stdout().print(table)


def artifact_versions_table(items: Iterable[Json]) -> None:
    """One row per item of the artifact-versions view."""
    table = _table("FQN", "RUN", "STEP", "TAGS", "CREATED")
    for v in items:
        manifest = v.get("manifest", {})
        step = manifest.get("step")
        table.add_row(
            v["fqn"],
            manifest.get("run_id") or "",
            "" if step is None else str(step),
            ", ".join(v.get("tags", [])),
            _when(v.get("created_at")),
        )
    stdout().print(table)


def aliases_table(aliases: Iterable[Json]) -> None:
    """One row per alias of a model."""
    table = _table("ALIAS", "VERSION", "PROTECTED")
    for a in aliases:
        table.add_row(a["alias"], str(a["version"]), "yes" if a.get("protected") else "")
    stdout().print(table)


def details(rows: Sequence[tuple[str, Any]]) -> None:
    """A two-column key/value view; empty values are left out."""
    table = Table(box=None, pad_edge=False, show_header=False)
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    for key, value in rows:
        if value in (None, "", [], {}):
            continue
        table.add_row(key, str(value))
    stdout().print(table)


def model_details(m: Json) -> None:
    """Everything about one model."""
    card = {k: v for k, v in (m.get("card") or {}).items() if v}
    details(
        [
            ("name", m["name"]),
            ("workspace", m.get("workspace")),
            ("id", m.get("id")),
            ("description", m.get("description")),
            ("latest version", m.get("latest_version")),
            ("versions", m.get("version_count")),
            ("aliases", ", ".join(f"{a['alias']}={a['version']}" for a in m.get("aliases", []))),
            ("tags", _pairs(m.get("tags"))),
            *((f"card.{k}", v) for k, v in card.items()),
            ("created", f"{_when(m.get('created_at'))} by {m.get('created_by', '?')}"),
            ("updated", _when(m.get("updated_at"))),
        ]
    )


def version_details(v: Json) -> None:
    """Everything about one version."""
    status = v.get("status", "")
    if v.get("status_message"):
        status += f" ({v['status_message']})"
    lineage = {k: val for k, val in (v.get("lineage") or {}).items() if val}
    details(
        [
            ("fqn", v.get("fqn")),
            ("id", v.get("id")),
            ("name", v.get("name")),
            ("description", v.get("description")),
            ("status", status),
            ("stage", v.get("stage")),
            ("aliases", ", ".join(v.get("aliases", []))),
            ("source", v.get("source")),
            ("run", v.get("run_id")),
            ("run link", v.get("run_link")),
            ("metrics", _metrics(v)),
            ("params", _pairs(v.get("params"))),
            ("tags", _pairs(v.get("tags"))),
            ("requirements", ", ".join(v.get("requirements", []))),
            *((f"lineage.{k}", val) for k, val in lineage.items()),
            ("created", f"{_when(v.get('created_at'))} by {v.get('created_by', '?')}"),
            ("updated", _when(v.get("updated_at"))),
        ]
    )
