"""The blob-store interface. Blobs are addressed by their sha256, so identical files are
stored once and promotion shares bytes by reference."""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol


class StagedBlob(Protocol):
    """Bytes being received: hashed as they arrive, invisible until committed."""

    size: int

    def write(self, chunk: bytes) -> None: ...

    def sha256(self) -> str: ...

    def commit(self) -> str:
        """Make the bytes readable under their sha256 (a no-op if already stored)."""
        ...

    def discard(self) -> None: ...


class BlobStore(Protocol):
    def stage(self) -> StagedBlob: ...

    def read(self, sha256: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """Bytes ``start`` .. ``end`` (exclusive; None: to the end), in chunks."""
        ...

    def exists(self, sha256: str) -> bool: ...


class Spool:
    """Incoming bytes in a local temp file, hashed as they arrive (constant memory).
    Stores subclass it and publish the file under its sha256 in ``commit``."""

    def __init__(self, tmp_dir: Path | str | None, prefix: str = "modelreg-") -> None:
        fd, name = tempfile.mkstemp(prefix=prefix, dir=tmp_dir)
        self._file = os.fdopen(fd, "w+b")
        self._path = Path(name)
        self._hash = hashlib.sha256()
        self.size = 0

    def write(self, chunk: bytes) -> None:
        self._file.write(chunk)
        self._hash.update(chunk)
        self.size += len(chunk)

    def sha256(self) -> str:
        return self._hash.hexdigest()

    def discard(self) -> None:
        if not self._file.closed:
            self._file.close()
        self._path.unlink(missing_ok=True)
