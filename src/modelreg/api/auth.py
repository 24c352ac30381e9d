"""Authentication for the whole app (native API, MLflow compat and anything mounted later):
one pure ASGI middleware in front of routing, so an unknown path is 401 before it is 404."""

from __future__ import annotations

import anyio.to_thread
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from modelreg.api.errors import error_response, error_shape, status_for
from modelreg.api.limits import RateLimiter
from modelreg.domain.entities import ANONYMOUS, Principal
from modelreg.errors import RegistryError, Unauthenticated
from modelreg.services import Services

# What answers without a token: probes and the API's own documentation.
PUBLIC_PATHS = frozenset(
    {"/healthz", "/readyz", "/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"}
)
PRINCIPAL_KEY = "principal"


def presented_token(scope: Scope) -> str | None:
    """The token from ``Authorization: Bearer <t>`` or ``X-Auth-Token: <t>``.

    A malformed Authorization header yields "" (invalid, not missing): the client meant to
    authenticate and should hear that it failed.
    """
    auth = x_auth = None
    for name, value in scope["headers"]:
        if name == b"authorization" and auth is None:
            auth = value.decode("latin-1")
        elif name == b"x-auth-token" and x_auth is None:
            x_auth = value.decode("latin-1").strip()
    if auth is not None:
        scheme, _, credentials = auth.strip().partition(" ")
        return credentials.strip() if scheme.lower() == "bearer" else ""
    return x_auth


def caller(scope: Scope) -> Principal:
    """The principal the middleware authenticated, or ``anonymous`` with auth off."""
    found = scope.get("state", {}).get(PRINCIPAL_KEY)
    return found if isinstance(found, Principal) else ANONYMOUS


class AuthMiddleware:
    """Resolve the request's token to a principal (or answer 401), then apply its rate
    limit (429). The principal goes into the request state for ``deps.get_caller``."""

    def __init__(self, app: ASGIApp, services: Services, limiter: RateLimiter) -> None:
        self.app = app
        self.services = services
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in PUBLIC_PATHS:
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        token = presented_token(scope)
        request_id = state.get("request_id")
        try:
            # The lookup is a (fast, indexed) blocking query: off the event loop.
            principal = await anyio.to_thread.run_sync(
                self.services.access.authenticate, token, request_id
            )
            self.limiter.check(principal)
        except RegistryError as exc:
            await self._refuse(scope, receive, send, exc)
            return
        state[PRINCIPAL_KEY] = principal
        await self.app(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, exc: RegistryError) -> None:
        headers = {}
        if isinstance(exc, Unauthenticated):
            headers["WWW-Authenticate"] = 'Bearer realm="modelreg"'
        retry = exc.details.get("retry_after")
        if retry is not None:
            headers["Retry-After"] = str(retry)
        request = Request(scope, receive)
        # A compatibility surface (MLflow) answers in its own error shape.
        render = error_shape(scope["app"], scope.get("path", ""))
        if render is not None:
            response = render(request, exc)
            response.headers.update(headers)
        else:
            response = error_response(
                request, status_for(exc), exc.code, exc.message, exc.details, headers
            )
        await response(scope, receive, send)
