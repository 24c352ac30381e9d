"""A version's files: upload while PENDING_REGISTRATION, then immutable once READY.

Bytes go to the blob store first (hashed on the way, invisible until committed); the file
row that makes them part of a version is written in a transaction that re-checks the
version's status, so a version never shows a file that was not fully received.
"""

from __future__ import annotations

from collections.abc import Iterator
from uuid import UUID

from sqlalchemy import Connection

from modelreg.blobs import BlobStore, StagedBlob
from modelreg.domain import names
from modelreg.domain.entities import FileInfo, Principal, Version, VersionStatus
from modelreg.errors import FailedPrecondition, InvalidArgument, NotFound, Unavailable
from modelreg.services.base import Action, ServiceBase
from modelreg.services.versions import VersionService
from modelreg.store import files as store
from modelreg.store import lifecycle
from modelreg.store import models as model_store
from modelreg.store import versions as version_store
from modelreg.store import workspaces as ws_store

_SHA256_HEX = frozenset("0123456789abcdef")


def check_sha256(value: str) -> str:
    value = value.strip().lower()
    if len(value) != 64 or not set(value) <= _SHA256_HEX:
        raise InvalidArgument("X-Checksum-Sha256 must be 64 hex digits", {"field": "sha256"})
    return value


class FileService(ServiceBase):
    def __init__(self, versions: VersionService, blobs: BlobStore | None) -> None:
        super().__init__(versions.db, versions.codec, versions.authz, versions.clock)
        self.versions = versions
        self._blobs = blobs

    @property
    def blobs(self) -> BlobStore:
        if self._blobs is None:
            raise Unavailable("no artifact store is configured")
        return self._blobs

    def _version(
        self, conn: Connection, who: Principal, workspace: str, model: str, ref: str, action: Action
    ) -> tuple[UUID, UUID]:
        """(model id, version id), after the name checks and the access hook."""
        workspace = names.workspace_name(workspace)
        names.model_name(model, "model")
        self.authz.require(who, action, workspace)
        model_id = model_store.resolve_id(conn, ws_store.get(conn, workspace), model)
        return model_id, self.versions.resolve(conn, model_id, model, ref)

    def _require_pending(self, conn: Connection, version_id: UUID, ref: str) -> None:
        status = version_store.status_of(conn, version_id)
        if status is not VersionStatus.PENDING_REGISTRATION:
            raise FailedPrecondition(
                f"version {ref} is {status.value}: files can only be added while "
                "PENDING_REGISTRATION (a registered version's files never change)",
                {"status": status.value},
            )

    def check_upload(self, who: Principal, workspace: str, model: str, ref: str, path: str) -> str:
        """Fail fast, before any byte is read: bad path, missing or non-pending version."""
        path = names.artifact_path(path)
        with self.db.read() as conn:
            _, version_id = self._version(conn, who, workspace, model, ref, Action.WRITE)
            self._require_pending(conn, version_id, ref)
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
        what = f"{workspace}/{model}/{ref}/{path}"
        with self.mutation(who, "file.upload", "file", what, workspace) as (conn, note):
            note.after = {"size": info.size, "sha256": info.sha256}
            model_id, version_id = self._version(conn, who, workspace, model, ref, Action.WRITE)
            lifecycle.lock_model(conn, model_id)
            self._require_pending(conn, version_id, ref)
            store.put(conn, version_id, info, self.clock())
        return info

    def list(self, who: Principal, workspace: str, model: str, ref: str) -> list[FileInfo]:
        with self.db.read() as conn:
            _, version_id = self._version(conn, who, workspace, model, ref, Action.READ)
            return store.list_files(conn, version_id)

    def get(self, who: Principal, workspace: str, model: str, ref: str, path: str) -> FileInfo:
        path = names.artifact_path(path)
        with self.db.read() as conn:
            _, version_id = self._version(conn, who, workspace, model, ref, Action.READ)
            info = store.get(conn, version_id, path)
        if info is None:
            raise NotFound(f"version {ref} has no file {path!r}", {"path": path})
        return info

    def read(self, info: FileInfo, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        return self.blobs.read(info.sha256, start, end)

    def finalize(self, who: Principal, workspace: str, model: str, ref: str) -> Version:
        """PENDING_REGISTRATION -> READY once every declared file arrived with its declared
        size and sha256 and every file's bytes are in the store."""
        what = f"{workspace}/{model}/{ref}"
        with self.mutation(who, "version.finalize", "version", what, workspace) as (conn, _):
            model_id, version_id = self._version(conn, who, workspace, model, ref, Action.WRITE)
            lifecycle.lock_model(conn, model_id)
            self._require_pending(conn, version_id, ref)
            present = {f.path: f for f in store.list_files(conn, version_id)}
            declared = version_store.declared_files(conn, version_id)
            missing = sorted(d.path for d in declared if d.path not in present)
            mismatched = sorted(
                d.path for d in declared if d.path in present and present[d.path] != d
            )
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
            version_store.set_status(conn, version_id, VersionStatus.READY, self.clock())
            return version_store.get_by_id(conn, version_id)
