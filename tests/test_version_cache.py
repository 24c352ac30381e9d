"""The version cache never serves stale data: searches and lists through a warm cache equal
the same reads with the cache off, after every kind of write, across two server processes
(two caches over one database), and after rolled-back writes. Plus the revision triggers
themselves, on both dialects."""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, insert, select, update

from modelreg.blobs.local import LocalBlobStore
from modelreg.domain.entities import (
    ANONYMOUS,
    Lineage,
    Metric,
    ModelPatch,
    NewModel,
    NewVersion,
    Stage,
    Version,
    VersionFilter,
    VersionPatch,
)
from modelreg.errors import RegistryError
from modelreg.query.paging import PageQuery
from modelreg.services import Services
from modelreg.store.db import Database
from modelreg.store.schema import aliases, version_links, version_metrics, version_tags, versions

T0 = datetime(2026, 1, 1, tzinfo=UTC)
WS = "default"


class Cluster:
    """Two "server processes" with their own caches, and a reader with none, on one db."""

    def __init__(self, url: str, root: Path) -> None:
        blobs = LocalBlobStore(root / "blobs")
        self.a = Services(Database(url, pool_size=2), blobs=blobs)
        self.b = Services(Database(url, pool_size=2), blobs=blobs)
        self.plain = Services(Database(url, pool_size=2, version_cache_size=0), blobs=blobs)

    def close(self) -> None:
        for s in (self.a, self.b, self.plain):
            s.db.dispose()

    def reads(self, svc: Services, model: str) -> list[list[Version]]:
        """What a client sees of ``model``: a search and full and light lists."""
        found = svc.search.versions(ANONYMOUS, WS, f"name = '{model}'", [], PageQuery(size=100))
        out = [found.items]
        for hydrate in (True, False):
            page = svc.versions.list(
                ANONYMOUS, WS, model, VersionFilter(), "-number", PageQuery(size=100), hydrate
            )
            out.append(page.items)
        return out

    def check(self, model: str) -> None:
        expected = self.reads(self.plain, model)
        for svc in (self.a, self.b):
            # Twice: the first read may fill the cache, the second must come from it.
            assert self.reads(svc, model) == expected
            assert self.reads(svc, model) == expected


@pytest.fixture
def cluster(db_url: str, tmp_path: Path) -> Iterator[Cluster]:
    c = Cluster(db_url, tmp_path)
    yield c
    c.close()


_names = itertools.count()

KEYS = st.sampled_from(["env", "team", "owner"])
VALUES = st.sampled_from(["prod", "dev", "x"])
PICK = st.integers(min_value=0, max_value=5)
OPS = st.one_of(
    st.tuples(st.just("create"), KEYS, VALUES, st.floats(0, 1)),
    st.tuples(st.just("set_tag"), PICK, KEYS, VALUES),
    st.tuples(st.just("delete_tag"), PICK, KEYS),
    st.tuples(st.just("patch"), PICK, KEYS, st.one_of(st.none(), VALUES), st.floats(0, 1)),
    st.tuples(st.just("lineage"), PICK, st.lists(VALUES, max_size=2, unique=True)),
    st.tuples(st.just("alias"), st.sampled_from(["champion", "canary"]), PICK),
    st.tuples(st.just("unalias"), st.sampled_from(["champion", "canary"])),
    st.tuples(st.just("stage"), PICK, st.sampled_from(list(Stage)), st.booleans()),
    st.tuples(
        st.just("rename"),
    ),
    st.tuples(st.just("delete"), PICK),
)


def _apply(svc: Services, model: str, numbers: list[int], op: tuple[Any, ...]) -> str:
    """Run one write; returns the model's (possibly new) name."""
    kind = op[0]
    if kind == "create":
        _, key, value, auc = op
        v = svc.versions.create(
            ANONYMOUS,
            WS,
            model,
            NewVersion(tags={key: value}, metrics=[Metric("auc", auc, 0, T0)], params={"p": "1"}),
        )
        numbers.append(v.number)
        return model
    if kind == "rename":
        new = f"cache-{next(_names)}"
        svc.models.update(ANONYMOUS, WS, model, ModelPatch(name=new))
        return new
    if kind == "unalias":
        with contextlib.suppress(RegistryError):  # no such alias: nothing changed
            svc.lifecycle.delete_alias(ANONYMOUS, WS, model, op[1])
        return model
    if not numbers:
        return model
    number = numbers[(op[2] if kind == "alias" else op[1]) % len(numbers)]
    ref = str(number)
    if kind == "set_tag":
        svc.lifecycle.set_tag(ANONYMOUS, WS, model, ref, op[2], op[3])
    elif kind == "delete_tag":
        with contextlib.suppress(RegistryError):
            svc.lifecycle.delete_tag(ANONYMOUS, WS, model, ref, op[2])
    elif kind == "patch":
        patch = VersionPatch(
            description=f"d{op[3]}",
            tags={op[2]: op[3]},
            params={"p": op[3]},
            metrics=[Metric("auc", op[4], 1, T0)],
        )
        svc.versions.update(ANONYMOUS, WS, model, number, patch)
    elif kind == "lineage":
        svc.versions.update(
            ANONYMOUS, WS, model, number, VersionPatch(lineage=Lineage(datasets=tuple(op[2])))
        )
    elif kind == "alias":
        svc.lifecycle.set_alias(ANONYMOUS, WS, model, op[1], number)
    elif kind == "stage":
        svc.lifecycle.transition(ANONYMOUS, WS, model, ref, op[2], op[3], None)
    elif kind == "delete":
        svc.versions.delete(ANONYMOUS, WS, model, number)
        numbers.remove(number)
    return model


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=st.lists(OPS, min_size=1, max_size=14), writers=st.lists(st.booleans(), min_size=14))
def test_cached_reads_equal_uncached_after_any_writes(
    cluster: Cluster, ops: list[tuple[Any, ...]], writers: list[bool]
) -> None:
    model = f"cache-{next(_names)}"
    cluster.a.models.create(ANONYMOUS, WS, NewModel(model))
    numbers: list[int] = []
    for op, use_b in zip(ops, writers, strict=False):
        # Writes come through either process; both caches must notice.
        model = _apply(cluster.b if use_b else cluster.a, model, numbers, op)
        cluster.check(model)


def _revision(db: Database, version_id: UUID) -> int:
    with db.read() as conn:
        found = conn.execute(select(versions.c.revision).where(versions.c.id == version_id))
        return int(found.scalar_one())


def _insert_then_fail(db: Database, stmt: Any) -> None:
    with db.write() as conn:
        conn.execute(stmt)
        raise RuntimeError("abort")


def test_every_child_table_and_the_row_bump_the_revision(cluster: Cluster) -> None:
    svc, db = cluster.a, cluster.a.db
    model = svc.models.create(ANONYMOUS, WS, NewModel("rev"))
    v1 = svc.versions.create(ANONYMOUS, WS, "rev", NewVersion())
    v2 = svc.versions.create(ANONYMOUS, WS, "rev", NewVersion())
    seen = [_revision(db, v1.id)]

    def bumped(*stmts: Any) -> None:
        with db.write() as conn:
            for stmt in stmts:
                conn.execute(stmt)
        now = _revision(db, v1.id)
        assert now > seen[-1]
        seen.append(now)

    vid = v1.id
    bumped(update(versions).where(versions.c.id == vid).values(description="x"))
    bumped(insert(version_tags).values(version_id=vid, key="k", value="v"))
    bumped(update(version_tags).where(version_tags.c.version_id == vid).values(value="w"))
    bumped(delete(version_tags).where(version_tags.c.version_id == vid))
    bumped(
        insert(version_metrics).values(version_id=vid, key="auc", step=0, timestamp=T0, value=1.0)
    )
    bumped(insert(version_links).values(version_id=vid, kind="datasets", target="ds"))
    bumped(delete(version_links).where(version_links.c.version_id == vid))
    bumped(insert(aliases).values(model_id=model.id, alias="a", version_id=vid))
    # Re-pointing an alias changes both versions: the one it left and the one it names.
    before_v2 = _revision(db, v2.id)
    bumped(update(aliases).where(aliases.c.alias == "a").values(version_id=v2.id))
    assert _revision(db, v2.id) > before_v2
    # A rolled-back change leaves the revision (and the cached version) as they were.
    cluster.check("rev")
    with pytest.raises(RuntimeError, match="abort"):
        _insert_then_fail(db, insert(version_tags).values(version_id=vid, key="gone", value="v"))
    assert _revision(db, vid) == seen[-1]
    cluster.check("rev")
    # Deleting the model cascades to versions and children without tripping the triggers.
    svc.models.delete(ANONYMOUS, WS, "rev")
    with db.read() as conn:
        assert conn.execute(select(versions.c.id).where(versions.c.id == vid)).first() is None


def test_the_cache_is_bounded_and_can_be_disabled(db_url: str, tmp_path: Path) -> None:
    blobs = LocalBlobStore(tmp_path / "blobs")
    small = Services(Database(db_url, pool_size=2, version_cache_size=3), blobs=blobs)
    off = Services(Database(db_url, pool_size=2, version_cache_size=0), blobs=blobs)
    try:
        small.models.create(ANONYMOUS, WS, NewModel("lru"))
        for _ in range(5):
            small.versions.create(ANONYMOUS, WS, "lru", NewVersion())
        for svc in (small, off):
            page = svc.search.versions(ANONYMOUS, WS, "name = 'lru'", [], PageQuery(size=10))
            assert [v.number for v in page.items] == [5, 4, 3, 2, 1]
        assert len(small.db.version_cache) == 3
        assert len(off.db.version_cache) == 0
    finally:
        small.db.dispose()
        off.db.dispose()
