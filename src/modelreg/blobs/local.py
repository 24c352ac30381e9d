"""Blobs on the local disk: ``<root>/objects/ab/cd/<sha256>``, written via a temp file and
an atomic rename, so a reader never sees a partial blob."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from modelreg.blobs.base import Spool

CHUNK = 1 << 20


class LocalStaged(Spool):
    def __init__(self, root: Path) -> None:
        super().__init__(root / "tmp")
        self._root = root

    def commit(self) -> str:
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        digest = self.sha256()
        target = _object_path(self._root, digest)
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            self._path.unlink(missing_ok=True)  # same content already stored
        else:
            os.replace(self._path, target)
        return digest


def _object_path(root: Path, digest: str) -> Path:
    return root / "objects" / digest[:2] / digest[2:4] / digest


class LocalBlobStore:
    """A content-addressed folder."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        (self.root / "tmp").mkdir(parents=True, exist_ok=True)
        (self.root / "objects").mkdir(parents=True, exist_ok=True)

    def stage(self) -> LocalStaged:
        return LocalStaged(self.root)

    def exists(self, sha256: str) -> bool:
        return _object_path(self.root, sha256).is_file()

    def read(self, sha256: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        with _object_path(self.root, sha256).open("rb") as f:
            f.seek(start)
            remaining = None if end is None else end - start
            while remaining is None or remaining > 0:
                chunk = f.read(CHUNK if remaining is None else min(CHUNK, remaining))
                if not chunk:
                    return
                if remaining is not None:
                    remaining -= len(chunk)
                yield chunk
