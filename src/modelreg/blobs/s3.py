"""Blobs in an S3-compatible bucket (AWS, SeaweedFS, MinIO, ...) via obstore:
``<prefix>/objects/<sha256>``. Bytes are staged in a local temp file while hashed (constant
memory), then uploaded (multipart when large) under their sha256.

Parts of resumable uploads are ordinary objects, ``<prefix>/uploads/<id>/<number>``, not an
S3 multipart upload: a native multipart upload must name its final key before the bytes are
verified (here the key *is* the verified sha256), needs every part but the last >= 5 MiB,
and obstore exposes no upload-id API a second server process could continue. Staged part
objects can be re-sent, listed, aged and deleted like anything else; completing reads them
back once, in order, which sha256 (a sequential hash) needs anyway."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import obstore
from obstore.exceptions import BaseError, NotFoundError
from obstore.store import S3Store

from modelreg.blobs.base import Spool, StoredObject, check_upload_id, part_number
from modelreg.errors import Unavailable

if TYPE_CHECKING:
    from obstore import GetOptions
    from obstore.store import ClientConfig, RetryConfig
    from typing_extensions import Buffer

CHUNK = 1 << 20
PART_SIZE = 8 << 20


class _Upload(Spool):
    """A spooled file, uploaded to one key on commit."""

    def __init__(self, store: S3BlobStore, hashed: bool) -> None:
        super().__init__(store.tmp_dir, prefix="modelreg-s3-", hashed=hashed)
        self._store = store

    def _upload(self, key: str) -> None:
        try:
            self._file.flush()
            self._file.seek(0)
            obstore.put(
                self._store.store,
                key,
                self._file,
                use_multipart=self.size > PART_SIZE,
                chunk_size=PART_SIZE,
                max_concurrency=4,
            )
        except BaseError as e:
            raise _unavailable("upload", e) from e
        finally:
            self.discard()


class S3Staged(_Upload):
    def __init__(self, store: S3BlobStore) -> None:
        super().__init__(store, hashed=True)

    def commit(self) -> str:
        digest = self.sha256()
        # Even when the blob is already there it is written again: that makes it young,
        # so garbage collection's grace period covers the row about to reference it.
        self._upload(self._store.key(digest))
        return digest


class S3Part(_Upload):
    def __init__(self, store: S3BlobStore, key: str) -> None:
        super().__init__(store, hashed=False)
        self._key = key

    def commit(self) -> None:
        self._upload(self._key)


class S3BlobStore:
    """A content-addressed prefix in an S3 bucket."""

    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        *,
        endpoint: str | None = None,
        region: str = "us-east-1",
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        tmp_dir: str | Path | None = None,
        timeout: timedelta = timedelta(seconds=60),
    ) -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.tmp_dir = None if tmp_dir is None else str(tmp_dir)
        client: ClientConfig = {
            "allow_http": True,
            "connect_timeout": timedelta(seconds=5),
            "timeout": timeout,
        }
        retry: RetryConfig = {
            "max_retries": 3,
            "retry_timeout": timedelta(seconds=15),
            "backoff": {
                "init_backoff": timedelta(milliseconds=100),
                "max_backoff": timedelta(seconds=2),
                "base": 2,
            },
        }
        options: dict[str, str] = {"region": region}
        if endpoint:
            options["endpoint"] = endpoint
        if access_key_id is not None:
            options["access_key_id"] = access_key_id
        if secret_access_key is not None:
            options["secret_access_key"] = secret_access_key
        self.store = S3Store(
            bucket,
            prefix=self.prefix or None,
            virtual_hosted_style_request=False,
            client_options=client,
            retry_config=retry,
            **options,  # type: ignore[arg-type]
        )

    def key(self, sha256: str) -> str:
        """The object's path, relative to the store's prefix."""
        return f"objects/{sha256}"

    def stage(self) -> S3Staged:
        return S3Staged(self)

    def exists(self, sha256: str) -> bool:
        try:
            obstore.head(self.store, self.key(sha256))
        except (NotFoundError, FileNotFoundError):
            return False
        except BaseError as e:
            raise _unavailable("lookup", e) from e
        return True

    def read(self, sha256: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """The GET is sent now (so a failure raises here, before any byte is streamed); the
        body is then pulled in chunks as the caller iterates."""
        if end is not None and end <= start:
            return iter(())
        try:
            if start == 0 and end is None:
                result = obstore.get(self.store, self.key(sha256))
            else:
                options: GetOptions = (
                    {"range": (start, end)} if end is not None else {"range": {"offset": start}}
                )
                result = obstore.get(self.store, self.key(sha256), options=options)
        except BaseError as e:
            raise _unavailable("download", e) from e
        return _read_ahead(_chunks(result.stream(min_chunk_size=CHUNK)))

    def _part_key(self, upload: str, number: int) -> str:
        return f"uploads/{check_upload_id(upload)}/{int(number)}"

    def stage_part(self, upload: str, number: int, offset: int) -> S3Part:
        return S3Part(self, self._part_key(upload, number))

    def _read_part(self, upload: str, number: int) -> Iterator[bytes]:
        key = self._part_key(upload, number)
        try:
            result = obstore.get(self.store, key)
        except (NotFoundError, FileNotFoundError) as e:
            raise FileNotFoundError(f"part {number} missing") from e
        except BaseError as e:
            raise _unavailable("download", e) from e
        return _read_ahead(_chunks(result.stream(min_chunk_size=CHUNK)))

    def assemble(self, upload: str, numbers: Sequence[int]) -> S3Staged:
        staged = self.stage()
        try:
            for number in numbers:
                for chunk in self._read_part(upload, number):
                    staged.write(chunk)
        except BaseException:
            staged.discard()
            raise
        return staged

    def part_sizes(self, upload: str) -> dict[int, int]:
        sizes: dict[int, int] = {}
        for _path, obj in self._list(f"uploads/{check_upload_id(upload)}/"):
            number = part_number(obj.name)
            if number is not None:
                sizes[number] = obj.size
        return sizes

    def sign_part(self, upload: str, number: int, expires_in: timedelta) -> str | None:
        try:
            return obstore.sign(self.store, "PUT", self._part_key(upload, number), expires_in)
        except BaseError as e:
            raise _unavailable("signing", e) from e

    def _list(self, prefix: str) -> Iterator[tuple[str, StoredObject]]:
        """(path, object) under ``prefix``, paths relative to the store's prefix."""
        try:
            for batch in obstore.list(self.store, prefix=prefix, chunk_size=1000):
                for meta in batch:
                    path = meta["path"]
                    name = path[len(prefix) :]
                    yield path, StoredObject(name, meta["size"], meta["last_modified"])
        except BaseError as e:
            raise _unavailable("listing", e) from e

    def delete_parts(self, upload: str, older_than: datetime | None = None) -> int:
        prefix = f"uploads/{check_upload_id(upload)}/"
        doomed = [
            (path, obj.size)
            for path, obj in self._list(prefix)
            if older_than is None or obj.modified < older_than
        ]
        try:
            for path, _size in doomed:
                obstore.delete(self.store, path)
        except BaseError as e:
            raise _unavailable("delete", e) from e
        return sum(size for _path, size in doomed)

    def list_blobs(self) -> Iterator[StoredObject]:
        for _path, obj in self._list("objects/"):
            yield obj

    def list_parts(self) -> Iterator[StoredObject]:
        for _path, obj in self._list("uploads/"):
            yield obj

    def delete_blob(self, sha256: str, older_than: datetime) -> bool:
        key = self.key(sha256)
        try:
            meta = obstore.head(self.store, key)
            if meta["last_modified"] >= older_than:
                return False
            obstore.delete(self.store, key)
        except (NotFoundError, FileNotFoundError):
            return False
        except BaseError as e:
            raise _unavailable("delete", e) from e
        return True


def _chunks(stream: Iterable[Buffer]) -> Iterator[bytes]:
    for chunk in stream:
        yield bytes(chunk)


READ_AHEAD = 4  # chunks fetched ahead of the consumer (4 MiB per download)
_END = object()


def _read_ahead(chunks: Iterator[bytes], depth: int = READ_AHEAD) -> Iterator[bytes]:
    """``chunks``, pulled from the store by a thread of its own up to ``depth`` chunks ahead,
    so fetching from S3 and sending to the client overlap instead of taking turns. If the
    consumer stops early (a client went away), the thread stops too."""
    q: queue.Queue[object] = queue.Queue(depth)
    stop = threading.Event()

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                q.put(item, timeout=0.5)
                return True
            except queue.Full:
                continue
        return False

    def fetch() -> None:
        try:
            for chunk in chunks:
                if not put(chunk):
                    return
            put(_END)
        except BaseException as e:  # handed to the consumer, raised there
            put(e)

    threading.Thread(target=fetch, name="s3-read-ahead", daemon=True).start()
    try:
        while True:
            item = q.get()
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise item
            assert isinstance(item, bytes)
            yield item
    finally:
        stop.set()


def _unavailable(what: str, e: Exception) -> Unavailable:
    """An S3 failure as the registry's error, with the store's message (first line)."""
    reason = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
    return Unavailable(f"artifact store {what} failed: {reason}", {"error": type(e).__name__})
