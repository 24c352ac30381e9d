"""The blob-store interface. Blobs are addressed by their sha256, so identical files are
stored once and promotion shares bytes by reference."""

from __future__ import annotations

from collections.abc import Iterator
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
