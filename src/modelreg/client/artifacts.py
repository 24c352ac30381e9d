"""Generic artifacts (datasets, plots, ...): register them, their versions, list versions
through the artifact-versions view with its filters, and push a folder as a version by FQN
(pull is :meth:`modelreg.Client.pull`, which takes artifact FQNs too)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import suppress
from pathlib import Path
from typing import Any, TypedDict, Unpack
from uuid import UUID

from modelreg import errors
from modelreg.client._http import API, DEFAULT_WORKSPACE, Json, seg
from modelreg.client._pager import Pager
from modelreg.client.uploads import (
    MULTIPART_THRESHOLD,
    Progress,
    UploadsApi,
    no_fields_on_resume,
    scan,
)
from modelreg.domain.artifacts import ArtifactType, parse_fqn

VIEW = f"{API}/artifact-versions"


class ViewFilters(TypedDict, total=False):
    """The artifact-versions view's filters, all ANDed; None or left out: any."""

    #: An artifact (``dataset:ws/tx``) or one version (``dataset:ws/tx:3``, ``...:latest``).
    fqn: str | None
    #: One workspace's name (left out: every workspace the caller may read).
    workspace: str | None
    name: str | None
    #: A number, or ``latest``.
    version: int | str | None
    #: Artifact types: model, dataset, artifact, plot, image, chat_prompt.
    types: Sequence[str]
    tag: str | None
    #: An artifact's or a model's id.
    artifact_id: UUID | str | None
    run_ids: Sequence[str]
    run_steps: Sequence[int]
    #: Add the server's metadata (status, file count, size, ...), '.'-keyed.
    include_internal_metadata: bool | None


def _artifact_path(workspace: str, name: str) -> str:
    return f"{API}/workspaces/{seg(workspace)}/artifacts/{seg(name)}"


class ArtifactsApi(UploadsApi):
    """The generic-artifact methods of :class:`modelreg.Client`."""

    def create_artifact(
        self,
        name: str,
        type: str,
        *,
        workspace: str = DEFAULT_WORKSPACE,
        description: str | None = None,
    ) -> Json:
        """Register an artifact of ``type`` (artifact, dataset, plot, image, chat_prompt);
        names are unique in the workspace whatever the type."""
        body: Json = {"name": name, "type": type}
        if description is not None:
            body["description"] = description
        path = f"{API}/workspaces/{seg(workspace)}/artifacts"
        return self._http.call("POST", path, json=body)  # type: ignore[no-any-return]

    def get_artifact(self, name: str, *, workspace: str = DEFAULT_WORKSPACE) -> Json:
        return self._http.call("GET", _artifact_path(workspace, name))  # type: ignore[no-any-return]

    def list_artifacts(
        self, *, workspace: str = DEFAULT_WORKSPACE, type: str | None = None, page_size: int = 100
    ) -> Pager:
        """The workspace's artifacts by name (``type`` keeps one type), page after page."""
        path = f"{API}/workspaces/{seg(workspace)}/artifacts"
        return self._pager(path, {"size": page_size, "type": type})

    def delete_artifact(self, name: str, *, workspace: str = DEFAULT_WORKSPACE) -> None:
        """Delete the artifact with all its versions."""
        self._http.call("DELETE", _artifact_path(workspace, name))

    def create_artifact_version(
        self, name: str, *, workspace: str = DEFAULT_WORKSPACE, **fields: Any
    ) -> Json:
        """Register a version of the artifact; keyword arguments are the body
        (description, version_alias, metadata, source={"type", "uri"}, step, run_id, tags,
        files, status). The server assigns the number."""
        path = f"{_artifact_path(workspace, name)}/versions"
        return self._http.call("POST", path, json=fields)  # type: ignore[no-any-return]

    def get_artifact_version(
        self, name: str, ref: int | str = "latest", *, workspace: str = DEFAULT_WORKSPACE
    ) -> Json:
        """A version by number, or ``latest`` (the highest READY one)."""
        path = f"{_artifact_path(workspace, name)}/versions/{seg(ref)}"
        return self._http.call("GET", path)  # type: ignore[no-any-return]

    def update_artifact_version(
        self, name: str, number: int, *, workspace: str = DEFAULT_WORKSPACE, **fields: Any
    ) -> Json:
        """Change the fields given (description, version_alias, metadata, tags, status,
        status_message)."""
        path = f"{_artifact_path(workspace, name)}/versions/{number}"
        return self._http.call("PATCH", path, json=fields)  # type: ignore[no-any-return]

    def artifact_versions_page(
        self, *, offset: int = 0, limit: int = 100, **filters: Unpack[ViewFilters]
    ) -> Json:
        """One page of the artifact-versions view (artifact and model versions together,
        newest first): ``{data, pagination: {total, offset, limit}}``, filtered as
        :class:`ViewFilters` says."""
        f = filters
        version, artifact_id = f.get("version"), f.get("artifact_id")
        params: dict[str, Any] = {
            "offset": offset,
            "limit": limit,
            "fqn": f.get("fqn"),
            "workspace": f.get("workspace"),
            "name": f.get("name"),
            "version": None if version is None else str(version),
            "type": list(f.get("types", ())) or None,
            "tag": f.get("tag"),
            "artifact_id": None if artifact_id is None else str(artifact_id),
            "run_ids": list(f.get("run_ids", ())) or None,
            "run_steps": list(f.get("run_steps", ())) or None,
            "include_internal_metadata": f.get("include_internal_metadata") or None,
        }
        return self._http.call("GET", VIEW, params=params)  # type: ignore[no-any-return]

    def list_artifact_versions(
        self, *, page_size: int = 100, **filters: Unpack[ViewFilters]
    ) -> Iterator[Json]:
        """Every version the view's filters (:class:`ViewFilters`) select, newest first,
        fetched a page at a time as you iterate."""
        offset = 0
        while True:
            body = self.artifact_versions_page(offset=offset, limit=page_size, **filters)
            data: list[Json] = body.get("data", [])
            yield from data
            offset += len(data)
            if not data or offset >= body["pagination"]["total"]:
                return

    def push_artifact(
        self,
        path: str | os.PathLike[str],
        fqn: str,
        *,
        description: str | None = None,
        version_alias: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        source_uri: str | None = None,
        step: int | None = None,
        run_id: str | None = None,
        tags: Sequence[str] = (),
        create_artifact: bool = True,
        progress: Progress | None = None,
        on_version: Callable[[Json], None] | None = None,
        multipart_threshold: int = MULTIPART_THRESHOLD,
    ) -> Json:
        """Register a file or folder as the next version of the artifact ``fqn`` names
        (``dataset:default/transactions``; created with that type when new unless
        ``create_artifact=False``), as :meth:`push` does for models: files declared and
        checksummed, large ones in resumable parts, then finalized. An FQN with a number
        (``dataset:default/transactions:3``) resumes that PENDING_REGISTRATION version,
        sending only what the server lacks. Returns the READY version with its
        ``files``."""
        target = parse_fqn(fqn, require_ref=False)
        if target.type is ArtifactType.MODEL:
            raise errors.InvalidArgument(
                f"{fqn!r} names a model: push model versions with push()", {"fqn": fqn}
            )
        if target.ref is not None and not target.ref.isdigit():
            raise errors.InvalidArgument(
                f"{fqn!r}: push takes a version number to resume, not {target.ref!r}",
                {"fqn": fqn},
            )
        local = scan(Path(path))
        declared = [f.declared() for f in local]
        given: Json = {
            "description": description,
            "version_alias": version_alias,
            "metadata": dict(metadata) if metadata else None,
            "source": None if source_uri is None else {"type": "external", "uri": source_uri},
            "step": step,
            "run_id": run_id,
            "tags": list(tags) or None,
        }
        fields = {k: v for k, v in given.items() if v is not None}
        ws, name = target.workspace, target.name
        if target.ref is None:
            if create_artifact:
                self._ensure_artifact(name, target.type.value, ws)
            body: Json = {"files": declared, **fields}
            if not declared:
                body["status"] = "PENDING_REGISTRATION"
            v = self.create_artifact_version(name, workspace=ws, **body)
        else:
            no_fields_on_resume(fields)
            v = self.get_artifact_version(name, int(target.ref), workspace=ws)
        v = self._push_to(
            f"{_artifact_path(ws, name)}/versions/{v['number']}",
            v,
            local,
            resume=target.ref is not None,
            progress=progress,
            on_version=on_version,
            threshold=multipart_threshold,
        )
        return {**v, "files": declared}

    def _ensure_artifact(self, name: str, type: str, workspace: str) -> None:
        try:
            found = self.get_artifact(name, workspace=workspace)
        except errors.NotFound:
            with suppress(errors.AlreadyExists):  # another pusher got there first
                self.create_artifact(name, type, workspace=workspace)
            return
        if found.get("type") != type:
            raise errors.InvalidArgument(
                f"{workspace}/{name} is a {found.get('type')}, not a {type}",
                {"type": found.get("type")},
            )
