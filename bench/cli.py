"""What the SDK and the CLI cost on top of the server: command start-up, and push/pull of
one large file with and without progress reporting, against a real local ``modelreg serve``.

    .venv/bin/python -m bench.cli [--size-mb 256] [--write docs/benchmarks.md]

Start-up is the median wall time of 5 runs of ``modelreg --version`` (imports only) and
``modelreg models list --json`` (one request). Transfers push a file of random bytes as a
new version and pull it back, each the best of ``--repeat`` runs: through the SDK without
a progress callback, through the SDK with one, through the CLI with ``-q``, and through
the CLI drawing its Rich bar (``TTY_COMPATIBLE=1``, stderr to a pipe). ``cp`` of the same
file on the same disk is the reference. Numbers are MB/s (10^6 bytes).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path

from tests.servers import MODELREG, clean_env, serve

from modelreg.client import Client

START_MARK = "<!-- bench:cli:start -->"
END_MARK = "<!-- bench:cli:end -->"


def _wall(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def _run(args: Sequence[str], env: dict[str, str]) -> None:
    subprocess.run([str(MODELREG), *args], env=env, check=True, capture_output=True)


def _fresh(pull: Callable[[Path], object], dest: Path) -> None:
    """Pull into an empty folder."""
    shutil.rmtree(dest, ignore_errors=True)
    pull(dest)


def _best(fn: Callable[[], object], repeat: int) -> float:
    return min(_wall(fn) for _ in range(repeat))


def measure(size_mb: int, repeat: int, work: Path) -> list[tuple[str, str]]:
    """Rows of (what, result)."""
    big = work / "model" / "weights.bin"
    big.parent.mkdir()
    with big.open("wb") as f:
        for _ in range(size_mb):
            f.write(os.urandom(1_000_000))
    size = big.stat().st_size
    rows: list[tuple[str, str]] = []

    def rate(seconds: float) -> str:
        return f"{size / seconds / 1e6:,.0f} MB/s ({seconds:.2f} s)"

    cp = _best(lambda: shutil.copyfile(big, work / "copy.bin"), repeat)
    rows.append((f"cp of {size_mb} MB on the same disk", rate(cp)))

    config = work / "no-config.json"
    with serve(
        "--data-dir", str(work / "data"), workdir=work, env=clean_env(MODELREG_CONFIG=str(config))
    ) as server:
        env = clean_env(MODELREG_URL=server.base_url, MODELREG_CONFIG=str(config))
        for cmd in (["--version"], ["models", "list", "--json"]):
            ms = statistics.median(_wall(partial(_run, cmd, env)) for _ in range(5)) * 1000
            rows.append((f"`modelreg {' '.join(cmd)}` (median of 5 runs)", f"{ms:.0f} ms"))

        seen: list[int] = []
        with Client(server.base_url) as sdk:
            sdk.create_model("bench")
            cases: list[tuple[str, Callable[[], object], Callable[[Path], object]]] = [
                (
                    "SDK",
                    lambda: sdk.push(big.parent, "bench"),
                    lambda dest: sdk.pull("bench", dest),
                ),
                (
                    "SDK with a progress callback",
                    lambda: sdk.push(big.parent, "bench", progress=lambda d, t: seen.append(d)),
                    lambda dest: sdk.pull("bench", dest, progress=lambda d, t: seen.append(d)),
                ),
                (
                    "CLI, -q",
                    lambda: _run(["push", str(big.parent), "-m", "bench", "-q"], env),
                    lambda dest: _run(["pull", "bench", "-o", str(dest), "-q"], env),
                ),
                (
                    "CLI drawing its progress bar",
                    lambda: _run(
                        ["push", str(big.parent), "-m", "bench"], {**env, "TTY_COMPATIBLE": "1"}
                    ),
                    lambda dest: _run(
                        ["pull", "bench", "-o", str(dest)], {**env, "TTY_COMPATIBLE": "1"}
                    ),
                ),
            ]
            dest = work / "out"
            for name, push, pull in cases:
                rows.append((f"push, {name}", rate(_best(push, repeat))))
                took = _best(partial(_fresh, pull, dest), repeat)
                rows.append((f"pull, {name}", rate(took)))
                assert (dest / "weights.bin").stat().st_size == size
    return rows


def report(rows: list[tuple[str, str]], argv: Sequence[str]) -> str:
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    lines = [
        START_MARK,
        "## SDK and CLI overhead",
        "",
        f"`{' '.join(['.venv/bin/python -m bench.cli', *argv])}` on {os.cpu_count()} cores, "
        f"local blob store, loopback; load average at the end {load}.",
        "",
        "| what | result |",
        "|---|---:|",
        *(f"| {what} | {result} |" for what, result in rows),
        "",
        END_MARK,
    ]
    return "\n".join(lines)


def write_report(path: Path, section: str) -> None:
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    if START_MARK in text and END_MARK in text:
        head, _, rest = text.partition(START_MARK)
        _, _, tail = rest.partition(END_MARK)
        path.write_text(head + section + tail)
    else:
        path.write_text(text.rstrip() + "\n\n" + section + "\n")


def main(argv: Sequence[str] | None = None) -> int:
    args_in = list(sys.argv[1:] if argv is None else argv)
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("--size-mb", type=int, default=256)
    p.add_argument("--repeat", type=int, default=2)
    p.add_argument("--write", type=Path, help="rewrite this section of a markdown file")
    args = p.parse_args(args_in)
    with tempfile.TemporaryDirectory(prefix="bench-cli-") as tmp:
        rows = measure(args.size_mb, args.repeat, Path(tmp))
    shown = [f"--size-mb {args.size_mb}", f"--repeat {args.repeat}"]
    section = report(rows, shown)
    print(section)
    if args.write:
        write_report(args.write, section)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
