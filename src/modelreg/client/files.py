"""A version's files: list, stream one up, stream one down, finalize."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator
from contextlib import suppress
from pathlib import Path
from typing import BinaryIO

from modelreg.client._http import (
    API,
    DEFAULT_WORKSPACE,
    ChecksumMismatch,
    Json,
    Resource,
    file_seg,
    seg,
)

CHUNK_SIZE = 1024 * 1024

#: Called with the number of bytes just sent or received.
OnBytes = Callable[[int], None]


def _read_chunks(f: BinaryIO, on_bytes: OnBytes | None) -> Iterator[bytes]:
    while chunk := f.read(CHUNK_SIZE):
        yield chunk
        if on_bytes is not None:
            on_bytes(len(chunk))


class FilesApi(Resource):
    """The file methods of :class:`modelreg.Client`."""

    def _file_path(self, workspace: str, model: str, version: int | str, path: str) -> str:
        return f"{self._version_path(workspace, model, version)}/files/{file_seg(path)}"

    def list_files(
        self, model: str, version: int | str, *, workspace: str = DEFAULT_WORKSPACE
    ) -> list[Json]:
        """The files of a version: ``[{path, size, sha256}]``."""
        body = self._http.call("GET", f"{self._version_path(workspace, model, version)}/files")
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
        on_bytes: OnBytes | None = None,
    ) -> Json:
        """Stream one local file to a PENDING_REGISTRATION version; with ``sha256`` the
        server refuses bytes that do not match it."""
        url = self._file_path(workspace, model, version, path)
        return self._put_file(url, Path(local), sha256, on_bytes)

    def _put_file(
        self, url: str, local: Path, sha256: str | None, on_bytes: OnBytes | None
    ) -> Json:
        """Stream ``local`` as the raw body of a PUT to ``url`` (a version's file URL)."""
        size = local.stat().st_size
        headers = {"Content-Type": "application/octet-stream", "Content-Length": str(size)}
        if sha256 is not None:
            headers["X-Checksum-Sha256"] = sha256
        with local.open("rb") as f:
            response = self._http.request(
                "PUT", url, content=_read_chunks(f, on_bytes), headers=headers
            )
        return response.json()  # type: ignore[no-any-return]

    def finalize(self, model: str, version: int, *, workspace: str = DEFAULT_WORKSPACE) -> Json:
        """Check every declared file arrived and make the version READY."""
        path = f"{self._version_path(workspace, model, version)}/finalize"
        return self._http.call("POST", path)  # type: ignore[no-any-return]

    def download_file(
        self,
        model: str,
        version: int | str,
        path: str,
        target: str | os.PathLike[str],
        *,
        sha256: str | None = None,
        workspace: str = DEFAULT_WORKSPACE,
        on_bytes: OnBytes | None = None,
    ) -> None:
        """Stream one file of a version to ``target``; with ``sha256``, verify it while
        writing (a mismatch raises ChecksumMismatch and leaves no file behind)."""
        base = self._version_path(workspace, model, version)
        self._download(base, path, target, sha256, on_bytes)

    def _files_base(self, version: Json) -> str:
        """The URL path below which a resolved version's files live: a model version's,
        or an artifact version's (it has an ``artifact_id``)."""
        ws, number = version["workspace"], version["number"]
        if "artifact_id" in version:
            return f"{API}/workspaces/{seg(ws)}/artifacts/{seg(version['name'])}/versions/{number}"
        return self._version_path(ws, version["model_name"], number)

    def _download(
        self,
        base: str,
        path: str,
        target: str | os.PathLike[str],
        sha256: str | None,
        on_bytes: OnBytes | None,
    ) -> None:
        """Stream the file ``path`` of the version at URL path ``base`` to ``target``."""
        target = Path(target)
        partial = target.with_name(target.name + ".modelreg-partial")
        url = f"{base}/files/{file_seg(path)}"
        h = hashlib.sha256()
        response = self._http.request("GET", url, stream=True, headers={"Accept": "*/*"})
        try:
            with partial.open("wb") as out:
                # Chunks as they come off the socket: re-chunking to a fixed size would copy
                # every byte once more.
                for chunk in response.iter_bytes():
                    h.update(chunk)
                    out.write(chunk)
                    if on_bytes is not None:
                        on_bytes(len(chunk))
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
