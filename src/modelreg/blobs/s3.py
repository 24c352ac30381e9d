"""Blobs in an S3-compatible bucket (AWS, SeaweedFS, MinIO, ...) via obstore:
``<prefix>/objects/<sha256>``. Bytes are staged in a local temp file while hashed (constant
memory), then uploaded (multipart when large) under their sha256 unless already there."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import obstore
from obstore.exceptions import BaseError, NotFoundError
from obstore.store import S3Store

from modelreg.blobs.base import Spool
from modelreg.errors import Unavailable

if TYPE_CHECKING:
    from obstore import GetOptions
    from obstore.store import ClientConfig, RetryConfig
    from typing_extensions import Buffer

CHUNK = 1 << 20
PART_SIZE = 8 << 20


class S3Staged(Spool):
    def __init__(self, store: S3BlobStore) -> None:
        super().__init__(store.tmp_dir, prefix="modelreg-s3-")
        self._store = store

    def commit(self) -> str:
        digest = self.sha256()
        try:
            if not self._store.exists(digest):
                self._file.flush()
                self._file.seek(0)
                obstore.put(
                    self._store.store,
                    self._store.key(digest),
                    self._file,
                    use_multipart=self.size > PART_SIZE,
                    chunk_size=PART_SIZE,
                    max_concurrency=4,
                )
        except BaseError as e:
            raise _unavailable("upload", e) from e
        finally:
            self.discard()
        return digest


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
        return _chunks(result.stream(min_chunk_size=CHUNK))


def _chunks(stream: Iterable[Buffer]) -> Iterator[bytes]:
    for chunk in stream:
        yield bytes(chunk)


def _unavailable(what: str, e: Exception) -> Unavailable:
    """An S3 failure as the registry's error, with the store's message (first line)."""
    reason = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
    return Unavailable(f"artifact store {what} failed: {reason}", {"error": type(e).__name__})
