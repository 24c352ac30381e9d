"""The SDK's one HTTP seam: where the server is, which token to send, how a request goes
out and how a non-2xx answer becomes a typed :mod:`modelreg.errors` exception."""

from __future__ import annotations

import os
from collections.abc import Mapping
from contextlib import suppress
from typing import Any
from urllib.parse import quote

import httpx

from modelreg import errors
from modelreg.client._pager import Pager
from modelreg.client.config import load_cli_config

DEFAULT_URL = "http://127.0.0.1:8080"
DEFAULT_WORKSPACE = "default"
API = "/api/v1"

Json = dict[str, Any]

_BY_CODE: dict[str, type[errors.RegistryError]] = {
    "INVALID_ARGUMENT": errors.InvalidArgument,
    "NOT_FOUND": errors.NotFound,
    "ALREADY_EXISTS": errors.AlreadyExists,
    "FAILED_PRECONDITION": errors.FailedPrecondition,
    "PERMISSION_DENIED": errors.PermissionDenied,
    "UNAUTHENTICATED": errors.Unauthenticated,
    "PAYLOAD_TOO_LARGE": errors.PayloadTooLarge,
    "RESOURCE_EXHAUSTED": errors.ResourceExhausted,
    "UNAVAILABLE": errors.Unavailable,
}

# When the body is not the registry's envelope (a proxy answered, say).
_BY_STATUS: dict[int, type[errors.RegistryError]] = {
    400: errors.InvalidArgument,
    401: errors.Unauthenticated,
    403: errors.PermissionDenied,
    404: errors.NotFound,
    409: errors.FailedPrecondition,
    413: errors.PayloadTooLarge,
    429: errors.ResourceExhausted,
    502: errors.Unavailable,
    503: errors.Unavailable,
    504: errors.Unavailable,
}


class ChecksumMismatch(errors.RegistryError):
    """Downloaded bytes do not match the sha256 the registry recorded (nothing was kept)."""

    code = "DATA_LOSS"


def seg(value: str | int) -> str:
    """One URL path segment."""
    return quote(str(value), safe="")


def file_seg(path: str) -> str:
    """A '/'-separated file path inside a URL."""
    return quote(path, safe="/")


def _norm(url: str) -> str:
    return url.rstrip("/")


def resolve_connection(url: str | None, token: str | None) -> tuple[str, str | None]:
    """The server URL and token to use: the arguments, else ``$MODELREG_URL`` /
    ``$MODELREG_TOKEN``, else the CLI config file, else ``http://127.0.0.1:8080`` and none.

    The saved token is only sent to the server it was saved for (or when the config names
    no server), so pointing the CLI at another URL never leaks it there."""
    config = load_cli_config()
    chosen = url or os.environ.get("MODELREG_URL") or config.url or DEFAULT_URL
    chosen = _norm(chosen)
    if token is None:
        token = os.environ.get("MODELREG_TOKEN") or None
    if token is None and config.token and (config.url is None or _norm(config.url) == chosen):
        token = config.token
    return chosen, token


class Http:
    """Sends requests to one server and raises the registry error of any non-2xx answer."""

    def __init__(
        self, url: str, token: str | None, http: httpx.Client | None, timeout: float
    ) -> None:
        self.url = url
        self.token = token
        self._owns = http is None
        self._client = http if http is not None else httpx.Client(timeout=timeout)

    def close(self) -> None:
        """Close the connection pool, unless the caller passed their own client in."""
        if self._owns:
            self._client.close()

    def _headers(self, extra: Mapping[str, str] | None) -> dict[str, str]:
        headers = {"Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if extra:
            headers.update(extra)
        return headers

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        content: Any = None,
        headers: Mapping[str, str] | None = None,
        stream: bool = False,
    ) -> httpx.Response:
        """Send one request; ``None`` query values are left out."""
        request = self._client.build_request(
            method,
            self.url + path,
            params=None if params is None else {k: v for k, v in params.items() if v is not None},
            json=json,
            content=content,
            headers=self._headers(headers),
        )
        try:
            response = self._client.send(request, stream=stream)
        except httpx.TransportError as exc:
            raise errors.Unavailable(
                f"cannot reach the registry at {self.url}: {exc}", {"url": self.url}
            ) from exc
        if response.is_success:
            return response
        if stream:
            response.read()
            response.close()
        raise error_of(response)

    def call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
    ) -> Any:
        """A JSON request; the decoded body, or None for an empty answer."""
        response = self.request(method, path, params=params, json=json)
        if response.status_code == 204 or not response.content:
            return None
        return response.json()


def error_of(response: httpx.Response) -> errors.RegistryError:
    """The typed error for a non-2xx answer, with the server's code, details, request id."""
    rid = response.headers.get("x-request-id")
    code: str | None = None
    message = f"HTTP {response.status_code}: {response.text[:500]}"
    details: dict[str, Any] = {}
    with suppress(ValueError):
        body = response.json()
        env = body.get("error") if isinstance(body, dict) else None
        if isinstance(env, dict):
            code = env.get("code") if isinstance(env.get("code"), str) else None
            message = str(env.get("message", message))
            if isinstance(env.get("details"), dict):
                details = env["details"]
            rid = env.get("request_id") or rid
    if code is not None:
        cls = _BY_CODE.get(code, errors.RegistryError)
    else:
        cls = _BY_STATUS.get(response.status_code, errors.RegistryError)
    err = cls(message, details, request_id=rid, status=response.status_code)
    if code is not None and cls is errors.RegistryError:
        err.details.setdefault("code", code)
    return err


class Resource:
    """Base of the per-resource parts of :class:`modelreg.Client`: they share one seam."""

    _http: Http

    @staticmethod
    def _model_path(workspace: str, model: str) -> str:
        return f"{API}/workspaces/{seg(workspace)}/models/{seg(model)}"

    def _version_path(self, workspace: str, model: str, ref: str | int) -> str:
        return f"{self._model_path(workspace, model)}/versions/{seg(ref)}"

    def _pager(self, path: str, params: Mapping[str, Any]) -> Pager:
        """A lazy listing of ``path``, following ``next_page_token``."""
        return Pager(lambda query: self._http.call("GET", path, params=query), params)
