"""A version's files: upload while PENDING_REGISTRATION, then immutable once READY.

Bytes go to the blob store first (hashed on the way, invisible until committed); the file
row that makes them part of a version is written in a transaction that re-checks the
version's status, so a version never shows a file that was not fully received.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from uuid import UUID

from sqlalchemy import Connection

from modelreg.blobs import BlobStore, StagedBlob
from modelreg.domain import names
from modelreg.domain.artifacts import ArtifactVersion, FileOwner
from modelreg.domain.entities import FileInfo, Principal, Version, VersionStatus
from modelreg.errors import FailedPrecondition, InvalidArgument, NotFound, Unavailable
from modelreg.services.artifacts import ArtifactService
from modelreg.services.base import Action, ServiceBase
from modelreg.services.versions import VersionService
from modelreg.store import artifacts as artifact_store
from modelreg.store import files as store
from modelreg.store import lifecycle
from modelreg.store import models as model_store
from modelreg.store import uploads as upload_store
from modelreg.store import versions as version_store
from modelreg.store import workspaces as ws_store

MODEL = FileOwner.MODEL

_SHA256_HEX = frozenset("0123456789abcdef")


def check_sha256(value: str) -> str:
    value = value.strip().lower()
    if len(value) != 64 or not set(value) <= _SHA256_HEX:
        raise InvalidArgument("X-Checksum-Sha256 must be 64 hex digits", {"field": "sha256"})
    return value


class FileService(ServiceBase):
    """The files of model versions and of artifact versions (``owner`` says which): the
    same rules for both, over two tables of one shape."""

    def __init__(
        self, versions: VersionService, artifacts: ArtifactService, blobs: BlobStore | None
    ) -> None:
        super().__init__(versions.db, versions.codec, versions.authz, versions.clock)
        self.versions = versions
        self.artifacts = artifacts
        self._blobs = blobs
        versions.on_uploads_dropped = self.drop_parts

    @property
    def blobs(self) -> BlobStore:
        if self._blobs is None:
            raise Unavailable("no artifact store is configured")
        return self._blobs

    def resolve(
        self,
        conn: Connection,
        who: Principal,
        workspace: str,
        name: str,
        ref: str,
        action: Action,
        owner: FileOwner = MODEL,
        lock: bool = False,
    ) -> UUID:
        """The version's id, after the name checks and the access hook; ``lock`` first
        locks its model or artifact, as every writer of its versions does."""
        workspace = names.workspace_name(workspace)
        names.model_name(name, owner.value)
        self.authz.require(who, action, workspace)
        ws = ws_store.get(conn, workspace)
        if owner is FileOwner.ARTIFACT:
            artifact_id = artifact_store.resolve_id(conn, ws, name)
            if lock:
                artifact_store.lock(conn, artifact_id)
            return self.artifacts.resolve(conn, artifact_id, name, ref)
        model_id = model_store.resolve_id(conn, ws, name)
        if lock:
            lifecycle.lock_model(conn, model_id)
        return self.versions.resolve(conn, model_id, name, ref)

    @staticmethod
    def _require_pending(conn: Connection, version_id: UUID, ref: str, owner: FileOwner) -> None:
        status = store.status_of(conn, version_id, owner)
        if status is not VersionStatus.PENDING_REGISTRATION:
            raise FailedPrecondition(
                f"version {ref} is {status.value}: files can only be added while "
                "PENDING_REGISTRATION (a registered version's files never change)",
                {"status": status.value},
            )

    def version_for(
        self,
        conn: Connection,
        who: Principal,
        workspace: str,
        name: str,
        ref: str,
        owner: FileOwner = MODEL,
    ) -> UUID:
        """The id of a version the caller may write to and that still takes files."""
        version_id = self.resolve(conn, who, workspace, name, ref, Action.WRITE, owner)
        self._require_pending(conn, version_id, ref, owner)
        return version_id

    def fail(
        self, conn: Connection, version_id: UUID, message: str, owner: FileOwner = MODEL
    ) -> list[UUID]:
        """Inside a write transaction: mark a PENDING_REGISTRATION version
        FAILED_REGISTRATION with ``message`` and remove its open uploads (the ids, whose
        parts :meth:`drop_parts` deletes after the commit). A version in any other status
        is left alone (a READY version's files are already frozen)."""
        if store.status_of(conn, version_id, owner) is not VersionStatus.PENDING_REGISTRATION:
            return []
        store.set_status(
            conn, version_id, VersionStatus.FAILED_REGISTRATION, self.clock(), owner, message
        )
        return upload_store.delete_of_version(conn, version_id, owner)

    def drop_parts(self, upload_ids: builtins.list[UUID]) -> None:
        """Delete the parts of uploads whose rows are gone (if this fails, gc removes
        them later)."""
        if self._blobs is None:
            return
        for upload_id in upload_ids:
            self._blobs.delete_parts(str(upload_id))

    def check_upload(
        self,
        who: Principal,
        workspace: str,
        model: str,
        ref: str,
        path: str,
        owner: FileOwner = MODEL,
    ) -> str:
        """Fail fast, before any byte is read: bad path, missing or non-pending version."""
        path = names.artifact_path(path)
        with self.db.read() as conn:
            self.version_for(conn, who, workspace, model, ref, owner)
        return path

    def stage(self) -> StagedBlob:
        return self.blobs.stage()

    def record(
        self,
        who: Principal,
        workspace: str,
        model: str,
        ref: str,
        path: str,
        staged: StagedBlob,
        expected_sha256: str | None,
        owner: FileOwner = MODEL,
    ) -> FileInfo:
        """Commit fully received bytes and attach them to the version as ``path``."""
        path = names.artifact_path(path)
        digest = staged.sha256()
        if expected_sha256 is not None and digest != check_sha256(expected_sha256):
            staged.discard()
            raise InvalidArgument(
                "checksum mismatch: the bytes received do not have the sha256 you sent",
                {"field": "sha256", "expected": expected_sha256, "received": digest},
            )
        info = FileInfo(path, staged.size, staged.commit())
        self.attach(who, workspace, model, ref, [info], owner=owner)
        return info

    def attach(
        self,
        who: Principal,
        workspace: str,
        name: str,
        ref: str,
        infos: Sequence[FileInfo],
        also: Callable[[Connection, UUID], None] | None = None,
        owner: FileOwner = MODEL,
    ) -> None:
        """Make committed bytes the version's files (``info.path`` each; no byte moves, the
        rows name the blobs), in a transaction that locks its model (or artifact) and
        re-checks the version is pending; ``also(conn, version_id)`` runs inside it."""
        infos = [FileInfo(names.artifact_path(f.path, "files"), f.size, f.sha256) for f in infos]
        what = f"{workspace}/{name}/{ref}"
        with self.mutation(who, "file.upload", "file", what, workspace) as (conn, note):
            note.after = {f.path: {"size": f.size, "sha256": f.sha256} for f in infos}
            version_id = self.resolve(conn, who, workspace, name, ref, Action.WRITE, owner, True)
            self._require_pending(conn, version_id, ref, owner)
            if also is not None:
                also(conn, version_id)
            now = self.clock()
            for info in infos:
                store.put(conn, version_id, info, now, owner)

    def list(
        self, who: Principal, workspace: str, model: str, ref: str, owner: FileOwner = MODEL
    ) -> list[FileInfo]:
        with self.db.read() as conn:
            version_id = self.resolve(conn, who, workspace, model, ref, Action.READ, owner)
            return store.list_files(conn, version_id, owner)

    def get(
        self,
        who: Principal,
        workspace: str,
        model: str,
        ref: str,
        path: str,
        owner: FileOwner = MODEL,
    ) -> FileInfo:
        path = names.artifact_path(path)
        with self.db.read() as conn:
            version_id = self.resolve(conn, who, workspace, model, ref, Action.READ, owner)
            info = store.get(conn, version_id, path, owner)
        if info is None:
            raise NotFound(f"version {ref} has no file {path!r}", {"path": path})
        return info

    def read(self, info: FileInfo, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        return self.blobs.read(info.sha256, start, end)

    def archive_entries(
        self, who: Principal, workspace: str, name: str, ref: str, owner: FileOwner = MODEL
    ) -> tuple[int, datetime, builtins.list[FileInfo]]:
        """(version number, its creation time, its files) for an archive of the version."""
        with self.db.read() as conn:
            version_id = self.resolve(conn, who, workspace, name, ref, Action.READ, owner)
            files = store.list_files(conn, version_id, owner)
            if owner is FileOwner.ARTIFACT:
                av = artifact_store.get_version(conn, version_id)
                return av.number, av.created_at, files
            version = version_store.get_by_id(conn, version_id)
            return version.number, version.created_at, files

    def finalize(self, who: Principal, workspace: str, model: str, ref: str) -> Version:
        """PENDING_REGISTRATION -> READY once every declared file arrived with its declared
        size and sha256 and every file's bytes are in the store."""
        what = f"{workspace}/{model}/{ref}"
        with self.mutation(who, "version.finalize", "version", what, workspace) as (conn, _):
            version_id = self._finalize(conn, who, workspace, model, ref, MODEL)
            return version_store.get_by_id(conn, version_id)

    def finalize_artifact(
        self, who: Principal, workspace: str, artifact: str, ref: str
    ) -> ArtifactVersion:
        """As :meth:`finalize`, for an artifact version."""
        what = f"{workspace}/{artifact}/{ref}"
        with self.mutation(
            who, "artifact_version.finalize", "artifact_version", what, workspace
        ) as (
            conn,
            _,
        ):
            version_id = self._finalize(conn, who, workspace, artifact, ref, FileOwner.ARTIFACT)
            return artifact_store.get_version(conn, version_id)

    def _finalize(
        self,
        conn: Connection,
        who: Principal,
        workspace: str,
        name: str,
        ref: str,
        owner: FileOwner,
    ) -> UUID:
        version_id = self.resolve(conn, who, workspace, name, ref, Action.WRITE, owner, True)
        self._require_pending(conn, version_id, ref, owner)
        present = {f.path: f for f in store.list_files(conn, version_id, owner)}
        declared = store.declared_files(conn, version_id, owner)
        missing = sorted(d.path for d in declared if d.path not in present)
        mismatched = sorted(d.path for d in declared if d.path in present and present[d.path] != d)
        lost = sorted(p for p, f in present.items() if not self.blobs.exists(f.sha256))
        if missing or mismatched or lost:
            problems = (
                ("missing", missing),
                ("size or sha256 differ", mismatched),
                ("bytes lost from the store", lost),
            )
            raise FailedPrecondition(
                "the version's files are not all there: "
                + "; ".join(f"{what}: {', '.join(ps[:20])}" for what, ps in problems if ps),
                {"missing": missing, "mismatched": mismatched, "lost": lost},
            )
        store.set_status(conn, version_id, VersionStatus.READY, self.clock(), owner)
        return version_id
