"""Blobs on the local disk: ``<root>/objects/ab/cd/<sha256>``, written via a temp file and
an atomic rename, so a reader never sees a partial blob. Upload parts live in
``<root>/uploads/<upload id>/<number>``, written the same way."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from modelreg.blobs.base import Spool, StoredObject, check_upload_id, part_number

CHUNK = 1 << 20


class LocalStaged(Spool):
    def __init__(self, root: Path, part: Path | None = None) -> None:
        super().__init__(root / "tmp")
        self._root = root
        self._part = part

    def commit(self) -> str:
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        digest = self.sha256()
        target = self._part or _object_path(self._root, digest)
        target.parent.mkdir(parents=True, exist_ok=True)
        if self._part is None and target.exists():
            self._path.unlink(missing_ok=True)  # same content already stored
            try:
                os.utime(target)  # young again: gc's grace period now protects it
                return digest
            except FileNotFoundError:
                pass  # collected in between: store our copy after all
        os.replace(self._path, target)
        return digest


def _object_path(root: Path, digest: str) -> Path:
    return root / "objects" / digest[:2] / digest[2:4] / digest


def _mtime(st: os.stat_result) -> datetime:
    return datetime.fromtimestamp(st.st_mtime, UTC)


def _read(path: Path, start: int = 0, end: int | None = None) -> Iterator[bytes]:
    with path.open("rb") as f:
        f.seek(start)
        remaining = None if end is None else end - start
        while remaining is None or remaining > 0:
            chunk = f.read(CHUNK if remaining is None else min(CHUNK, remaining))
            if not chunk:
                return
            if remaining is not None:
                remaining -= len(chunk)
            yield chunk


def _dirs(folder: Path | str) -> Iterator[str]:
    return (e.path for e in os.scandir(folder) if e.is_dir())


def _files(folder: str, prefix: str = "") -> Iterator[StoredObject]:
    for entry in os.scandir(folder):
        try:
            st = entry.stat()
        except FileNotFoundError:
            continue  # deleted while we looked
        yield StoredObject(prefix + entry.name, st.st_size, _mtime(st))


class LocalBlobStore:
    """A content-addressed folder."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        for sub in ("tmp", "objects", "uploads"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)

    def stage(self) -> LocalStaged:
        return LocalStaged(self.root)

    def exists(self, sha256: str) -> bool:
        return _object_path(self.root, sha256).is_file()

    def read(self, sha256: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        return _read(_object_path(self.root, sha256), start, end)

    def _upload_dir(self, upload: str) -> Path:
        return self.root / "uploads" / check_upload_id(upload)

    def stage_part(self, upload: str, number: int) -> LocalStaged:
        return LocalStaged(self.root, self._upload_dir(upload) / str(int(number)))

    def read_part(self, upload: str, number: int) -> Iterator[bytes]:
        path = self._upload_dir(upload) / str(int(number))
        if not path.is_file():  # raise now, not when the caller first iterates
            raise FileNotFoundError(f"part {number} missing")
        return _read(path)

    def part_sizes(self, upload: str) -> dict[int, int]:
        sizes: dict[int, int] = {}
        with contextlib.suppress(FileNotFoundError):
            for obj in _files(str(self._upload_dir(upload))):
                number = part_number(obj.name)
                if number is not None:
                    sizes[number] = obj.size
        return sizes

    def sign_part(self, upload: str, number: int, expires_in: timedelta) -> str | None:
        return None

    def delete_parts(self, upload: str, older_than: datetime | None = None) -> int:
        folder = self._upload_dir(upload)
        freed = 0
        try:
            entries = list(os.scandir(folder))
        except FileNotFoundError:
            return 0
        for entry in entries:
            st = entry.stat()
            if older_than is None or _mtime(st) < older_than:
                Path(entry.path).unlink(missing_ok=True)
                freed += st.st_size
        with contextlib.suppress(OSError):
            folder.rmdir()  # only once empty
        return freed

    def list_blobs(self) -> Iterator[StoredObject]:
        for top in _dirs(self.root / "objects"):
            for sub in _dirs(top):
                yield from _files(sub)

    def list_parts(self) -> Iterator[StoredObject]:
        for upload in _dirs(self.root / "uploads"):
            yield from _files(upload, f"{Path(upload).name}/")

    def delete_blob(self, sha256: str, older_than: datetime) -> bool:
        path = _object_path(self.root, sha256)
        try:
            if _mtime(path.stat()) >= older_than:
                return False
            path.unlink()
        except FileNotFoundError:
            return False
        return True
