"""The synchronous SDK client; every call goes through :meth:`Client._request`."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import suppress
from pathlib import Path, PurePosixPath
from types import TracebackType
from typing import Any, BinaryIO
from urllib.parse import quote

import httpx

from modelreg import errors

DEFAULT_URL = "http://127.0.0.1:8080"
DEFAULT_WORKSPACE = "default"
CHUNK_SIZE = 1024 * 1024
_API = "/api/v1"
# The artifact types an FQN may start with (``model`` is the registry's own models).
FQN_TYPES = frozenset({"model", "artifact", "dataset", "plot", "image", "chat_prompt"})

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


def _seg(value: str | int) -> str:
    """One URL path segment."""
    return quote(str(value), safe="")


def _file_seg(path: str) -> str:
    """A '/'-separated file path inside a URL."""
    return quote(path, safe="/")


def _safe_relative(path: str) -> PurePosixPath:
    """``path`` as a relative path that stays below its root, or InvalidArgument."""
    p = PurePosixPath(path)
    if (
        not path
        or "\x00" in path
        or "\\" in path
        or p.is_absolute()
        or any(part in ("", ".", "..") for part in path.split("/"))
    ):
        raise errors.InvalidArgument(
            f"refusing file path {path!r}: it would escape the destination",
            {"path": path},
        )
    return p


def _sha256_of(path: Path) -> tuple[int, str]:
    """Size and hex sha256 of a file, read in chunks."""
    h = hashlib.sha256()
    size = 0
    with path.open("rb") as f:
        while chunk := f.read(CHUNK_SIZE):
            h.update(chunk)
            size += len(chunk)
    return size, h.hexdigest()


def _read_chunks(f: BinaryIO) -> Iterator[bytes]:
    while chunk := f.read(CHUNK_SIZE):
        yield chunk


def _walk(root: Path) -> list[tuple[str, Path]]:
    """(relative posix path, file) for ``root`` itself or every file below it, sorted."""
    if root.is_file():
        return [(root.name, root)]
    if not root.is_dir():
        raise errors.InvalidArgument(f"{str(root)!r} is neither a file nor a folder")
    out = [(p.relative_to(root).as_posix(), p) for p in root.rglob("*") if p.is_file()]
    return sorted(out)


class Client:
    """A synchronous client of a modelreg server.

    ``url`` defaults to ``$MODELREG_URL``, then ``http://127.0.0.1:8080``; ``token`` to
    ``$MODELREG_TOKEN`` (sent as ``Authorization: Bearer``). Pass ``http`` to supply your
    own :class:`httpx.Client` (transport, proxies, TLS); it is then not closed by us.
    """

    def __init__(
        self,
        url: str | None = None,
        token: str | None = None,
        *,
        http: httpx.Client | None = None,
        timeout: float = 30,
    ) -> None:
        self.url = (url or os.environ.get("MODELREG_URL") or DEFAULT_URL).rstrip("/")
        self.token = token if token is not None else os.environ.get("MODELREG_TOKEN") or None
        self._owns_http = http is None
        self._http = http if http is not None else httpx.Client(timeout=timeout)

    # -- plumbing ---------------------------------------------------------------------

    def close(self) -> None:
        """Close the HTTP connection pool (unless it was passed in)."""
        if self._owns_http:
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

    def _headers(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        headers = {"Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if extra:
            headers.update(extra)
        return headers

    def _request(
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
        """The one HTTP seam: send, and raise the registry error of any non-2xx answer."""
        request = self._http.build_request(
            method,
            self.url + path,
            params=None if params is None else {k: v for k, v in params.items() if v is not None},
            json=json,
            content=content,
            headers=self._headers(headers),
        )
        try:
            response = self._http.send(request, stream=stream)
        except httpx.TransportError as exc:
            raise errors.Unavailable(
                f"cannot reach the registry at {self.url}: {exc}", {"url": self.url}
            ) from exc
        if response.is_success:
            return response
        if stream:
            response.read()
            response.close()
        raise self._error(response)

    @staticmethod
    def _error(response: httpx.Response) -> errors.RegistryError:
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

    def _call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
    ) -> Any:
        response = self._request(method, path, params=params, json=json)
        if response.status_code == 204 or not response.content:
            return None
        return response.json()

    def _pages(
        self, path: str, params: Mapping[str, Any], size_key: str = "size"
    ) -> Iterator[Json]:
        """Every item of a cursor-paged listing, following ``next_page_token``."""
        query = dict(params)
        while True:
            page = self._call("GET", path, params=query)
            yield from page.get("items", [])
            token = page.get("next_page_token")
            if not token:
                return
            query["page_token"] = token

    @staticmethod
    def _model_path(workspace: str, model: str) -> str:
        return f"{_API}/workspaces/{_seg(workspace)}/models/{_seg(model)}"

    def _version_path(self, workspace: str, model: str, ref: str | int) -> str:
        return f"{self._model_path(workspace, model)}/versions/{_seg(ref)}"

    # -- models -----------------------------------------------------------------------

    def create_model(
        self,
        name: str,
        *,
        workspace: str = DEFAULT_WORKSPACE,
        description: str | None = None,
        tags: Mapping[str, str] | None = None,
        card: Mapping[str, Any] | None = None,
        **fields: Any,
    ) -> Json:
        """Register a model; extra keyword arguments are sent as fields of the body."""
        body: Json = {"name": name, **fields}
        if description is not None:
            body["description"] = description
        if tags is not None:
            body["tags"] = dict(tags)
        if card is not None:
            body["card"] = dict(card)
        return self._call("POST", f"{_API}/workspaces/{_seg(workspace)}/models", json=body)  # type: ignore[no-any-return]

    def get_model(self, model: str, *, workspace: str = DEFAULT_WORKSPACE) -> Json:
        """A model by name or id."""
        return self._call("GET", self._model_path(workspace, model))  # type: ignore[no-any-return]

    def list_models(
        self,
        *,
        workspace: str = DEFAULT_WORKSPACE,
        name: str | None = None,
        tag: Sequence[str] = (),
        sort_by: str = "name",
        page_size: int = 100,
    ) -> Iterator[Json]:
        """Every model of the workspace (``tag`` items are ``key=value``), page after page."""
        params: Json = {"size": page_size, "sort_by": sort_by, "name": name}
        if tag:
            params["tag"] = list(tag)
        return self._pages(f"{_API}/workspaces/{_seg(workspace)}/models", params)

    def update_model(
        self, model: str, *, workspace: str = DEFAULT_WORKSPACE, **fields: Any
    ) -> Json:
        """Change the fields given (description, tags, card, ...)."""
        return self._call("PATCH", self._model_path(workspace, model), json=fields)  # type: ignore[no-any-return]

    def delete_model(self, model: str, *, workspace: str = DEFAULT_WORKSPACE) -> None:
        """Delete a model and its versions."""
        self._call("DELETE", self._model_path(workspace, model))

    # -- versions ---------------------------------------------------------------------

    def create_version(
        self, model: str, *, workspace: str = DEFAULT_WORKSPACE, **fields: Any
    ) -> Json:
        """Register a new version; keyword arguments are the body (metrics, params, tags,
        source, files, ...). The server assigns the number."""
        return self._call(  # type: ignore[no-any-return]
            "POST", f"{self._model_path(workspace, model)}/versions", json=fields
        )

    def get_version(
        self, model: str, ref: str | int = "latest", *, workspace: str = DEFAULT_WORKSPACE
    ) -> Json:
        """A version by number, alias or ``latest``."""
        return self._call("GET", self._version_path(workspace, model, ref))  # type: ignore[no-any-return]

    def list_versions(
        self,
        model: str,
        *,
        workspace: str = DEFAULT_WORKSPACE,
        filter: str | None = None,
        sort_by: str = "-created",
        page_size: int = 100,
    ) -> Iterator[Json]:
        """Every version of a model (optionally matching ``filter``), page after page."""
        params = {"size": page_size, "sort_by": sort_by, "filter": filter}
        return self._pages(f"{self._model_path(workspace, model)}/versions", params)

    def update_version(
        self, model: str, version: int, *, workspace: str = DEFAULT_WORKSPACE, **fields: Any
    ) -> Json:
        """Change the fields given; metrics are appended, tags and params merge."""
        return self._call("PATCH", self._version_path(workspace, model, version), json=fields)  # type: ignore[no-any-return]

    def delete_version(
        self, model: str, version: int, *, workspace: str = DEFAULT_WORKSPACE
    ) -> None:
        """Delete a version; its number is never reused."""
        self._call("DELETE", self._version_path(workspace, model, version))

    def search_versions(
        self,
        filter: str | None = None,
        order_by: Sequence[str] = (),
        workspace: str = DEFAULT_WORKSPACE,
        page_size: int = 100,
    ) -> Iterator[Json]:
        """Versions matching the filter language across models (``workspace='*'``: all)."""
        params: Json = {"filter": filter, "workspace": workspace, "max_results": page_size}
        if order_by:
            params["order_by"] = list(order_by)
        return self._pages(f"{_API}/model-versions/search", params)

    # -- lifecycle --------------------------------------------------------------------

    def set_alias(
        self,
        model: str,
        alias: str,
        version: int,
        expected_version: int | None = None,
        *,
        protected: bool | None = None,
        workspace: str = DEFAULT_WORKSPACE,
    ) -> Json:
        """Point ``alias`` at ``version``; with ``expected_version``, only if it points
        there now (compare-and-swap)."""
        body: Json = {"version": version}
        if expected_version is not None:
            body["expected_version"] = expected_version
        if protected is not None:
            body["protected"] = protected
        path = f"{self._model_path(workspace, model)}/aliases/{_seg(alias)}"
        return self._call("PUT", path, json=body)  # type: ignore[no-any-return]

    def delete_alias(
        self,
        model: str,
        alias: str,
        expected_version: int | None = None,
        *,
        workspace: str = DEFAULT_WORKSPACE,
    ) -> None:
        """Remove an alias (with ``expected_version``: only if it points there)."""
        path = f"{self._model_path(workspace, model)}/aliases/{_seg(alias)}"
        self._call("DELETE", path, params={"expected_version": expected_version})

    def transition_stage(
        self,
        model: str,
        version: int | str,
        stage: str,
        *,
        archive_existing: bool = False,
        comment: str | None = None,
        workspace: str = DEFAULT_WORKSPACE,
    ) -> Json:
        """Move a version to None, Staging, Production or Archived."""
        body: Json = {"stage": stage, "archive_existing": archive_existing}
        if comment is not None:
            body["comment"] = comment
        path = f"{self._version_path(workspace, model, version)}/stage"
        return self._call("POST", path, json=body)  # type: ignore[no-any-return]

    def promote(self, target_model: str, source: str, workspace: str = DEFAULT_WORKSPACE) -> Json:
        """Copy the version ``source`` (an id or FQN) into ``target_model`` of ``workspace``
        as a new version; files are shared, not copied."""
        path = f"{self._model_path(workspace, target_model)}/versions:promote"
        return self._call("POST", path, json={"source": source})  # type: ignore[no-any-return]

    def resolve(self, fqn: str) -> Json:
        """The version an FQN (``model:{ws}/{model}:{number|alias|latest}``) names."""
        return self._call("GET", f"{_API}/resolve", params={"fqn": fqn})  # type: ignore[no-any-return]

    # -- files ------------------------------------------------------------------------

    def list_files(
        self, model: str, version: int | str, *, workspace: str = DEFAULT_WORKSPACE
    ) -> list[Json]:
        """The files of a version: ``[{path, size, sha256}]``."""
        body = self._call("GET", f"{self._version_path(workspace, model, version)}/files")
        return list(body.get("items", []))

    def upload_file(
        self,
        model: str,
        version: int,
        path: str,
        local: str | os.PathLike[str],
        *,
        sha256: str | None = None,
        workspace: str = DEFAULT_WORKSPACE,
    ) -> Json:
        """Stream one local file to a PENDING_REGISTRATION version."""
        local = Path(local)
        size = local.stat().st_size
        headers = {"Content-Type": "application/octet-stream", "Content-Length": str(size)}
        if sha256 is not None:
            headers["X-Checksum-Sha256"] = sha256
        url = f"{self._version_path(workspace, model, version)}/files/{_file_seg(path)}"
        with local.open("rb") as f:
            response = self._request("PUT", url, content=_read_chunks(f), headers=headers)
        return response.json()  # type: ignore[no-any-return]

    def finalize(self, model: str, version: int, *, workspace: str = DEFAULT_WORKSPACE) -> Json:
        """Check every declared file arrived and make the version READY."""
        path = f"{self._version_path(workspace, model, version)}/finalize"
        return self._call("POST", path)  # type: ignore[no-any-return]

    def download_file(
        self,
        model: str,
        version: int | str,
        path: str,
        target: str | os.PathLike[str],
        *,
        sha256: str | None = None,
        workspace: str = DEFAULT_WORKSPACE,
    ) -> None:
        """Stream one file of a version to ``target``; with ``sha256``, verify it while
        writing (a mismatch raises ChecksumMismatch and leaves no file behind)."""
        self._download(self._version_path(workspace, model, version), path, target, sha256)

    def _download(
        self, base: str, path: str, target: str | os.PathLike[str], sha256: str | None
    ) -> None:
        """Stream the file ``path`` of the version at URL path ``base`` to ``target``."""
        target = Path(target)
        partial = target.with_name(target.name + ".modelreg-partial")
        url = f"{base}/files/{_file_seg(path)}"
        h = hashlib.sha256()
        response = self._request("GET", url, stream=True, headers={"Accept": "*/*"})
        try:
            with partial.open("wb") as out:
                for chunk in response.iter_bytes(CHUNK_SIZE):
                    h.update(chunk)
                    out.write(chunk)
            if sha256 is not None and h.hexdigest() != sha256:
                raise ChecksumMismatch(
                    f"{path}: downloaded sha256 {h.hexdigest()} != recorded {sha256}",
                    {"path": path, "expected": sha256, "actual": h.hexdigest()},
                    request_id=response.headers.get("x-request-id"),
                    status=response.status_code,
                )
            os.replace(partial, target)
        except BaseException:
            with suppress(FileNotFoundError):
                partial.unlink()
            raise
        finally:
            response.close()

    def push(
        self,
        path: str | os.PathLike[str],
        model: str,
        *,
        workspace: str = DEFAULT_WORKSPACE,
        description: str | None = None,
        metrics: Mapping[str, float] | None = None,
        params: Mapping[str, Any] | None = None,
        tags: Mapping[str, str] | None = None,
        alias: str | None = None,
    ) -> Json:
        """Register a file or a folder as a new version of ``model``: declare the files
        (size, sha256), stream each up, finalize, then point ``alias`` at it.

        Returns the READY version. If an upload fails the version is marked
        FAILED_REGISTRATION (best effort) and the error is raised."""
        root = Path(path)
        local = _walk(root)
        declared: list[Json] = []
        for rel, file in local:
            size, digest = _sha256_of(file)
            declared.append({"path": rel, "size": size, "sha256": digest})
        body: Json = {"files": declared}
        if not declared:
            body["status"] = "PENDING_REGISTRATION"
        if description is not None:
            body["description"] = description
        if metrics:
            body["metrics"] = [{"key": k, "value": v} for k, v in metrics.items()]
        if params:
            body["params"] = {k: str(v) for k, v in params.items()}
        if tags:
            body["tags"] = dict(tags)
        version = self.create_version(model, workspace=workspace, **body)
        number: int = version["number"]
        try:
            for (rel, file), decl in zip(local, declared, strict=True):
                self.upload_file(
                    model, number, rel, file, sha256=decl["sha256"], workspace=workspace
                )
            version = self.finalize(model, number, workspace=workspace)
        except BaseException as exc:
            with suppress(Exception):
                self.update_version(
                    model,
                    number,
                    workspace=workspace,
                    status="FAILED_REGISTRATION",
                    status_message=f"push failed: {exc}"[:1000],
                )
            raise
        if alias is not None:
            self.set_alias(model, alias, number, workspace=workspace)
            version = self.get_version(model, number, workspace=workspace)
        return version

    def _resolve_ref(self, ref: str, workspace: str) -> Json:
        """The version ``ref`` names: 'model@alias', 'model:3', 'model' or an FQN (of a
        model version or of an artifact version, e.g. 'dataset:ws/transactions:3')."""
        kind, sep, rest = ref.partition(":")
        if sep and kind in FQN_TYPES and "/" in rest:
            return self.resolve(ref)
        if "@" in ref:
            model, _, alias = ref.rpartition("@")
            return self.get_version(model, alias, workspace=workspace)
        if ":" in ref:
            model, _, number = ref.rpartition(":")
            return self.get_version(model, number, workspace=workspace)
        return self.get_version(ref, "latest", workspace=workspace)

    def pull(
        self, ref: str, dest: str | os.PathLike[str], *, workspace: str = DEFAULT_WORKSPACE
    ) -> Json:
        """Download every file of the version ``ref`` names ('fraud@champion', 'fraud:3',
        'fraud' for the latest, or an FQN: 'model:ws/fraud:champion', 'dataset:ws/tx:3')
        into the folder ``dest``, verifying each sha256. Returns the version."""
        version = self._resolve_ref(ref, workspace)
        ws, number = version["workspace"], version["number"]
        if "artifact_id" in version:  # an artifact version
            artifact = f"{_API}/workspaces/{_seg(ws)}/artifacts/{_seg(version['name'])}"
            base = f"{artifact}/versions/{number}"
        else:
            base = self._version_path(ws, version["model_name"], number)
        if version.get("status", "READY") != "READY":
            raise errors.FailedPrecondition(
                f"{version.get('fqn', ref)} is {version['status']}, not READY: nothing to pull",
                {"ref": ref, "status": version["status"]},
            )
        files = list(self._call("GET", f"{base}/files").get("items", []))
        root = Path(dest)
        root.mkdir(parents=True, exist_ok=True)
        inside = root.resolve()
        plan = []
        for f in files:
            rel = _safe_relative(f["path"])
            target = root.joinpath(*rel.parts)
            if not target.resolve().is_relative_to(inside):
                raise errors.InvalidArgument(
                    f"refusing file path {f['path']!r}: it would escape the destination",
                    {"path": f["path"]},
                )
            plan.append((f, target))
        for f, target in plan:
            target.parent.mkdir(parents=True, exist_ok=True)
            self._download(base, f["path"], target, f["sha256"])
        return version
