"""Blobs on the local disk: ``<root>/objects/ab/cd/<sha256>``, written via a temp file and
an atomic rename, so a reader never sees a partial blob.

A resumable upload is one folder, ``<root>/uploads/<upload id>/``: every part is written in
place, at its offset, into the folder's ``data`` file (from any server process), fsynced,
and only then recorded by a marker file ``<number>`` holding its size. Completing renames
``data`` to ``assembled``, hashes it by reading it once, and renames it into ``objects/``:
the bytes are written once, not once as parts and again as the blob. Part writers hold a
shared ``flock`` on ``data`` and completing takes it exclusively, so no part write can land
in a file that is being (or has been) turned into a blob."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import uuid
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from modelreg.blobs.base import Spool, StoredObject, check_upload_id, part_number

CHUNK = 1 << 20
HASH_READ = 4 << 20  # completing reads the assembled file back in blocks of this size
DATA = "data"
ASSEMBLED = "assembled"


def _publish(root: Path, source: Path, digest: str) -> str:
    """Rename ``source`` (fully written and fsynced) into the store as blob ``digest``."""
    target = _object_path(root, digest)
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        source.unlink(missing_ok=True)  # same content already stored
        try:
            os.utime(target)  # young again: gc's grace period now protects it
            return digest
        except FileNotFoundError:
            pass  # collected in between: store our copy after all
    os.replace(source, target)
    return digest


class LocalStaged(Spool):
    def __init__(self, root: Path) -> None:
        super().__init__(root / "tmp")
        self._root = root

    def commit(self) -> str:
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        return _publish(self._root, self._path, self.sha256())


def _open_data(folder: Path) -> int:
    """The upload's ``data`` file, opened for writing under a shared lock; never a file
    that completing has already moved away."""
    path = folder / DATA
    while True:
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o644)
        except FileNotFoundError:  # the folder went (an abort): a late part recreates it
            folder.mkdir(parents=True, exist_ok=True)
            continue
        fcntl.flock(fd, fcntl.LOCK_SH)
        try:
            if os.stat(path).st_ino == os.fstat(fd).st_ino:
                return fd
        except FileNotFoundError:
            pass
        os.close(fd)  # renamed by a completing upload while we waited: open afresh


class LocalPart:
    """One part, written at its offset into the upload's ``data`` file."""

    def __init__(self, folder: Path, number: int, offset: int) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self._folder = folder
        self._marker = folder / str(number)
        self._marker.unlink(missing_ok=True)  # until this copy is committed, it is not there
        self._fd: int | None = _open_data(folder)
        self._pos = offset
        self.size = 0

    def write(self, chunk: bytes) -> None:
        assert self._fd is not None
        view = memoryview(chunk)
        while view:
            n = os.pwrite(self._fd, view, self._pos)
            self._pos += n
            self.size += n
            view = view[n:]

    def commit(self) -> None:
        assert self._fd is not None
        try:
            os.fsync(self._fd)
            tmp = self._folder / f".{self._marker.name}.{uuid.uuid4().hex}"
            with tmp.open("w") as f:
                f.write(str(self.size))
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self._marker)
        finally:
            self.discard()

    def discard(self) -> None:
        # Bytes already written stay in ``data`` but count for nothing without a marker.
        if self._fd is not None:
            os.close(self._fd)  # also releases the lock
            self._fd = None


class LocalAssembled:
    """An upload's ``assembled`` file, hashed; committing renames it into ``objects/``."""

    def __init__(self, root: Path, path: Path) -> None:
        self._root = root
        self._path = path
        h = hashlib.sha256()
        buf = bytearray(HASH_READ)
        size = 0
        with path.open("rb", buffering=0) as f:
            while n := f.readinto(buf):
                h.update(memoryview(buf)[:n])
                size += n
        self.size = size
        self._digest = h.hexdigest()

    def sha256(self) -> str:
        return self._digest

    def commit(self) -> str:
        try:
            return _publish(self._root, self._path, self._digest)
        except FileNotFoundError:
            # A concurrent completion of the same upload published it first.
            if _object_path(self._root, self._digest).is_file():
                return self._digest
            raise

    def discard(self) -> None:
        return None  # the parts go with the upload (delete_parts)


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


def _marked_size(marker: str) -> int | None:
    """The size a part's marker file records; None if it is gone or not a marker."""
    try:
        with open(marker) as f:
            return int(f.read(32))
    except (FileNotFoundError, ValueError):
        return None


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

    def stage_part(self, upload: str, number: int, offset: int) -> LocalPart:
        return LocalPart(self._upload_dir(upload), int(number), offset)

    def assemble(self, upload: str, numbers: Sequence[int]) -> LocalAssembled:
        folder = self._upload_dir(upload)
        assembled = folder / ASSEMBLED
        data = folder / DATA
        if not numbers:  # an empty file has no parts
            folder.mkdir(parents=True, exist_ok=True)
            assembled.touch()
        try:
            fd = os.open(data, os.O_RDONLY)
        except FileNotFoundError:
            fd = None  # already moved by an earlier (or concurrent) completion
        if fd is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)  # waits for the parts being written
                with contextlib.suppress(FileNotFoundError):
                    if os.stat(data).st_ino == os.fstat(fd).st_ino:
                        os.replace(data, assembled)
            finally:
                os.close(fd)
        missing = [n for n in numbers if not (folder / str(n)).is_file()]
        if missing or not assembled.is_file():
            raise FileNotFoundError(f"part {(missing or numbers)[0]} missing")
        return LocalAssembled(self.root, assembled)

    def part_sizes(self, upload: str) -> dict[int, int]:
        sizes: dict[int, int] = {}
        with contextlib.suppress(FileNotFoundError):
            for entry in os.scandir(self._upload_dir(upload)):
                number = part_number(entry.name)
                size = _marked_size(entry.path) if number is not None else None
                if number is not None and size is not None:
                    sizes[number] = size
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
            try:
                st = entry.stat()
            except FileNotFoundError:
                continue
            if older_than is None or _mtime(st) < older_than:
                Path(entry.path).unlink(missing_ok=True)
                if part_number(entry.name) is None:  # markers hold no file bytes
                    freed += st.st_size
        with contextlib.suppress(OSError):
            folder.rmdir()  # only once empty
        return freed

    def list_blobs(self) -> Iterator[StoredObject]:
        for top in _dirs(self.root / "objects"):
            for sub in _dirs(top):
                yield from _files(sub)

    def list_parts(self) -> Iterator[StoredObject]:
        """Each recorded part with its size; for an upload without any (say, a part
        interrupted before it was recorded), whatever its folder holds, so that gc finds
        it too."""
        for upload in _dirs(self.root / "uploads"):
            prefix = f"{Path(upload).name}/"
            parts, other = [], []
            for obj in _files(upload, prefix):
                number = part_number(obj.name[len(prefix) :])
                size = _marked_size(os.path.join(upload, str(number))) if number else None
                if size is None:
                    other.append(obj)
                else:
                    parts.append(StoredObject(obj.name, size, obj.modified))
            yield from parts or other

    def delete_blob(self, sha256: str, older_than: datetime) -> bool:
        path = _object_path(self.root, sha256)
        try:
            if _mtime(path.stat()) >= older_than:
                return False
            path.unlink()
        except FileNotFoundError:
            return False
        return True
