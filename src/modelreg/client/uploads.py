"""Sending local files to a PENDING_REGISTRATION version (a model's or an artifact's) and
finalizing it: small files in one streamed PUT, larger ones through the resumable
multipart routes. A resumed push asks the server what it already holds (the version's
files, its open uploads and their parts) and sends only the rest.

What happens to the version when a push stops: if the server refused something (a
checksum mismatch, finalize finding a file missing) the version is marked
FAILED_REGISTRATION; anything else (the connection dropped, a callback raised, Ctrl-C)
leaves it PENDING_REGISTRATION, ready to be resumed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from modelreg import errors
from modelreg.client._http import Json, file_seg, seg
from modelreg.client.files import CHUNK_SIZE, FilesApi, OnBytes

#: Files larger than this go through the multipart routes (the server picks the part size;
#: its default is the same 8 MiB).
MULTIPART_THRESHOLD = 8 << 20

# Answers a retry may get past: the version is left pending for that retry.
_TRANSIENT = frozenset({408, 429})


#: ``progress(done, total)``: bytes transferred so far out of all the files' bytes.
Progress = Callable[[int, int], None]


class Meter:
    """Adds up bytes and reports (done, total) to the caller's progress callback."""

    def __init__(self, total: int, progress: Progress | None) -> None:
        self.done, self.total, self._progress = 0, total, progress
        if progress is not None:
            progress(0, total)

    def __call__(self, n: int) -> None:
        self.done += n
        if self._progress is not None:
            self._progress(self.done, self.total)


class PushInterrupted(errors.RegistryError):
    """A push stopped before the server refused anything (the connection dropped, a
    progress callback raised, ...). The version stays PENDING_REGISTRATION: push again
    with ``version=details['version']`` to send only what the server lacks. The cause is
    ``__cause__``."""

    code = "ABORTED"


@dataclass(frozen=True, slots=True)
class LocalFile:
    """A file to push: its path in the version, where it is, its size and sha256."""

    path: str
    file: Path
    size: int
    sha256: str

    def declared(self) -> Json:
        return {"path": self.path, "size": self.size, "sha256": self.sha256}


def _sha256_of(path: Path) -> tuple[int, str]:
    """Size and hex sha256 of a file, read in chunks."""
    h = hashlib.sha256()
    size = 0
    with path.open("rb") as f:
        while chunk := f.read(CHUNK_SIZE):
            h.update(chunk)
            size += len(chunk)
    return size, h.hexdigest()


def scan(root: Path) -> list[LocalFile]:
    """``root`` itself, or every file below it (relative posix paths, sorted), hashed."""
    if root.is_file():
        found = [(root.name, root)]
    elif root.is_dir():
        found = sorted((p.relative_to(root).as_posix(), p) for p in root.rglob("*") if p.is_file())
    else:
        raise errors.InvalidArgument(f"{str(root)!r} is neither a file nor a folder")
    return [LocalFile(rel, p, *_sha256_of(p)) for rel, p in found]


def _key(f: Json) -> tuple[str, int, str]:
    return f["path"], f["size"], f["sha256"]


def server_refused(exc: BaseException) -> bool:
    """Whether ``exc`` is an answer of the server that sending the same bytes again would
    not change (not a transport error, a 5xx, a rate limit or a local failure)."""
    return (
        isinstance(exc, errors.RegistryError)
        and not isinstance(exc, PushInterrupted)
        and exc.status is not None
        and exc.status < 500
        and exc.status not in _TRANSIENT
    )


def no_fields_on_resume(fields: Json) -> None:
    """A resumed push sends files only: refuse the version fields it would drop."""
    if fields:
        raise errors.InvalidArgument(
            "resuming a version sends only its missing files; its fields were set when it "
            f"was created: leave out {', '.join(sorted(fields))}",
            {"fields": sorted(fields)},
        )


def _slice(f: BinaryIO, start: int, length: int, on_bytes: OnBytes | None) -> Iterator[bytes]:
    """``length`` bytes of ``f`` from ``start``, in chunks."""
    f.seek(start)
    left = length
    while left > 0:
        chunk = f.read(min(CHUNK_SIZE, left))
        if not chunk:
            raise errors.InvalidArgument(f"{f.name!r} shrank while being pushed")
        left -= len(chunk)
        yield chunk
        if on_bytes is not None:
            on_bytes(len(chunk))


class UploadsApi(FilesApi):
    """The sending half of ``push``, shared by model and artifact versions (``base`` is
    the version's URL path)."""

    def _send_files(
        self,
        base: str,
        files: list[LocalFile],
        *,
        resume: bool,
        on_bytes: OnBytes,
        threshold: int = MULTIPART_THRESHOLD,
    ) -> None:
        """Send every file the version lacks; with ``resume``, first ask the server which
        files it holds and which uploads are open (then only missing parts go)."""
        held: dict[str, tuple[int, str]] = {}
        open_uploads: dict[str, Json] = {}
        if resume:
            for f in self._http.call("GET", f"{base}/files").get("items", []):
                held[f["path"]] = (f["size"], f["sha256"])
            for u in self._http.call("GET", f"{base}/uploads").get("items", []):
                open_uploads.setdefault(u["path"], u)
        for lf in files:
            if held.get(lf.path) == (lf.size, lf.sha256):
                on_bytes(lf.size)
                continue
            if lf.size > threshold:
                upload = open_uploads.get(lf.path)
                if upload is not None and (upload["size"], upload["sha256"]) != (
                    lf.size,
                    lf.sha256,
                ):
                    upload = None  # the local file changed since: start afresh
                self._send_multipart(base, lf, upload, on_bytes)
            else:
                url = f"{base}/files/{file_seg(lf.path)}"
                self._put_file(url, lf.file, lf.sha256, on_bytes)

    def _send_multipart(
        self, base: str, lf: LocalFile, upload: Json | None, on_bytes: OnBytes
    ) -> Json:
        """Send the parts of ``upload`` (None: start one) the server lacks, then complete."""
        if upload is None:
            started = self._http.call("POST", f"{base}/uploads", json=lf.declared())
            upload = {**started, "parts": []}
        part_size: int = upload["part_size"]
        url = f"{base}/uploads/{seg(upload['upload_id'])}"

        def length(number: int) -> int:
            return min(part_size, lf.size - (number - 1) * part_size)

        have = {p["number"] for p in upload["parts"] if p["size"] == length(p["number"])}
        with lf.file.open("rb") as f:
            for number in range(1, -(-lf.size // part_size) + 1):
                if number in have:
                    on_bytes(length(number))
                    continue
                self._http.request(
                    "PUT",
                    f"{url}/parts/{number}",
                    content=_slice(f, (number - 1) * part_size, length(number), on_bytes),
                    headers={
                        "Content-Type": "application/octet-stream",
                        "Content-Length": str(length(number)),
                    },
                )
        return self._http.call("POST", f"{url}/complete")  # type: ignore[no-any-return]

    def _push_to(
        self,
        base: str,
        version: Json,
        files: list[LocalFile],
        *,
        resume: bool,
        progress: Progress | None,
        on_version: Callable[[Json], None] | None,
        threshold: int,
    ) -> Json:
        """Bring the version at ``base`` (just created, or with ``resume`` one to
        continue) to READY with ``files``; the version as the server then shows it."""
        if on_version is not None:
            on_version(version)
        if resume and not self._needs_files(base, version, files):
            return version
        return self._deliver(
            base,
            files,
            resume=resume,
            on_bytes=Meter(sum(f.size for f in files), progress),
            threshold=threshold,
            fqn=version.get("fqn", base),
        )

    def _needs_files(self, base: str, version: Json, files: list[LocalFile]) -> bool:
        """Whether a version to resume still takes files (it is PENDING_REGISTRATION);
        False when it is READY with exactly ``files`` (an earlier push got that far);
        FailedPrecondition otherwise."""
        fqn, status = version.get("fqn", base), version.get("status")
        if status == "PENDING_REGISTRATION":
            return True
        if status == "READY":
            held = self._http.call("GET", f"{base}/files").get("items", [])
            if sorted(map(_key, held)) == sorted(map(_key, (f.declared() for f in files))):
                return False
            raise errors.FailedPrecondition(
                f"{fqn} is READY with other files than {len(files)} local ones: "
                "its files never change; push a new version",
                {"fqn": fqn, "status": status},
            )
        raise errors.FailedPrecondition(
            f"{fqn} is {status} ({version.get('status_message') or 'no reason given'}): "
            "it cannot be resumed; push a new version",
            {"fqn": fqn, "status": status},
        )

    def _deliver(
        self,
        base: str,
        files: list[LocalFile],
        *,
        resume: bool,
        on_bytes: OnBytes,
        threshold: int,
        fqn: str,
    ) -> Json:
        """Send the files and finalize; the READY version. On a refusal by the server the
        version is marked FAILED_REGISTRATION and the error raised; on any other
        exception, :class:`PushInterrupted` (from it) says how to resume; Ctrl-C passes
        through, leaving the version pending too."""
        try:
            self._send_files(base, files, resume=resume, on_bytes=on_bytes, threshold=threshold)
            return self._http.call("POST", f"{base}/finalize")  # type: ignore[no-any-return]
        except Exception as exc:
            if server_refused(exc):
                self._fail_pending(base, f"push failed: {exc}")
                raise
            version = base.rsplit("/", 1)[1]
            raise PushInterrupted(
                f"push of {fqn} interrupted ({type(exc).__name__}: {exc}); it stays "
                f"PENDING_REGISTRATION: push again with version={version} to send the rest",
                {"version": int(version), "fqn": fqn},
            ) from exc

    def _fail_pending(self, base: str, message: str) -> None:
        """Best effort: mark the version FAILED_REGISTRATION unless the server already
        did (and said why) or it is no longer pending."""
        with suppress(Exception):
            if self._http.call("GET", base).get("status") == "PENDING_REGISTRATION":
                body = {"status": "FAILED_REGISTRATION", "status_message": message[:1000]}
                self._http.call("PATCH", base, json=body)
