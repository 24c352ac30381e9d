"""The MLflow surface's errors: ``{"error_code", "message"}`` with MLflow's statuses,
mapped once from modelreg's error tree (along the MRO, as the native mapping does).

MLflow differs from the native API: an existing name is RESOURCE_ALREADY_EXISTS with 400
(``mlflow.register_model`` relies on that code to carry on), a missing object is
RESOURCE_DOES_NOT_EXIST with 404, and a bad argument INVALID_PARAMETER_VALUE with 400.
A failed precondition is INVALID_STATE with 400 (MLflow's own 500 for it would make the
client retry for minutes).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

import orjson
from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from modelreg import errors
from modelreg.api.errors import request_id

log = logging.getLogger("modelreg.compat.mlflow")

MLFLOW_ERRORS: dict[type[errors.RegistryError], tuple[int, str]] = {
    errors.InvalidArgument: (400, "INVALID_PARAMETER_VALUE"),
    errors.Unauthenticated: (401, "UNAUTHENTICATED"),
    errors.PermissionDenied: (403, "PERMISSION_DENIED"),
    errors.NotFound: (404, "RESOURCE_DOES_NOT_EXIST"),
    errors.AlreadyExists: (400, "RESOURCE_ALREADY_EXISTS"),
    errors.FailedPrecondition: (400, "INVALID_STATE"),
    errors.PayloadTooLarge: (413, "INVALID_PARAMETER_VALUE"),
    errors.ResourceExhausted: (429, "REQUEST_LIMIT_EXCEEDED"),
    errors.Unavailable: (503, "TEMPORARILY_UNAVAILABLE"),
    errors.RegistryError: (500, "INTERNAL_ERROR"),
}

_HTTP_CODES = {404: "ENDPOINT_NOT_FOUND", 405: "ENDPOINT_NOT_FOUND", 413: "INVALID_PARAMETER_VALUE"}


def mlflow_status(exc: errors.RegistryError) -> tuple[int, str]:
    return next(MLFLOW_ERRORS[c] for c in type(exc).__mro__ if c in MLFLOW_ERRORS)


def mlflow_error(request: Request, status: int, code: str, message: str) -> Response:
    body = orjson.dumps({"error_code": code, "message": message})
    headers = {"X-Request-ID": rid} if (rid := request_id(request)) else None
    return Response(body, status, headers, media_type="application/json")


def _validation_message(exc: RequestValidationError) -> str:
    errs = exc.errors()
    if not errs:
        return "invalid request"
    first = errs[0]
    if first.get("type") == "json_invalid":
        return "malformed JSON body"
    where = ".".join(str(p) for p in first.get("loc", ()) if p not in ("body", "query"))
    return f"invalid value for parameter '{where or 'body'}': {first.get('msg', 'invalid')}"


def to_response(request: Request, exc: Exception) -> Response:
    """Any failure inside an MLflow route, as MLflow's error body."""
    if isinstance(exc, errors.RegistryError):
        status, code = mlflow_status(exc)
        return mlflow_error(request, status, code, exc.message)
    if isinstance(exc, RequestValidationError):
        return mlflow_error(request, 400, "INVALID_PARAMETER_VALUE", _validation_message(exc))
    if isinstance(exc, StarletteHTTPException):
        code = _HTTP_CODES.get(exc.status_code, "BAD_REQUEST")
        return mlflow_error(request, exc.status_code, code, str(exc.detail or code))
    log.exception("unhandled error (request %s)", request_id(request))
    return mlflow_error(request, 500, "INTERNAL_ERROR", "internal error")


class MlflowRoute(APIRoute):
    """A route whose every failure (validation included) answers in MLflow's shape."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except Exception as exc:  # every failure: this surface has one error shape
                return to_response(request, exc)

        return handle
