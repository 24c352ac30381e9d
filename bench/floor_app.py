"""The floor under bench/artifacts.py: a bare ASGI app on uvicorn (as ``modelreg serve``
runs it) doing only the work a checksummed upload or a download cannot skip. ``PUT /f``
hashes each body chunk and writes it to one file, then fsyncs; ``GET /f`` streams that file
back in 1 MiB blocks. No framework, no middleware, no database, no thread hops: what the
HTTP server and the byte work alone cost, to tell modelreg's overhead from theirs."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from starlette.types import Receive, Scope, Send

FILE = Path(os.environ.get("FLOOR_FILE", "floor.bin"))
BLOCK = 1 << 20


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] != "http":
        return
    if scope["method"] == "PUT":
        h = hashlib.sha256()
        with FILE.open("wb") as f:
            more = True
            while more:
                message = await receive()
                chunk = message.get("body", b"")
                h.update(chunk)
                f.write(chunk)
                more = message.get("more_body", False)
            f.flush()
            os.fsync(f.fileno())
        body = h.hexdigest().encode()
        await send({"type": "http.response.start", "status": 201, "headers": []})
        await send({"type": "http.response.body", "body": body})
        return
    if not FILE.exists():
        await send({"type": "http.response.start", "status": 404, "headers": []})
        await send({"type": "http.response.body", "body": b""})
        return
    size = FILE.stat().st_size
    headers = [(b"content-length", str(size).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    with FILE.open("rb") as f:
        while block := f.read(BLOCK):
            await send({"type": "http.response.body", "body": block, "more_body": True})
    await send({"type": "http.response.body", "body": b""})
