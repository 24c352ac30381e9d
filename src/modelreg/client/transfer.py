"""Push a folder as a new version and pull a version's files back, checksummed both ways."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Mapping
from contextlib import suppress
from pathlib import Path, PurePosixPath
from typing import Any

from modelreg import errors
from modelreg.client._http import DEFAULT_WORKSPACE, Json
from modelreg.client.files import CHUNK_SIZE, FilesApi
from modelreg.client.lifecycle import LifecycleApi
from modelreg.client.models import ModelsApi
from modelreg.client.versions import VersionsApi

#: ``progress(done, total)``: bytes transferred so far out of all the files' bytes.
Progress = Callable[[int, int], None]


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


def _walk(root: Path) -> list[tuple[str, Path]]:
    """(relative posix path, file) for ``root`` itself or every file below it, sorted."""
    if root.is_file():
        return [(root.name, root)]
    if not root.is_dir():
        raise errors.InvalidArgument(f"{str(root)!r} is neither a file nor a folder")
    out = [(p.relative_to(root).as_posix(), p) for p in root.rglob("*") if p.is_file()]
    return sorted(out)


class _Meter:
    """Adds up bytes and reports (done, total) to the caller's progress callback."""

    def __init__(self, total: int, progress: Progress | None) -> None:
        self.done, self.total, self._progress = 0, total, progress
        if progress is not None:
            progress(0, total)

    def __call__(self, n: int) -> None:
        self.done += n
        if self._progress is not None:
            self._progress(self.done, self.total)


class TransferApi(FilesApi, LifecycleApi, VersionsApi, ModelsApi):
    """``push`` and ``pull`` of :class:`modelreg.Client`."""

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
        run_id: str | None = None,
        source: str | None = None,
        create_model: bool = False,
        progress: Progress | None = None,
        **fields: Any,
    ) -> Json:
        """Register a file or a folder as a new version of ``model``: declare the files
        (size, sha256), stream each up, finalize, then point ``alias`` at it.

        ``create_model=True`` registers the model first when it does not exist yet;
        ``progress(done, total)`` hears about every uploaded chunk; other keyword
        arguments are sent as fields of the new version (``signature``, ``lineage``, ...).
        Returns the READY version, with its ``files`` listed. If an upload fails the
        version is marked FAILED_REGISTRATION (best effort) and the error is raised."""
        local = _walk(Path(path))
        declared: list[Json] = []
        for rel, file in local:
            size, digest = _sha256_of(file)
            declared.append({"path": rel, "size": size, "sha256": digest})
        body: Json = {"files": declared, **fields}
        if not declared:
            body["status"] = "PENDING_REGISTRATION"
        optional = {"description": description, "run_id": run_id, "source": source}
        body.update({k: v for k, v in optional.items() if v is not None})
        if metrics:
            body["metrics"] = [{"key": k, "value": v} for k, v in metrics.items()]
        if params:
            body["params"] = {k: str(v) for k, v in params.items()}
        if tags:
            body["tags"] = dict(tags)
        if create_model:
            self._ensure_model(model, workspace)
        version = self.create_version(model, workspace=workspace, **body)
        number: int = version["number"]
        meter = _Meter(sum(d["size"] for d in declared), progress)
        try:
            for (rel, file), decl in zip(local, declared, strict=True):
                self.upload_file(
                    model,
                    number,
                    rel,
                    file,
                    sha256=decl["sha256"],
                    workspace=workspace,
                    on_bytes=meter,
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
            try:
                self.set_alias(model, alias, number, workspace=workspace)
            except errors.RegistryError as exc:
                # The version is registered and READY: say so, or a retry would push twice.
                raise type(exc)(
                    f"{version['fqn']} is READY, but alias {alias!r} was not set: {exc.message}",
                    {**exc.details, "version": number},
                    request_id=exc.request_id,
                    status=exc.status,
                ) from exc
            version = self.get_version(model, number, workspace=workspace)
        return {**version, "files": declared}

    def _ensure_model(self, model: str, workspace: str) -> None:
        try:
            self.get_model(model, workspace=workspace)
        except errors.NotFound:
            # Another pusher may create it between our GET and POST: that is fine too.
            with suppress(errors.AlreadyExists):
                self.create_model(model, workspace=workspace)

    def pull(
        self,
        ref: str,
        dest: str | os.PathLike[str],
        *,
        workspace: str = DEFAULT_WORKSPACE,
        progress: Progress | None = None,
    ) -> Json:
        """Download every file of the version ``ref`` names ('fraud@champion', 'fraud:3',
        'fraud' for the latest, or an FQN: 'model:ws/fraud:champion', 'dataset:ws/tx:3')
        into the folder ``dest``,
        verifying each sha256; ``progress(done, total)`` hears about every chunk.
        Returns the version, with its ``files`` listed."""
        version = self.get_ref(ref, workspace=workspace)
        if version.get("status", "READY") != "READY":
            raise errors.FailedPrecondition(
                f"{version.get('fqn', ref)} is {version['status']}, not READY: nothing to pull",
                {"ref": ref, "status": version["status"]},
            )
        base = self._files_base(version)
        files = list(self._http.call("GET", f"{base}/files").get("items", []))
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
        meter = _Meter(sum(int(f.get("size", 0)) for f in files), progress)
        for f, target in plan:
            target.parent.mkdir(parents=True, exist_ok=True)
            self._download(base, f["path"], target, f["sha256"], meter)
        return {**version, "files": files}
