"""A version's files as one tar or zip stream, produced chunk by chunk (constant memory).

tar: stdlib ``TarInfo.tobuf`` builds each PAX header (long and non-ASCII paths are fine);
the data and padding are emitted here, so the total length is known before the first byte.
zip: stdlib ``zipfile`` writes to an unseekable sink (it then uses data descriptors and
Zip64 where sizes need it); entries are STORED, since model weights barely compress and
deflating gigabytes would cost a core. Both read back with stdlib, GNU tar and unzip.
"""

from __future__ import annotations

import tarfile
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

BLOCK = tarfile.BLOCKSIZE
RECORD = tarfile.RECORDSIZE


@dataclass(frozen=True, slots=True)
class Member:
    path: str
    size: int
    chunks: Callable[[], Iterator[bytes]]  # called when the member's turn comes


def _tar_header(m: Member, mtime: datetime) -> bytes:
    info = tarfile.TarInfo(m.path)
    info.size = m.size
    info.mtime = int(mtime.timestamp())
    info.mode = 0o644
    return info.tobuf(format=tarfile.PAX_FORMAT, encoding="utf-8", errors="strict")


def _pad(n: int, unit: int) -> int:
    return -n % unit


def tar_length(members: Sequence[Member], mtime: datetime) -> int:
    """The exact byte length of :func:`tar_stream` over the same members."""
    body = sum(len(_tar_header(m, mtime)) + m.size + _pad(m.size, BLOCK) for m in members)
    body += 2 * BLOCK
    return body + _pad(body, RECORD)


def tar_stream(members: Iterable[Member], mtime: datetime) -> Iterator[bytes]:
    written = 0
    for m in members:
        header = _tar_header(m, mtime)
        yield header
        got = 0
        for chunk in m.chunks():
            got += len(chunk)
            yield chunk
        if got != m.size:
            raise OSError(f"{m.path}: store returned {got} bytes, expected {m.size}")
        pad = _pad(m.size, BLOCK)
        if pad:
            yield b"\0" * pad
        written += len(header) + m.size + pad
    end = 2 * BLOCK
    yield b"\0" * (end + _pad(written + end, RECORD))


class _Sink:
    """A write-only file for zipfile: it collects what is written until drained."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []

    def write(self, data: bytes, /) -> int:
        self._parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        return None

    def close(self) -> None:
        return None

    def drain(self) -> bytes:
        out = b"".join(self._parts)
        self._parts.clear()
        return out


def zip_stream(members: Iterable[Member], mtime: datetime) -> Iterator[bytes]:
    date_time = max(mtime.timetuple()[:6], (1980, 1, 1, 0, 0, 0))
    sink = _Sink()
    with zipfile.ZipFile(sink, mode="w", compression=zipfile.ZIP_STORED) as zf:
        for m in members:
            info = zipfile.ZipInfo(m.path, date_time=date_time)
            info.file_size = m.size  # lets zipfile choose Zip64 up front
            info.external_attr = 0o644 << 16
            with zf.open(info, mode="w") as out:
                for chunk in m.chunks():
                    out.write(chunk)
                    if data := sink.drain():
                        yield data
            if data := sink.drain():
                yield data
    yield sink.drain()
