"""The blob-store interface. Blobs are addressed by their sha256, so identical files are
stored once and promotion shares bytes by reference.

Besides blobs, a store keeps the *parts* of resumable uploads (under ``uploads/<id>/``):
bytes that belong to no file yet, reachable by every server process over the same store.
Completing an upload assembles its parts into a blob, verified before it is published.
Garbage collection lists both with their age and removes what no database row needs.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Protocol

_UPLOAD_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def part_number(name: str) -> int | None:
    """The number of a part object's file name, None for anything else."""
    return int(name) if name.isdigit() and len(name) <= 5 else None


def check_upload_id(upload: str) -> str:
    """Upload ids become path segments: only a canonical lowercase UUID is accepted, so no
    caller can reach outside ``uploads/``."""
    if not _UPLOAD_ID.fullmatch(upload):
        raise ValueError(f"not an upload id: {upload!r}")
    return upload


@dataclass(frozen=True, slots=True)
class StoredObject:
    """One object as garbage collection sees it. ``name`` is the sha256 of a blob, or
    ``<upload id>/<part number>`` of an upload part."""

    name: str
    size: int
    modified: datetime


class Sink(Protocol):
    """Where a request body goes: written chunk by chunk, discarded on failure."""

    size: int

    def write(self, chunk: bytes) -> None: ...

    def discard(self) -> None: ...


class StagedBlob(Sink, Protocol):
    """Bytes being received: hashed as they arrive, invisible until committed."""

    def sha256(self) -> str: ...

    def commit(self) -> str:
        """Publish the bytes as a blob under their sha256 and return it. A blob that was
        already stored is made young again, so the garbage collector's grace period covers
        the row about to reference it."""
        ...


class StagedPart(Sink, Protocol):
    """One part of a resumable upload being received (not hashed: the file's sha256 is
    computed once, over all parts in order, when the upload completes)."""

    def commit(self) -> None:
        """Durably store the part, replacing an earlier copy; only then does it count."""
        ...


class AssembledBlob(Protocol):
    """An upload's parts as one blob: hashed, not yet published."""

    size: int

    def sha256(self) -> str: ...

    def commit(self) -> str:
        """Publish as a blob under its sha256 (as :meth:`StagedBlob.commit`)."""
        ...

    def discard(self) -> None: ...


class BlobStore(Protocol):
    def stage(self) -> StagedBlob: ...

    def read(self, sha256: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """Bytes ``start`` .. ``end`` (exclusive; None: to the end), in chunks."""
        ...

    def exists(self, sha256: str) -> bool: ...

    def stage_part(self, upload: str, number: int, offset: int) -> StagedPart:
        """Bytes of part ``number`` of ``upload``, which start at byte ``offset`` of the
        file; committing replaces an earlier copy."""
        ...

    def assemble(self, upload: str, numbers: Sequence[int]) -> AssembledBlob:
        """The parts ``numbers`` (all of them, in order) as one blob, hashed; raises
        FileNotFoundError when a part's bytes are gone from the store."""
        ...

    def part_sizes(self, upload: str) -> dict[int, int]:
        """{part number: size} of the parts of ``upload`` the store holds."""
        ...

    def sign_part(self, upload: str, number: int, expires_in: timedelta) -> str | None:
        """A URL a client can PUT part ``number`` to directly; None if the store cannot
        sign URLs (local disk)."""
        ...

    def delete_parts(self, upload: str, older_than: datetime | None = None) -> int:
        """Remove an upload's parts (only those last written before ``older_than``, when
        given); the number of bytes freed."""
        ...

    def list_blobs(self) -> Iterator[StoredObject]: ...

    def list_parts(self) -> Iterator[StoredObject]: ...

    def delete_blob(self, sha256: str, older_than: datetime) -> bool:
        """Remove a blob unless it was (re)written at or after ``older_than``, judged on a
        fresh look at the store rather than an earlier listing; True if it was removed."""
        ...


class Spool:
    """Incoming bytes in a local temp file, hashed as they arrive unless ``hashed`` is
    false (constant memory). Stores subclass it and publish the file in ``commit``."""

    def __init__(
        self, tmp_dir: Path | str | None, prefix: str = "modelreg-", hashed: bool = True
    ) -> None:
        fd, name = tempfile.mkstemp(prefix=prefix, dir=tmp_dir)
        self._file = os.fdopen(fd, "w+b")
        self._path = Path(name)
        self._hash = hashlib.sha256() if hashed else None
        self.size = 0

    def write(self, chunk: bytes) -> None:
        self._file.write(chunk)
        if self._hash is not None:
            self._hash.update(chunk)
        self.size += len(chunk)

    def sha256(self) -> str:
        assert self._hash is not None, "an unhashed spool has no sha256"
        return self._hash.hexdigest()

    def discard(self) -> None:
        if not self._file.closed:
            self._file.close()
        self._path.unlink(missing_ok=True)
