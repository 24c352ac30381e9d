"""Push a folder as a new version and pull a version's files back, checksummed both ways."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from contextlib import suppress
from pathlib import Path, PurePosixPath
from typing import Any

from modelreg import errors
from modelreg.client._http import DEFAULT_WORKSPACE, Json
from modelreg.client.lifecycle import LifecycleApi
from modelreg.client.models import ModelsApi
from modelreg.client.uploads import (
    MULTIPART_THRESHOLD,
    Meter,
    Progress,
    UploadsApi,
    no_fields_on_resume,
    scan,
)
from modelreg.client.versions import VersionsApi


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


class TransferApi(UploadsApi, LifecycleApi, VersionsApi, ModelsApi):
    """``push`` and ``pull`` of :class:`modelreg.Client`."""

    def push(
        self,
        path: str | os.PathLike[str],
        model: str,
        *,
        workspace: str = DEFAULT_WORKSPACE,
        version: int | None = None,
        description: str | None = None,
        metrics: Mapping[str, float] | None = None,
        params: Mapping[str, Any] | None = None,
        tags: Mapping[str, str] | None = None,
        alias: str | None = None,
        run_id: str | None = None,
        source: str | None = None,
        create_model: bool = False,
        progress: Progress | None = None,
        on_version: Callable[[Json], None] | None = None,
        multipart_threshold: int = MULTIPART_THRESHOLD,
        **fields: Any,
    ) -> Json:
        """Register a file or a folder as a new version of ``model``: declare the files
        (size, sha256), stream each up (files over ``multipart_threshold`` bytes in
        resumable parts), finalize, then point ``alias`` at it.

        ``create_model=True`` registers the model first when it does not exist yet;
        ``progress(done, total)`` hears about every chunk; ``on_version(v)`` is called
        once the PENDING_REGISTRATION version exists (e.g. to note its number); other
        keyword arguments are sent as fields of the new version (``signature``,
        ``lineage``, ...). Returns the READY version, with its ``files`` listed.

        ``version=N`` resumes version N (left PENDING_REGISTRATION by an interrupted
        push): the server says which files and parts it holds and only the rest is sent;
        the metadata arguments must then be left out (they were set on create). A push
        stopped by the server (say, a checksum mismatch) marks the version
        FAILED_REGISTRATION and raises its error; stopped by anything else it raises
        :class:`PushInterrupted` (Ctrl-C: KeyboardInterrupt) and stays resumable."""
        local = scan(Path(path))
        declared = [f.declared() for f in local]
        optional = {"description": description, "run_id": run_id, "source": source}
        metadata: Json = {k: v for k, v in optional.items() if v is not None}
        if metrics:
            metadata["metrics"] = [{"key": k, "value": v} for k, v in metrics.items()]
        if params:
            metadata["params"] = {k: str(v) for k, v in params.items()}
        if tags:
            metadata["tags"] = dict(tags)
        metadata.update(fields)
        if version is None:
            body: Json = {"files": declared, **metadata}
            if not declared:
                body["status"] = "PENDING_REGISTRATION"
            if create_model:
                self._ensure_model(model, workspace)
            v = self.create_version(model, workspace=workspace, **body)
        else:
            no_fields_on_resume(metadata)
            v = self.get_version(model, version, workspace=workspace)
        number: int = v["number"]
        v = self._push_to(
            self._version_path(workspace, model, number),
            v,
            local,
            resume=version is not None,
            progress=progress,
            on_version=on_version,
            threshold=multipart_threshold,
        )
        if alias is not None:
            try:
                self.set_alias(model, alias, number, workspace=workspace)
            except errors.RegistryError as exc:
                # The version is registered and READY: say so, or a retry would push twice.
                raise type(exc)(
                    f"{v['fqn']} is READY, but alias {alias!r} was not set: {exc.message}",
                    {**exc.details, "version": number},
                    request_id=exc.request_id,
                    status=exc.status,
                ) from exc
            v = self.get_version(model, number, workspace=workspace)
        return {**v, "files": declared}

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
        meter = Meter(sum(int(f.get("size", 0)) for f in files), progress)
        for f, target in plan:
            target.parent.mkdir(parents=True, exist_ok=True)
            self._download(base, f["path"], target, f["sha256"], meter)
        return {**version, "files": files}
