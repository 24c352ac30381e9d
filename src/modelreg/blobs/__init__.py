"""Artifact bytes: content-addressed blob stores (local disk now; S3 next)."""

from __future__ import annotations

from modelreg.blobs.base import BlobStore, StagedBlob
from modelreg.blobs.local import LocalBlobStore

__all__ = ["BlobStore", "LocalBlobStore", "StagedBlob", "open_blob_store"]


def open_blob_store(url: str) -> BlobStore:
    """A blob store from a URL: ``file:///path`` (s3:// is the artifacts issue's next step)."""
    from urllib.parse import urlsplit

    from modelreg.errors import InvalidArgument

    parts = urlsplit(url)
    if parts.scheme == "file":
        return LocalBlobStore(parts.path)
    raise InvalidArgument(f"unsupported artifact store {url!r}", {"field": "artifact_store"})
