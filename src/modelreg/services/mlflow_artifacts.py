"""The flat, path-addressed artifact namespace MLflow's artifact proxy offers
(``mlflow-artifacts:/<path>``), over the same content-addressed blob store as version files.

MLflow clients upload a model's files under a path of their choosing, then register a
version whose ``source`` names that folder; downloads list the folder and fetch each file.
Every version's own files (uploaded through the native API, say) also appear, read-only,
under ``_modelreg/versions/<version id>/``, so MLflow clients can download those too.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from uuid import UUID

from modelreg.blobs import StagedBlob
from modelreg.domain import names
from modelreg.domain.entities import FileInfo, NewVersion, Principal, Version, VersionStatus
from modelreg.errors import InvalidArgument, NotFound, VersionNotFound
from modelreg.services.base import Action, ServiceBase
from modelreg.services.files import FileService
from modelreg.store import mlflow_artifacts as store

# A folder listing reads at most this many file rows (MLflow's listing has no paging).
LIST_LIMIT = 100_000
# The read-only folder of each version's own files.
VERSIONS_FOLDER = "_modelreg/versions"


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


def _inside(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix + "/")


def children(files: list[FileInfo], prefix: str) -> list[Entry]:
    """The direct children of folder ``prefix`` among ``files`` (paths under it), by name."""
    skip = len(prefix) + 1 if prefix else 0
    found: dict[str, Entry] = {}
    for f in files:
        if prefix and not f.path.startswith(prefix + "/"):
            continue
        head, sep, _ = f.path[skip:].partition("/")
        if head not in found:
            found[head] = Entry(head, True, None) if sep else Entry(head, False, f.size)
    return [found[k] for k in sorted(found)]


class MlflowArtifactService(ServiceBase):
    def __init__(self, files: FileService) -> None:
        super().__init__(files.db, files.codec, files.authz, files.clock)
        self.files = files  # the same blob store as versions' files

    def _require(self, who: Principal, action: Action) -> None:
        # The proxy's namespace is shared like MLflow's: it belongs to the default workspace.
        self.authz.require(who, action, names.DEFAULT_WORKSPACE)

    def _version_files(self, who: Principal, path: str) -> tuple[list[FileInfo], str]:
        """For a path in VERSIONS_FOLDER: that version's files and the path inside them."""
        version_ref, _, inner = path[len(VERSIONS_FOLDER) + 1 :].partition("/")
        try:
            version_id = UUID(version_ref)
        except ValueError:
            raise VersionNotFound(f"no version {version_ref[:40]!r}", {"path": path}) from None
        v = self.files.versions.get_by_id(who, version_id)
        return self.files.list(who, v.workspace, v.model_name, str(v.number)), inner

    def version_folder(self, v: Version) -> str:
        """The proxy folder of ``v``'s own files."""
        return f"{VERSIONS_FOLDER}/{v.id}"

    def check_upload(self, who: Principal, path: str) -> str:
        """Fail before any byte is read: bad path or no right to write."""
        self._require(who, Action.WRITE)
        path = names.artifact_path(path)
        if _inside(path, VERSIONS_FOLDER):
            raise InvalidArgument(
                f"{VERSIONS_FOLDER}/ holds versions' own files and is read-only",
                {"field": "path"},
            )
        return path

    def stage(self) -> StagedBlob:
        return self.files.stage()

    def record(self, who: Principal, path: str, staged: StagedBlob) -> FileInfo:
        """Commit fully received bytes and name them ``path`` (replacing what it named)."""
        path = self.check_upload(who, path)
        info = FileInfo(path, staged.size, staged.commit())
        with self.mutation(who, "mlflow_artifact.put", "mlflow_artifact", path) as (conn, note):
            note.after = {"size": info.size, "sha256": info.sha256}
            store.put(conn, info, self.clock())
        return info

    def get(self, who: Principal, path: str) -> FileInfo:
        self._require(who, Action.READ)
        path = names.artifact_path(path)
        if _inside(path, VERSIONS_FOLDER):
            files, inner = self._version_files(who, path)
            info = next((f for f in files if f.path == inner), None)
        else:
            with self.db.read() as conn:
                info = store.get(conn, path)
        if info is None:
            raise NotFound(f"no artifact at {path!r}", {"path": path})
        return info

    def read(self, info: FileInfo, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        return self.files.read(info, start, end)

    def under(self, who: Principal, path: str) -> list[FileInfo]:
        """Every file uploaded inside folder ``path``, with paths relative to it."""
        self._require(who, Action.READ)
        prefix = folder(path)
        with self.db.read() as conn:
            files = store.under(conn, prefix, LIST_LIMIT)
        skip = len(prefix) + 1 if prefix else 0
        return [FileInfo(f.path[skip:], f.size, f.sha256) for f in files]

    def list(self, who: Principal, path: str | None) -> list[Entry]:
        """The direct children of a folder (files and sub-folders), by name."""
        self._require(who, Action.READ)
        prefix = folder(path)
        if _inside(prefix, VERSIONS_FOLDER) and prefix != VERSIONS_FOLDER:
            files, inner = self._version_files(who, prefix)
            return children(files, inner)
        with self.db.read() as conn:
            return children(store.under(conn, prefix, LIST_LIMIT), prefix)

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
