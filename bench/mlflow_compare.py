"""Side by side: one registry workload against modelreg's MLflow API and a real MLflow server.

Both servers run on this machine at once, on SQLite, one worker each; the MLflow server
comes from a virtualenv of its own that this script creates (bench/.venv-mlflow). Each phase
runs against modelreg, then against MLflow, with the same requests from the same client:

- create: models, then versions from 16 concurrent creators (every answer must be 200);
- search-name: ``name = 'bench-m007'`` (first page of 100), from several threads;
- search-tag: ``tags.team = 't3'`` (first page of 100), from several threads;
- walk: every version, page by page through next_page_token (the first pages' latency
  against the last pages').

For each phase it measures the CPU time of each server's whole process tree (psutil, user +
system, before and after), wall time, req/s and client-side p50/p99, and writes the ratio
table to docs/benchmarks.md. Client and servers share the machine's cores, so req/s and
latencies are relative; CPU per request is the comparable figure.

    .venv/bin/python -m bench.mlflow_compare --models 20 --versions 20 --searches 50
    .venv/bin/python -m bench.mlflow_compare --write docs/benchmarks.md   # full scale
"""

from __future__ import annotations

import argparse
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
import venv
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench.report import tree_cpu_seconds
from bench.search import write_report

BENCH_VENV = Path(__file__).resolve().parent / ".venv-mlflow"
MLFLOW_VERSION = "3.17.2"  # the version of the mlflow-skinny client the tests use
START_MARK = "<!-- bench:mlflow:start -->"
END_MARK = "<!-- bench:mlflow:end -->"
API = "/api/2.0/mlflow"
QUIET_ENV = {"MLFLOW_DISABLE_TELEMETRY": "true", "DO_NOT_TRACK": "true"}


def mlflow_executable() -> Path:
    """``mlflow`` from the bench's own virtualenv, created on first use."""
    exe = BENCH_VENV / "bin" / "mlflow"
    if not exe.exists():
        print(f"creating {BENCH_VENV} with mlflow=={MLFLOW_VERSION} (a few minutes, once)")
        venv.create(BENCH_VENV, with_pip=True)
        pip = [str(BENCH_VENV / "bin" / "python"), "-m", "pip", "install", "-q"]
        subprocess.run([*pip, f"mlflow=={MLFLOW_VERSION}"], check=True)
    return exe


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Target:
    name: str
    base_url: str
    proc: subprocess.Popen[bytes]

    def cpu_seconds(self) -> float:
        """User + system CPU of the server and every process under it, now."""
        return tree_cpu_seconds(self.proc.pid)


def _wait_ready(target: Target, timeout: float = 180.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if target.proc.poll() is not None:
            raise RuntimeError(f"{target.name} exited with {target.proc.returncode}")
        try:
            r = httpx.get(f"{target.base_url}{API}/registered-models/search", timeout=2)
            if r.status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{target.name} not ready after {timeout:.0f} s")


@contextmanager
def servers(workdir: Path) -> Iterator[list[Target]]:
    """modelreg and MLflow, both on SQLite in ``workdir``, both stopped on exit."""
    env = {**os.environ, **QUIET_ENV}
    env = {k: v for k, v in env.items() if not k.startswith("MODELREG_")}
    mp, fp = free_port(), free_port()
    modelreg = Path(sys.executable).parent / "modelreg"
    cmds = {
        "modelreg": [
            str(modelreg), "serve", "--host", "127.0.0.1", "--port", str(mp),
            "--data-dir", str(workdir / "modelreg"), "--log-level", "warning", "--no-auth",
        ],
        "mlflow": [
            str(mlflow_executable()), "server", "--host", "127.0.0.1", "--port", str(fp),
            "--backend-store-uri", f"sqlite:///{workdir / 'mlflow.db'}",
            "--artifacts-destination", str(workdir / "mlflow-artifacts"), "--workers", "1",
        ],
    }  # fmt: skip
    targets: list[Target] = []
    try:
        for name, cmd in cmds.items():
            log = (workdir / f"{name}.log").open("wb")
            proc = subprocess.Popen(
                cmd, cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
            port = mp if name == "modelreg" else fp
            targets.append(Target(name, f"http://127.0.0.1:{port}", proc))
        for t in targets:
            _wait_ready(t)
        yield targets
    finally:
        for t in targets:
            if t.proc.poll() is None:
                t.proc.terminate()
                try:
                    t.proc.wait(15)
                except subprocess.TimeoutExpired:
                    os.killpg(t.proc.pid, 9)
                    t.proc.wait(5)


@dataclass
class PhaseResult:
    latencies: list[float] = field(default_factory=list)  # seconds, in request order
    errors: int = 0
    wall: float = 0.0
    cpu: float = 0.0

    @property
    def requests(self) -> int:
        return len(self.latencies)

    def pct(self, q: float) -> float:
        if not self.latencies:
            return float("nan")
        xs = sorted(self.latencies)
        return xs[min(len(xs) - 1, int(q * len(xs)))] * 1000


Request = Callable[[httpx.Client], httpx.Response]


def run_phase(target: Target, requests: Sequence[Request], threads: int) -> PhaseResult:
    """Send ``requests`` from ``threads`` threads; the server tree's CPU over the phase."""
    result = PhaseResult()
    clients = [httpx.Client(base_url=target.base_url, timeout=60) for _ in range(threads)]

    def send(i: int) -> tuple[float, bool]:
        t0 = time.perf_counter()
        r = requests[i](clients[i % threads])
        return time.perf_counter() - t0, r.status_code == 200

    cpu0, wall0 = target.cpu_seconds(), time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        for latency, ok in pool.map(send, range(len(requests))):
            result.latencies.append(latency)
            result.errors += not ok
    result.wall = time.perf_counter() - wall0
    result.cpu = target.cpu_seconds() - cpu0
    for c in clients:
        c.close()
    return result


def walk(target: Target, page: int) -> PhaseResult:
    """Every bench version, page by page, sequentially (each page needs the last token)."""
    result = PhaseResult()
    cpu0, wall0 = target.cpu_seconds(), time.perf_counter()
    with httpx.Client(base_url=target.base_url, timeout=60) as c:
        token = None
        while True:
            q: dict[str, Any] = {"filter": "name LIKE 'bench-%'", "max_results": page}
            if token:
                q["page_token"] = token
            t0 = time.perf_counter()
            r = c.get(f"{API}/model-versions/search", params=q)
            result.latencies.append(time.perf_counter() - t0)
            if r.status_code != 200:
                result.errors += 1
                break
            token = r.json().get("next_page_token")
            if not token:
                break
    result.wall = time.perf_counter() - wall0
    result.cpu = target.cpu_seconds() - cpu0
    return result


def workload(models: int, versions: int, searches: int) -> dict[str, tuple[list[Request], int]]:
    names = [f"bench-m{m:03}" for m in range(models)]

    def create_model(name: str) -> Request:
        return lambda c: c.post(f"{API}/registered-models/create", json={"name": name})

    def create_version(i: int) -> Request:
        body = {
            "name": names[i % models],
            "source": f"s3://bench/{i}",
            "tags": [{"key": "team", "value": f"t{i % 10}"}],
        }
        return lambda c: c.post(f"{API}/model-versions/create", json=body)

    def search(filter_text: str) -> Request:
        q = {"filter": filter_text, "max_results": 100}
        return lambda c: c.get(f"{API}/model-versions/search", params=q)

    by_name = f"name = '{names[min(7, models - 1)]}'"
    return {
        "create-models": ([create_model(n) for n in names], 4),
        "create-versions": ([create_version(i) for i in range(models * versions)], 16),
        "search-name": ([search(by_name)] * searches, 4),
        "search-tag": ([search("tags.team = 't3'")] * searches, 4),
    }


IDLE_WINDOW = 2.0
SETTLE_LIMIT = 120.0
SETTLED = 0.05  # CPU s/s below which a server counts as idle


def settle(targets: Sequence[Target]) -> dict[str, float]:
    """Wait (up to SETTLE_LIMIT) until no server tree burns CPU on its own any more (MLflow
    finishes migrations and starts background workers after it answers); the idle rates
    last measured (CPU s/s, inside every phase's figure, so shown beside them)."""
    deadline = time.monotonic() + SETTLE_LIMIT
    while True:
        before = {t.name: t.cpu_seconds() for t in targets}
        time.sleep(IDLE_WINDOW)
        rates = {t.name: (t.cpu_seconds() - before[t.name]) / IDLE_WINDOW for t in targets}
        if max(rates.values()) < SETTLED or time.monotonic() > deadline:
            return rates


def run(
    models: int, versions: int, searches: int, page: int
) -> tuple[dict[str, dict[str, PhaseResult]], dict[str, float]]:
    results: dict[str, dict[str, PhaseResult]] = {}
    with tempfile.TemporaryDirectory(prefix="mlflow-compare-") as tmp, servers(Path(tmp)) as ts:
        idle = settle(ts)
        print("idle CPU s/s: " + ", ".join(f"{k} {v:.3f}" for k, v in idle.items()))
        for phase, (requests, threads) in workload(models, versions, searches).items():
            for t in ts:  # the same phase on each server, back to back
                results.setdefault(phase, {})[t.name] = run_phase(t, requests, threads)
                print(f"{phase:16} {t.name:9} {_line(results[phase][t.name])}")
        for t in ts:
            results.setdefault("walk", {})[t.name] = walk(t, page)
            print(f"{'walk':16} {t.name:9} {_line(results['walk'][t.name])}")
    return results, idle


def _line(r: PhaseResult) -> str:
    per = r.cpu / max(r.requests, 1) * 1000
    return (
        f"{r.requests:6} req {r.errors} err {r.requests / r.wall:8.1f} req/s "
        f"p50 {r.pct(0.5):7.1f} ms p99 {r.pct(0.99):7.1f} ms cpu {per:6.2f} ms/req"
    )


def report(results: dict[str, dict[str, PhaseResult]], idle: dict[str, float], command: str) -> str:
    lines = [
        START_MARK,
        "",
        f"`{command}` (SQLite for both, one worker each; client on the same 2 cores).",
        "",
        "| phase | requests | errors (modelreg / MLflow) | req/s (modelreg / MLflow) "
        "| p50 ms | p99 ms | server CPU ms/req (modelreg / MLflow) | CPU ratio |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for phase, by in results.items():
        a, b = by["modelreg"], by["mlflow"]
        ca, cb = a.cpu / max(a.requests, 1) * 1000, b.cpu / max(b.requests, 1) * 1000
        ratio = f"1/{cb / ca:.1f}" if ca > 0 else "n/a"
        lines.append(
            f"| {phase} | {a.requests} / {b.requests} | {a.errors} / {b.errors} "
            f"| {a.requests / a.wall:.0f} / {b.requests / b.wall:.0f} "
            f"| {a.pct(0.5):.1f} / {b.pct(0.5):.1f} | {a.pct(0.99):.1f} / {b.pct(0.99):.1f} "
            f"| {ca:.2f} / {cb:.2f} | {ratio} |"
        )
    for name in ("modelreg", "mlflow"):
        w = results["walk"][name].latencies
        k = max(1, len(w) // 10)
        first, last = statistics.median(w[:k]) * 1000, statistics.median(w[-k:]) * 1000
        lines.append(
            f"\nWalk on {name}: {len(w)} pages; median of the first {k}: {first:.1f} ms, "
            f"of the last {k}: {last:.1f} ms."
        )
    lines.append(
        f"\nIdle CPU of each server tree (already inside the figures above): modelreg "
        f"{idle['modelreg'] * 1000:.1f} ms/s, MLflow {idle['mlflow'] * 1000:.1f} ms/s."
    )
    lines += ["", END_MARK]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("--models", type=int, default=100)
    p.add_argument("--versions", type=int, default=100, help="versions per model")
    p.add_argument("--searches", type=int, default=1000, help="requests per search phase")
    p.add_argument("--page", type=int, default=100, help="page size of the walk")
    p.add_argument("--write", type=Path, help="Markdown file whose MLflow section to replace")
    args = p.parse_args(argv)
    results, idle = run(args.models, args.versions, args.searches, args.page)
    command = ".venv/bin/python -m bench.mlflow_compare " + " ".join(
        shlex.quote(a) for a in (sys.argv[1:] if argv is None else argv)
    )
    section = report(results, idle, command)
    print("\n" + section)
    if args.write:
        write_report(args.write, section, START_MARK, END_MARK, "modelreg vs MLflow")
        print(f"\nwrote {args.write}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
