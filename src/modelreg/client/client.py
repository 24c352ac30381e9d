"""The public facade of the SDK: :class:`Client`, assembled from one part per resource."""

from __future__ import annotations

from types import TracebackType

import httpx

from modelreg.client._http import Http, resolve_connection
from modelreg.client.artifacts import ArtifactsApi
from modelreg.client.files import FilesApi
from modelreg.client.lifecycle import LifecycleApi
from modelreg.client.models import ModelsApi
from modelreg.client.transfer import TransferApi
from modelreg.client.versions import VersionsApi


class Client(TransferApi, ArtifactsApi, FilesApi, LifecycleApi, VersionsApi, ModelsApi):
    """A synchronous client of a modelreg server.

    ``url`` defaults to ``$MODELREG_URL``, then the CLI config file, then
    ``http://127.0.0.1:8080``; ``token`` to ``$MODELREG_TOKEN``, then the config file's
    token (only when talking to the server it was saved for); it is sent as
    ``Authorization: Bearer``. Pass ``http`` to supply your own :class:`httpx.Client`
    (transport, proxies, TLS); it is then not closed by us.
    """

    def __init__(
        self,
        url: str | None = None,
        token: str | None = None,
        *,
        http: httpx.Client | None = None,
        timeout: float = 30,
    ) -> None:
        self._http = Http(*resolve_connection(url, token), http, timeout)

    @property
    def url(self) -> str:
        """The server's base URL, without a trailing '/'."""
        return self._http.url

    @property
    def token(self) -> str | None:
        """The bearer token sent with every request, if any."""
        return self._http.token

    def close(self) -> None:
        """Close the HTTP connection pool (unless it was passed in)."""
        self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Client(url={self.url!r})"
