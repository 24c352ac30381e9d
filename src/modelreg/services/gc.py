"""Garbage collection of blob-store bytes that no database row needs any more.

Three kinds of garbage: blobs no row references (deleted versions, failed uploads; the
referencing columns are listed in ``store.blob_refs``), parts of uploads that no longer
exist, and uploads older than a TTL (their rows and parts). A blob or orphan part younger
than the grace period is never deleted: an upload may have just written it and be about to
insert the row that references it. A blob that an upload finds already stored is rewritten
or touched by the store's commit, so it counts as young again.
"""

from __future__ import annotations

import itertools
import re
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import TypeVar

from modelreg.blobs import BlobStore, StoredObject
from modelreg.domain.entities import Principal
from modelreg.services.base import Action, ServiceBase
from modelreg.store import blob_refs
from modelreg.store import uploads as upload_store

BATCH = 1000
DEFAULT_GRACE = timedelta(hours=1)
DEFAULT_UPLOAD_TTL = timedelta(days=1)
_SHA256 = re.compile(r"[0-9a-f]{64}")
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class GcReport:
    scanned: int
    deleted: int
    bytes_freed: int
    dry_run: bool
    uploads_expired: int


def _batches(items: Iterable[T], n: int = BATCH) -> Iterator[list[T]]:
    it = iter(items)
    while batch := list(itertools.islice(it, n)):
        yield batch


def _upload_of(part: StoredObject) -> uuid.UUID | None:
    try:
        return uuid.UUID(part.name.split("/", 1)[0])
    except ValueError:
        return None


class GcService(ServiceBase):
    def __init__(self, base: ServiceBase, blobs: BlobStore | None) -> None:
        super().__init__(base.db, base.codec, base.authz, base.clock)
        self._blobs = blobs

    def run(
        self,
        who: Principal,
        *,
        grace: timedelta = DEFAULT_GRACE,
        upload_ttl: timedelta = DEFAULT_UPLOAD_TTL,
        dry_run: bool = False,
    ) -> GcReport:
        """One pass over the store; with ``dry_run`` nothing is deleted, only counted."""
        self.authz.require(who, Action.ADMIN, None)
        if self._blobs is None:
            return GcReport(0, 0, 0, dry_run, 0)
        blobs = self._blobs
        now = self.clock()
        cutoff = now - grace
        with self.db.read() as conn:
            expired = set(upload_store.created_before(conn, now - upload_ttl))
        if not dry_run and expired:
            with self.db.write() as conn:
                for upload_id in expired:
                    upload_store.delete_upload(conn, upload_id)
        scanned = deleted = freed = 0

        # Parts: of expired uploads (all of them), or of unknown uploads (old ones only).
        doomed: dict[uuid.UUID, list[StoredObject]] = {}
        for batch in _batches(blobs.list_parts()):
            scanned += len(batch)
            ids = {u for u in map(_upload_of, batch) if u is not None}
            with self.db.read() as conn:
                live = upload_store.existing(conn, ids) - expired
            for part in batch:
                owner = _upload_of(part)
                if owner is None or owner in live:
                    continue
                if owner in expired or part.modified < cutoff:
                    doomed.setdefault(owner, []).append(part)
        for upload_id, parts in doomed.items():
            deleted += len(parts)
            if dry_run:
                freed += sum(p.size for p in parts)
            else:
                freed += blobs.delete_parts(
                    str(upload_id), None if upload_id in expired else cutoff
                )

        # Blobs: old and referenced by no row.
        for batch in _batches(blobs.list_blobs()):
            scanned += len(batch)
            old = [b for b in batch if b.modified < cutoff and _SHA256.fullmatch(b.name)]
            with self.db.read() as conn:
                kept = blob_refs.referenced(conn, [b.name for b in old])
            for blob in old:
                if blob.name in kept:
                    continue
                if dry_run or blobs.delete_blob(blob.name, cutoff):
                    deleted += 1
                    freed += blob.size
        return GcReport(scanned, deleted, freed, dry_run, len(expired))
