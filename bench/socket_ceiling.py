"""The ceiling under any artifact transfer over loopback on this machine: raw TCP sockets,
no HTTP, no framework, the kernel doing the sending (``sendfile``).

- download: a server process ``sendfile``s the file; the client receives into a 1 MiB
  buffer and writes a file on the same disk (what a deployment pulling a model does).
- upload: the client ``sendfile``s; the server receives, sha256-hashes (the checksum it
  must verify) and writes, then fsyncs; once with hashing in the receiving thread, once with
  hashing and writing in a second thread.

Compared with ``cp`` (and ``cp`` + fsync) of the same file, as bench/artifacts.py does: if
even this is under 80% of ``cp``, no HTTP server can reach it here.

    .venv/bin/python -m bench.socket_ceiling --size-mb 1024 --write docs/benchmarks.md
"""

from __future__ import annotations

import argparse
import hashlib
import multiprocessing as mp
import os
import queue
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

BLOCK = 1 << 20
START_MARK = "<!-- bench:ceiling:start -->"
END_MARK = "<!-- bench:ceiling:end -->"


def _listen() -> tuple[socket.socket, int]:
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    return srv, srv.getsockname()[1]


def _send_file(sock: socket.socket, path: Path) -> None:
    with path.open("rb") as f:
        sock.sendfile(f)
    sock.shutdown(socket.SHUT_WR)


def _receive(sock: socket.socket, dest: Path, hashed: str) -> str:
    """Receive to ``dest``; hash in this thread ("inline"), another ("thread") or not ("")."""
    h = hashlib.sha256()
    work: queue.Queue[bytes | None] = queue.Queue(maxsize=8)

    def consume(out: object) -> None:
        while (chunk := work.get()) is not None:
            h.update(chunk)
            out.write(chunk)  # type: ignore[attr-defined]

    with dest.open("wb") as out:
        worker = threading.Thread(target=consume, args=(out,)) if hashed == "thread" else None
        if worker:
            worker.start()
        while True:
            chunk = sock.recv(BLOCK)
            if not chunk:
                break
            if worker:
                work.put(chunk)
                continue
            if hashed:
                h.update(chunk)
            out.write(chunk)
        if worker:
            work.put(None)
            worker.join()
        out.flush()
        os.fsync(out.fileno())
    return h.hexdigest()


def _upload_server(srv: socket.socket, dest: str, hashed: str) -> None:
    conn, _ = srv.accept()
    _receive(conn, Path(dest), hashed)
    conn.sendall(b"ok")
    conn.close()


def _download_server(srv: socket.socket, src: str) -> None:
    conn, _ = srv.accept()
    _send_file(conn, Path(src))
    conn.recv(2)
    conn.close()


def _timed(fn: Callable[[], object]) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def upload(src: Path, dest: Path, hashed: str) -> float:
    srv, port = _listen()
    proc = mp.Process(target=_upload_server, args=(srv, str(dest), hashed))
    proc.start()

    def run() -> None:
        with socket.create_connection(("127.0.0.1", port)) as s:
            _send_file(s, src)
            s.recv(2)

    took = _timed(run)
    proc.join()
    srv.close()
    return took


def download(src: Path, dest: Path) -> float:
    srv, port = _listen()
    proc = mp.Process(target=_download_server, args=(srv, str(src)))
    proc.start()

    def run() -> None:
        with socket.create_connection(("127.0.0.1", port)) as s:
            with dest.open("wb") as out:
                buf = bytearray(BLOCK)
                view = memoryview(buf)
                while n := s.recv_into(buf):
                    out.write(view[:n])
            s.sendall(b"ok")

    took = _timed(run)
    proc.join()
    srv.close()
    return took


def _cp(src: Path, dest: Path, fsync: bool) -> float:
    def run() -> None:
        subprocess.run(["cp", str(src), str(dest)], check=True)
        if fsync:
            fd = os.open(dest, os.O_RDONLY)
            os.fsync(fd)
            os.close(fd)

    return _timed(run)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--size-mb", type=int, default=1024)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--write", type=Path, help="Markdown file whose ceiling section to replace")
    args = p.parse_args()
    work = Path(tempfile.mkdtemp(prefix="ceiling-", dir=os.environ.get("TMPDIR", "/tmp")))
    try:
        src = work / "src.bin"
        with src.open("wb") as f:
            for _ in range(args.size_mb):
                f.write(os.urandom(BLOCK))
        mb = args.size_mb * BLOCK / 1e6
        cases: list[tuple[str, str, Callable[[Path], float]]] = [
            ("cp", "", lambda d: _cp(src, d, False)),
            ("cp + fsync", "", lambda d: _cp(src, d, True)),
            ("download: sendfile -> recv -> file", "cp", lambda d: download(src, d)),
            (
                "upload: sendfile -> recv -> file + fsync",
                "cp + fsync",
                lambda d: upload(src, d, ""),
            ),
            (
                "upload: ... + sha256 inline",
                "cp + fsync",
                lambda d: upload(src, d, "inline"),
            ),
            (
                "upload: ... + sha256 and write in a 2nd thread",
                "cp + fsync",
                lambda d: upload(src, d, "thread"),
            ),
        ]
        speeds: dict[str, float] = {}
        lines = [f"| transfer | MB/s (best of {args.repeat}) | vs baseline |", "|---|---:|---:|"]
        for label, base, fn in cases:
            best = 0.0
            for i in range(args.repeat):
                dest = work / f"out-{i}.bin"
                best = max(best, mb / fn(dest))
                dest.unlink()
            speeds[label] = best
            ratio = f"{best / speeds[base]:.0%} of {base}" if base else ""
            lines.append(f"| {label} | {best:,.0f} | {ratio} |")
            print(lines[-1], flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if args.write:
        body = "\n".join(
            [
                START_MARK,
                "",
                f"`.venv/bin/python -m bench.socket_ceiling --size-mb {args.size_mb} "
                f"--repeat {args.repeat}` ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())},"
                " client and server processes on the same 2 cores, loopback):",
                "",
                *lines,
                "",
                END_MARK,
            ]
        )
        text = args.write.read_text()
        if START_MARK in text:
            head, rest = text.split(START_MARK, 1)
            text = head + body + rest.split(END_MARK, 1)[1]
        else:
            text = text.rstrip("\n") + "\n\n" + body + "\n"
        args.write.write_text(text)


if __name__ == "__main__":
    main()
