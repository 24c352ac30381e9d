"""The flat, path-addressed artifact namespace MLflow's artifact proxy offers
(``mlflow-artifacts:/<path>``), over the same content-addressed blob store as version files.

MLflow clients upload a model's files under a path of their choosing, then register a
version whose ``source`` names that folder; downloads list the folder and fetch each file.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

from modelreg.blobs import StagedBlob
from modelreg.domain import names
from modelreg.domain.entities import FileInfo, NewVersion, Principal, Version, VersionStatus
from modelreg.errors import NotFound
from modelreg.services.base import Action, ServiceBase
from modelreg.services.files import FileService
from modelreg.store import mlflow_artifacts as store

# A folder listing reads at most this many file rows (MLflow's listing has no paging).
LIST_LIMIT = 100_000


@dataclass(frozen=True, slots=True)
class Entry:
    """One child of a listed folder: a file (with its size) or a sub-folder."""

    name: str
    is_dir: bool
    size: int | None


def folder(value: str | None) -> str:
    """A folder to list: '' for the root, else a valid artifact path."""
    if value is None or value.strip("/") == "":
        return ""
    return names.artifact_path(value.strip("/"), "path")


class MlflowArtifactService(ServiceBase):
    def __init__(self, files: FileService) -> None:
        super().__init__(files.db, files.codec, files.authz, files.clock)
        self.files = files  # the same blob store as versions' files

    def _require(self, who: Principal, action: Action) -> None:
        # The proxy's namespace is shared like MLflow's: it belongs to the default workspace.
        self.authz.require(who, action, names.DEFAULT_WORKSPACE)

    def check_upload(self, who: Principal, path: str) -> str:
        """Fail before any byte is read: bad path or no right to write."""
        self._require(who, Action.WRITE)
        return names.artifact_path(path)

    def stage(self) -> StagedBlob:
        return self.files.stage()

    def record(self, who: Principal, path: str, staged: StagedBlob) -> FileInfo:
        """Commit fully received bytes and name them ``path`` (replacing what it named)."""
        path = self.check_upload(who, path)
        info = FileInfo(path, staged.size, staged.commit())
        with self.db.write() as conn:
            store.put(conn, info, self.clock())
        return info

    def get(self, who: Principal, path: str) -> FileInfo:
        self._require(who, Action.READ)
        path = names.artifact_path(path)
        with self.db.read() as conn:
            info = store.get(conn, path)
        if info is None:
            raise NotFound(f"no artifact at {path!r}", {"path": path})
        return info

    def read(self, info: FileInfo, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        return self.files.read(info, start, end)

    def under(self, who: Principal, path: str) -> list[FileInfo]:
        """Every file inside folder ``path``, with paths relative to it."""
        self._require(who, Action.READ)
        prefix = folder(path)
        with self.db.read() as conn:
            files = store.under(conn, prefix, LIST_LIMIT)
        skip = len(prefix) + 1 if prefix else 0
        return [FileInfo(f.path[skip:], f.size, f.sha256) for f in files]

    def create_version(
        self, who: Principal, workspace: str, model: str, new: NewVersion, path: str
    ) -> Version:
        """A version whose files are those uploaded under ``path`` through the proxy
        (shared by reference, checksums and all), READY once they are attached; the
        native API then serves them like any version's files."""
        infos = self.under(who, path)
        if not infos:
            return self.files.versions.create(who, workspace, model, new)
        pending = replace(new, status=VersionStatus.PENDING_REGISTRATION)
        version = self.files.versions.create(who, workspace, model, pending)
        ref = str(version.number)
        self.files.attach(who, workspace, model, ref, infos)
        return self.files.finalize(who, workspace, model, ref)

    def list(self, who: Principal, path: str | None) -> list[Entry]:
        """The direct children of a folder (files and sub-folders), by name."""
        self._require(who, Action.READ)
        prefix = folder(path)
        with self.db.read() as conn:
            files = store.under(conn, prefix, LIST_LIMIT)
        skip = len(prefix) + 1 if prefix else 0
        children: dict[str, Entry] = {}
        for f in files:
            head, sep, _ = f.path[skip:].partition("/")
            if head not in children:
                children[head] = Entry(head, True, None) if sep else Entry(head, False, f.size)
        return [children[k] for k in sorted(children)]
