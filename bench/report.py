"""Writing one benchmark's section of docs/benchmarks.md without touching the others."""

from __future__ import annotations

from pathlib import Path


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
