"""Blobs on the local disk: ``<root>/objects/ab/cd/<sha256>``, written via a temp file and
an atomic rename, so a reader never sees a partial blob.

A resumable upload is one folder, ``<root>/uploads/<upload id>/``: every part is written in
place, at its offset, into the folder's ``data`` file (from any server process), fsynced,
and only then recorded by a marker file ``<number>`` holding its size. Completing renames
``data`` to ``assembled``, hashes it by reading it once, and renames it into ``objects/``:
the bytes are written once, not once as parts and again as the blob. Part writers hold a
shared ``flock`` on ``data`` and completing takes it exclusively, so no part write can land
in a file that is being (or has been) turned into a blob.

When parts reach one server process in order (the usual case), that process also hashes them
as they are written (a :class:`_Chain`), and completing there needs no read-back: it uses
the chained digest if every part's marker is still the very file the chain recorded (a part
re-sent since, by any process, has a new marker), else it reads the file back."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import threading
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


Fingerprint = tuple[int, int, int]  # (inode, mtime ns, ctime ns) of a part's marker


def _fingerprint(path: Path) -> Fingerprint | None:
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return st.st_ino, st.st_mtime_ns, st.st_ctime_ns


class _Chain:
    """The sha256 of an upload's first ``length`` bytes, as parts 1, 2, ... were written in
    order through this process, with the marker each of those parts left."""

    def __init__(self) -> None:
        self.hash = hashlib.sha256()
        self.length = 0
        self.markers: dict[int, Fingerprint] = {}
        self.busy = False  # a part is extending it right now


class _Chains:
    """The chains of the uploads in progress through this process (a bounded few: a chain
    is only a shortcut, and a forgotten one means a read-back)."""

    LIMIT = 64

    def __init__(self) -> None:
        self._chains: dict[str, _Chain] = {}
        self._lock = threading.Lock()

    def claim(self, upload: str, offset: int) -> _Chain | None:
        """The chain a part at ``offset`` extends (a new one for the first part), or None
        when the part is out of order."""
        with self._lock:
            chain = self._chains.get(upload)
            if chain is None and offset == 0:
                while len(self._chains) >= self.LIMIT:
                    self._chains.pop(next(iter(self._chains)))
                chain = self._chains[upload] = _Chain()
            if chain is None or chain.busy or chain.length != offset:
                return None
            chain.busy = True
            return chain

    def take(self, upload: str) -> _Chain | None:
        with self._lock:
            return self._chains.pop(upload, None)

    def release(self, chain: _Chain) -> None:
        with self._lock:
            chain.busy = False


class LocalPart:
    """One part, written at its offset into the upload's ``data`` file (and hashed onto its
    upload's chain when it is the next part in order)."""

    def __init__(
        self, folder: Path, number: int, offset: int, chains: _Chains, upload: str
    ) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self._folder = folder
        self._number = number
        self._marker = folder / str(number)
        self._marker.unlink(missing_ok=True)  # until this copy is committed, it is not there
        self._fd: int | None = _open_data(folder)
        self._pos = offset
        self.size = 0
        self._chains = chains
        self._chain = chains.claim(upload, offset)
        # A copy, so that a part that fails leaves the chain as it was.
        self._hash = self._chain.hash.copy() if self._chain is not None else None

    def write(self, chunk: bytes) -> None:
        assert self._fd is not None
        view = memoryview(chunk)
        if self._hash is not None:
            self._hash.update(view)
        while view:
            n = os.pwrite(self._fd, view, self._pos)
            self._pos += n
            self.size += n
            view = view[n:]

    def commit(self) -> None:
        assert self._fd is not None
        try:
            os.fsync(self._fd)  # the bytes are on disk before any marker says so
            # The marker itself is not fsynced (that would cost a journal commit per part):
            # lost in a crash, the part merely counts as missing and is sent again.
            tmp = self._folder / f".{self._marker.name}.{uuid.uuid4().hex}"
            tmp.write_text(str(self.size))
            os.replace(tmp, self._marker)
            chain, marker = self._chain, _fingerprint(self._marker)
            if chain is not None and self._hash is not None and marker is not None:
                chain.hash, chain.length = self._hash, chain.length + self.size
                chain.markers[self._number] = marker
        finally:
            self.discard()

    def discard(self) -> None:
        # Bytes already written stay in ``data`` but count for nothing without a marker.
        if self._fd is not None:
            os.close(self._fd)  # also releases the lock
            self._fd = None
        if self._chain is not None:
            self._chains.release(self._chain)
            self._chain = None


class LocalAssembled:
    """An upload's ``assembled`` file, hashed; committing renames it into ``objects/``."""

    def __init__(self, root: Path, path: Path, chained: _Chain | None = None) -> None:
        self._root = root
        self._path = path
        if chained is not None:  # hashed on the way in: no read-back
            self.size, self._digest = chained.length, chained.hash.hexdigest()
            return
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
        self._chains = _Chains()
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
        return LocalPart(self._upload_dir(upload), int(number), offset, self._chains, upload)

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
        chain = self._chains.take(upload)
        if chain is not None and not (
            not chain.busy
            and sorted(chain.markers) == sorted(numbers)
            and all(_fingerprint(folder / str(n)) == m for n, m in chain.markers.items())
            and assembled.stat().st_size == chain.length
        ):
            chain = None  # a part was re-sent (or went) since: read the file back
        return LocalAssembled(self.root, assembled, chain)

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
        if older_than is None:
            self._chains.take(upload)
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
