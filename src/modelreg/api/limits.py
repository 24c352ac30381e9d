"""Request limits: the per-token rate limit, the metadata body size, the body deadline.

The limiter keeps its counters in the server process (as the brief allows): with several
processes each enforces the limit on its own, so the effective limit is up to N times the
configured one. Sharing counters would need a store all processes reach (e.g. Redis).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar
from uuid import UUID

import anyio
from fastapi import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from modelreg.domain.entities import Principal
from modelreg.errors import ResourceExhausted


class RateLimiter:
    """A token bucket per API token: ``limit`` requests per minute, in bursts of up to
    ``limit``; refilled continuously."""

    def __init__(
        self, default_limit: int | None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.default_limit = default_limit
        self.clock = clock
        self._buckets: dict[UUID, tuple[float, float]] = {}  # token -> (level, at)
        self._lock = threading.Lock()

    def check(self, who: Principal) -> None:
        """Take one request from ``who``'s bucket, or raise RESOURCE_EXHAUSTED."""
        limit = who.rate_limit or self.default_limit
        if limit is None or who.token_id is None:
            return
        rate = limit / 60.0
        now = self.clock()
        with self._lock:
            level, at = self._buckets.get(who.token_id, (float(limit), now))
            level = min(float(limit), level + (now - at) * rate)
            if level < 1.0:
                self._buckets[who.token_id] = (level, now)
                retry_after = max(1, math.ceil((1.0 - level) / rate))
                raise ResourceExhausted(
                    f"rate limit of {limit} requests per minute exceeded; retry in {retry_after} s",
                    {"limit_per_minute": limit, "retry_after": retry_after},
                )
            self._buckets[who.token_id] = (level - 1.0, now)


# --- request body size ---------------------------------------------------------------------

_STREAMED = "__modelreg_streamed_body__"
F = TypeVar("F", bound=Callable[..., Any])


def streamed_body(endpoint: F) -> F:
    """Mark a route whose body is file bytes, not metadata: exempt from the body limit."""
    setattr(endpoint, _STREAMED, True)
    return endpoint


def _is_streamed(scope: Scope) -> bool:
    # Routing has happened by the time the endpoint reads its body, and the router records
    # the endpoint in the (shared) scope.
    return bool(getattr(scope.get("endpoint"), _STREAMED, False))


class BodyLimitMiddleware:
    """Refuse metadata bodies over ``limit`` bytes with 413 PAYLOAD_TOO_LARGE, by the
    declared Content-Length or, for chunked bodies, as the bytes arrive (nothing is
    buffered here). Routes marked with :func:`streamed_body` are exempt."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = None
        for name, value in scope["headers"]:
            if name == b"content-length":
                declared = int(value) if value.isdigit() else None
                break
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            exempt = _is_streamed(scope)
            if not exempt and declared is not None and declared > self.limit:
                raise self._too_large()
            message = await receive()
            if message["type"] == "http.request" and not exempt:
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise self._too_large()
            return message

        await self.app(scope, limited, send)

    def _too_large(self) -> HTTPException:
        # An HTTPException: FastAPI passes it through its body parsing untouched, and the
        # app's handler renders the native envelope (PAYLOAD_TOO_LARGE).
        return HTTPException(413, f"request body larger than {self.limit} bytes")


# --- a deadline for the client's request body ----------------------------------------------


class BodyDeadlineMiddleware:
    """408 REQUEST_TIMEOUT when a client is too slow with its request body, so a slow (or
    malicious) client cannot hold a worker: a metadata body must arrive within ``timeout``
    seconds of the first read; a file upload (:func:`streamed_body`) may take as long as it
    needs but must not stall for ``timeout`` seconds between chunks."""

    def __init__(self, app: ASGIApp, timeout: float) -> None:
        self.app = app
        self.timeout = timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        first_read: float | None = None
        complete = False

        async def timed() -> Message:
            nonlocal first_read, complete
            if complete:  # e.g. waiting for a disconnect while a response streams
                return await receive()
            now = time.monotonic()
            first_read = first_read if first_read is not None else now
            budget = self.timeout
            if not _is_streamed(scope):
                budget -= now - first_read
            with anyio.move_on_after(max(budget, 0.0)) as waited:
                message = await receive()
            if waited.cancelled_caught:
                raise HTTPException(
                    408, f"request body not received within {self.timeout:g} s; send it faster"
                )
            if message["type"] != "http.request" or not message.get("more_body", False):
                complete = True
            return message

        await self.app(scope, timed, send)
