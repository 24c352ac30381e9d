"""Artifact bytes: content-addressed blob stores on local disk or S3."""

from __future__ import annotations

from modelreg.blobs.base import AssembledBlob, BlobStore, Sink, StagedBlob, StagedPart, StoredObject
from modelreg.blobs.local import LocalBlobStore

__all__ = [
    "AssembledBlob",
    "BlobStore",
    "LocalBlobStore",
    "Sink",
    "StagedBlob",
    "StagedPart",
    "StoredObject",
    "open_blob_store",
]


def open_blob_store(
    url: str,
    *,
    s3_endpoint: str | None = None,
    s3_region: str = "us-east-1",
    s3_access_key_id: str | None = None,
    s3_secret_access_key: str | None = None,
) -> BlobStore:
    """A blob store from a URL: ``file:///path`` or ``s3://bucket/prefix`` (the S3 options
    apply to the latter)."""
    from urllib.parse import urlsplit

    from modelreg.errors import InvalidArgument

    parts = urlsplit(url)
    if parts.scheme == "file":
        return LocalBlobStore(parts.path)
    if parts.scheme == "s3" and parts.netloc:
        from modelreg.blobs.s3 import S3BlobStore

        return S3BlobStore(
            parts.netloc,
            parts.path,
            endpoint=s3_endpoint,
            region=s3_region,
            access_key_id=s3_access_key_id,
            secret_access_key=s3_secret_access_key,
        )
    raise InvalidArgument(f"unsupported artifact store {url!r}", {"field": "artifact_store"})
