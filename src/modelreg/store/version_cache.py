"""A per-process cache of loaded versions, valid exactly while their revision is unchanged.

Loading a page of 100 versions (their rows, tags, params, metrics, aliases and links, then
the Python objects) costs several times what finding the page does. A search therefore
reads only ids and revisions (store/versions.key_query) and takes every version whose
revision it has already loaded from here; only new or changed ones are loaded.

Why this is never stale: the database bumps ``model_versions.revision`` in the same
transaction as any change to a version or its children (triggers, migration 0010), and
revisions only grow. An entry is stored with the revision read *before* its data, so its
data is at least that new; when a later page reads that same revision, nothing has been
committed to the version since, so the data is exact. Entries must come from committed
data only: fill the cache from read transactions, never from a write transaction whose
uncommitted revision could be rolled back and then reused. Several server processes each
keep their own cache and all check the one database's revisions.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from uuid import UUID

from modelreg.domain.entities import Version

Key = tuple[UUID, bool]  # (version id, hydrated)


class VersionCache:
    """A thread-safe LRU of (revision, Version), at most ``size`` entries (0: disabled).

    Versions are frozen dataclasses and callers treat their dicts and lists as read-only,
    so one object can be handed to any number of requests.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: OrderedDict[Key, tuple[int, Version]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def get_many(self, wanted: Sequence[tuple[UUID, int]], hydrated: bool) -> dict[UUID, Version]:
        """The cached versions among ``wanted`` (id, current revision) whose revision matches."""
        out: dict[UUID, Version] = {}
        if not self.size:
            return out
        entries = self._entries
        with self._lock:
            for version_id, revision in wanted:
                key = (version_id, hydrated)
                found = entries.get(key)
                if found is not None and found[0] == revision:
                    entries.move_to_end(key)
                    out[version_id] = found[1]
        return out

    def put_many(self, loaded: Iterable[tuple[int, Version]], hydrated: bool) -> None:
        """Remember versions loaded at the given revisions, evicting the least recently used."""
        if not self.size:
            return
        entries = self._entries
        with self._lock:
            for revision, version in loaded:
                key = (version.id, hydrated)
                current = entries.get(key)
                # Two requests may load one version at different revisions; keep the newer.
                if current is None or current[0] <= revision:
                    entries[key] = (revision, version)
                    entries.move_to_end(key)
            while len(entries) > self.size:
                entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
