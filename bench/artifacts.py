"""Artifact throughput: a file up and down through a real ``modelreg serve`` vs the raw
baselines on the same machine.

Local store: a streamed PUT, a multipart upload (the server's part size) and a streamed GET
against ``cp`` of the same file on the same disk (upload: ``cp`` + fsync, since the server
fsyncs what it stores; download: plain ``cp``, since the client does not). S3 store, on a
SeaweedFS started here: the same through modelreg against boto3's ``upload_file`` /
``download_file`` to the same server. Prints a table and, with ``--write``, replaces its own
section of docs/benchmarks.md. The target: every modelreg figure >= 80% of its baseline.

    .venv/bin/python -m bench.artifacts --size-mb 1024 --write docs/benchmarks.md
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
from tests.s3server import start_s3_server
from tests.servers import clean_env, serve

from bench.report import replace_section

START_MARK = "<!-- bench:artifacts:start -->"
END_MARK = "<!-- bench:artifacts:end -->"
CHUNK = 1 << 20


@dataclass
class Row:
    store: str
    operation: str
    modelreg: float  # MB/s
    baseline: float  # MB/s
    baseline_name: str


def _timed(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def _make_file(path: Path, size: int) -> str:
    """A file of random bytes (not compressible, not one repeated block); its sha256."""
    h = hashlib.sha256()
    with path.open("wb") as f:
        left = size
        while left > 0:
            block = os.urandom(min(CHUNK, left))
            f.write(block)
            h.update(block)
            left -= len(block)
    return h.hexdigest()


def _chunks(path: Path, start: int = 0, end: int | None = None) -> Iterator[bytes]:
    with path.open("rb") as f:
        f.seek(start)
        left = (end if end is not None else path.stat().st_size) - start
        while left > 0:
            block = f.read(min(CHUNK, left))
            if not block:
                return
            left -= len(block)
            yield block


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _drop(path: Path) -> None:
    path.unlink(missing_ok=True)


class Api:
    """One model version on a running server, and timed transfers of ``src`` to it."""

    def __init__(self, base_url: str, src: Path, sha: str) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=600)
        self.src, self.sha, self.size = src, sha, src.stat().st_size
        name = f"bench-{uuid.uuid4().hex[:8]}"
        self.http.post("/api/v1/models", json={"name": name}).raise_for_status()
        r = self.http.post(
            f"/api/v1/models/{name}/versions", json={"status": "PENDING_REGISTRATION"}
        )
        r.raise_for_status()
        self.base = f"/api/v1/models/{name}/versions/{r.json()['number']}"

    def put(self, path: str) -> None:
        r = self.http.put(
            f"{self.base}/files/{path}",
            content=_chunks(self.src),
            headers={"X-Checksum-Sha256": self.sha},
        )
        r.raise_for_status()

    def multipart(self, path: str) -> None:
        body = {"path": path, "size": self.size, "sha256": self.sha}
        r = self.http.post(f"{self.base}/uploads", json=body)
        r.raise_for_status()
        upload, part = r.json()["upload_id"], r.json()["part_size"]
        for number, start in enumerate(range(0, self.size, part), start=1):
            r = self.http.put(
                f"{self.base}/uploads/{upload}/parts/{number}",
                content=_chunks(self.src, start, min(start + part, self.size)),
            )
            r.raise_for_status()
        self.http.post(f"{self.base}/uploads/{upload}/complete").raise_for_status()

    def get(self, path: str, dest: Path) -> None:
        with self.http.stream("GET", f"{self.base}/files/{path}") as r, dest.open("wb") as f:
            r.raise_for_status()
            for block in r.iter_raw():
                f.write(block)

    def close(self) -> None:
        self.http.close()


def _through_api(base_url: str, src: Path, sha: str, dst: Path) -> tuple[float, float, float]:
    """Seconds for a PUT, a multipart upload and a GET of ``src`` (downloaded to ``dst``)."""
    api = Api(base_url, src, sha)
    try:
        up = _timed(lambda: api.put("a.bin"))
        multi = _timed(lambda: api.multipart("b.bin"))
        down = _timed(lambda: api.get("a.bin", dst))
    finally:
        api.close()
        _drop(dst)
    return up, multi, down


def bench_local(work: Path, src: Path, sha: str) -> list[Row]:
    mb = src.stat().st_size / 1e6
    dst = work / "copy.bin"
    cp_up = _timed(lambda: (subprocess.run(["cp", str(src), str(dst)], check=True), _fsync(dst)))
    _drop(dst)
    cp_down = _timed(lambda: subprocess.run(["cp", str(src), str(dst)], check=True))
    _drop(dst)
    with serve("--data-dir", str(work / "data"), workdir=work, name="bench") as server:
        up, multi, down = _through_api(server.base_url, src, sha, dst)
    return [
        Row("local", "upload (PUT)", mb / up, mb / cp_up, "cp + fsync"),
        Row("local", "upload (multipart)", mb / multi, mb / cp_up, "cp + fsync"),
        Row("local", "download (GET)", mb / down, mb / cp_down, "cp"),
    ]


def bench_s3(work: Path, src: Path, sha: str) -> list[Row]:
    import boto3
    from botocore.config import Config

    mb = src.stat().st_size / 1e6
    s3 = start_s3_server(work / "seaweedfs")
    try:
        client = boto3.client(
            "s3",
            endpoint_url=s3.endpoint,
            aws_access_key_id=s3.access_key_id,
            aws_secret_access_key=s3.secret_access_key,
            region_name="us-east-1",
            config=Config(s3={"addressing_style": "path"}),
        )
        dst = work / "copy.bin"
        raw_up = _timed(lambda: client.upload_file(str(src), s3.bucket, "raw/a.bin"))
        raw_down = _timed(lambda: client.download_file(s3.bucket, "raw/a.bin", str(dst)))
        _drop(dst)
        client.delete_object(Bucket=s3.bucket, Key="raw/a.bin")
        env = clean_env(
            MODELREG_S3_ENDPOINT=s3.endpoint,
            MODELREG_S3_ACCESS_KEY_ID=s3.access_key_id,
            MODELREG_S3_SECRET_ACCESS_KEY=s3.secret_access_key,
        )
        args = ("--data-dir", str(work / "s3data"), "--artifact-store", f"s3://{s3.bucket}/bench")
        with serve(*args, workdir=work, env=env, name="bench-s3") as server:
            up, multi, down = _through_api(server.base_url, src, sha, dst)
    finally:
        s3.stop()
    return [
        Row("s3", "upload (PUT)", mb / up, mb / raw_up, "boto3 upload_file"),
        Row("s3", "upload (multipart)", mb / multi, mb / raw_up, "boto3 upload_file"),
        Row("s3", "download (GET)", mb / down, mb / raw_down, "boto3 download_file"),
    ]


def table(rows: list[Row]) -> list[str]:
    lines = [
        "| store | operation | modelreg MB/s | baseline | baseline MB/s | modelreg / baseline |",
        "|---|---|---:|---|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r.store} | {r.operation} | {r.modelreg:,.0f} | {r.baseline_name} "
            f"| {r.baseline:,.0f} | {r.modelreg / r.baseline:.0%} |"
        )
    return lines


def section(rows: list[Row], size_mb: int, argv: list[str]) -> str:
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    machine = f"{os.cpu_count()} cores ({platform.machine()}, {platform.system()})"
    return "\n".join(
        [
            START_MARK,
            "",
            f"Measured {when} on {machine}, Python {platform.python_version()}, "
            f"a {size_mb} MB file of random bytes, by:",
            "",
            "```",
            shlex.join([".venv/bin/python", "-m", "bench.artifacts", *argv]),
            "```",
            "",
            "One run each, client and server on the same machine (loopback). Local baselines "
            "are `cp` on the same disk (+ fsync for uploads: the server fsyncs what it "
            "stores); S3 baselines are boto3 against the same SeaweedFS. Multipart uses the "
            "server's part size, parts sent one after another. Target: >= 80% of baseline.",
            "",
            *table(rows),
            "",
            "Where the time goes (not yet optimised): the server's per-chunk ASGI receive and "
            "sha256 on one core, the httpx client on the same 2 cores, and for multipart the "
            "bytes are written twice (each part, then the assembled blob, both fsynced; on "
            "S3 the parts are read back and uploaded again) because sha256 must run over the "
            "parts in order.",
            "",
            END_MARK,
        ]
    )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("--size-mb", type=int, default=1024, help="file size in MB (MiB-rounded)")
    p.add_argument("--workdir", type=Path, help="scratch folder (default: a temp dir)")
    p.add_argument("--no-s3", action="store_true", help="skip the S3 (SeaweedFS) half")
    p.add_argument("--write", type=Path, help="Markdown file whose artifacts section to replace")
    args = p.parse_args()
    work = Path(tempfile.mkdtemp(prefix="modelreg-bench-", dir=args.workdir))
    try:
        src = work / "src.bin"
        sha = _make_file(src, args.size_mb << 20)
        rows = bench_local(work, src, sha)
        if not args.no_s3:
            rows += bench_s3(work, src, sha)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("\n".join(table(rows)))
    if args.write:
        replace_section(
            args.write,
            START_MARK,
            END_MARK,
            "## Artifact throughput",
            section(rows, args.size_mb, sys.argv[1:]),
        )
        print(f"wrote {args.write}")


if __name__ == "__main__":
    main()
