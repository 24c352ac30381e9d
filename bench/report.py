"""Helpers the benchmarks share: writing one benchmark's section of docs/benchmarks.md without
touching the others, and a server's CPU time."""

from __future__ import annotations

from pathlib import Path

import psutil


def replace_section(path: Path, start: str, end: str, heading: str, section: str) -> None:
    """Put ``section`` (which begins with ``start`` and ends with ``end``) in place of the
    text between those marks; append it under ``heading`` when the marks are not there."""
    if path.exists():
        text = path.read_text()
        if start in text and end in text:
            head, _, rest = text.partition(start)
            _, _, tail = rest.partition(end)
            path.write_text(head + section + tail)
            return
        path.write_text(text.rstrip() + f"\n\n{heading}\n\n" + section + "\n")
        return
    path.write_text(f"# Benchmarks\n\n{heading}\n\n" + section + "\n")


def tree_cpu_seconds(pid: int) -> float:
    """User + system CPU of process ``pid`` and every process under it, so far."""
    total = 0.0
    root = psutil.Process(pid)
    for p in [root, *root.children(recursive=True)]:
        try:
            t = p.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += t.user + t.system
    return total
