"""Maps every failure to the native error envelope, once, for the whole app.

``{"error": {"code", "message", "details", "request_id"}}``; statuses come from NATIVE_STATUS,
looked up along the exception's MRO so a subclass inherits its parent's status.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.routing import BaseRoute, Match

from modelreg import errors

log = logging.getLogger("modelreg.api")

NATIVE_STATUS: dict[type[errors.RegistryError], int] = {
    errors.InvalidArgument: 400,
    errors.Unauthenticated: 401,
    errors.PermissionDenied: 403,
    errors.NotFound: 404,
    errors.AlreadyExists: 409,
    errors.FailedPrecondition: 409,
    errors.PayloadTooLarge: 413,
    errors.ResourceExhausted: 429,
    errors.DeadlineExceeded: 504,
    errors.Unavailable: 503,
    errors.RegistryError: 500,
}

# Framework-level HTTP statuses (routing, body parsing) and the code each one carries.
_HTTP_CODES = {
    400: "INVALID_ARGUMENT",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    408: "REQUEST_TIMEOUT",
    413: "PAYLOAD_TOO_LARGE",
    415: "INVALID_ARGUMENT",
}


def status_for(exc: errors.RegistryError) -> int:
    return next(NATIVE_STATUS[c] for c in type(exc).__mro__ if c in NATIVE_STATUS)


def request_id(request: Request) -> str:
    return str(request.scope.get("state", {}).get("request_id", ""))


def error_response(
    request: Request,
    status: int,
    code: str,
    message: str,
    details: dict[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    body = {
        "error": {
            "code": code,
            "message": message,
            "details": details or {},
            "request_id": request_id(request),
        }
    }
    return Response(orjson.dumps(body, default=str), status, headers, media_type="application/json")


def _allowed_methods(app: FastAPI, request: Request) -> list[str]:
    """Every method some route serves at this path. Starlette's own Allow header names only
    the first route whose path matches, and one path often has several routes."""
    routes = [r for r in app.router.routes if isinstance(r, BaseRoute)]
    allowed = []
    for method in ("DELETE", "GET", "HEAD", "PATCH", "POST", "PUT"):
        scope = {**request.scope, "method": method}
        if any(r.matches(scope)[0] is Match.FULL for r in routes):
            allowed.append(method)
    return allowed


def _loc(loc: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in loc if p not in ("body",)) or "body"


# How a compatibility surface renders any failure under its path prefix (registered in
# app.state.error_shapes by the surface when it is installed).
ErrorShape = Callable[[Request, Exception], Response]


def error_shape(app: Any, path: str) -> ErrorShape | None:
    """The renderer of the surface that owns ``path``, if one does (else: the native one)."""
    shapes: dict[str, ErrorShape] = getattr(app.state, "error_shapes", {})
    return next((r for prefix, r in shapes.items() if path.startswith(prefix)), None)


def install(app: FastAPI) -> None:
    """Register the handlers on ``app``."""

    @app.exception_handler(errors.RegistryError)
    async def _registry(request: Request, exc: errors.RegistryError) -> Response:
        return error_response(request, status_for(exc), exc.code, exc.message, exc.details)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        errs = exc.errors()
        if errs and errs[0].get("type") == "json_invalid":
            reason = (errs[0].get("ctx") or {}).get("error", "invalid JSON")
            return error_response(
                request,
                400,
                "INVALID_ARGUMENT",
                f"malformed JSON body: {reason}",
                {"field": "body"},
            )
        problems = [
            {"field": _loc(tuple(e.get("loc", ()))), "reason": e.get("msg", "invalid")}
            for e in errs
        ]
        first = problems[0] if problems else {"field": "body", "reason": "invalid"}
        message = f"invalid {first['field']}: {first['reason']}"
        return error_response(request, 400, "INVALID_ARGUMENT", message, {"errors": problems})

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        # An unmatched path under a compatibility surface answers in that surface's shape.
        shape = error_shape(app, request.url.path)
        if shape is not None:
            return shape(request, exc)
        code = _HTTP_CODES.get(exc.status_code, "INVALID_ARGUMENT")
        message = str(exc.detail) if exc.detail else code.lower()
        headers = exc.headers
        if exc.status_code == 405:
            headers = {"Allow": ", ".join(_allowed_methods(app, request))}
        return error_response(request, exc.status_code, code, message, headers=headers)

    @app.exception_handler(Exception)
    async def _internal(request: Request, exc: Exception) -> Response:
        rid = request_id(request)
        log.exception("unhandled error (request %s)", rid)
        # Starlette runs this handler in ServerErrorMiddleware, outside RequestIdMiddleware,
        # so the header has to be set here.
        headers = {"X-Request-ID": rid} if rid else None
        return error_response(request, 500, "INTERNAL", "internal error", headers=headers)
