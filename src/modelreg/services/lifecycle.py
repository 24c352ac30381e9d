"""How a version moves towards serving: stages, aliases, tags with attributes, promotion,
lineage and FQN addressing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from uuid import UUID

from sqlalchemy import Connection

from modelreg.domain import artifacts, names
from modelreg.domain.entities import (
    Alias,
    AliasMove,
    Model,
    NewVersion,
    Principal,
    Stage,
    Transition,
    Version,
    VersionStatus,
)
from modelreg.errors import (
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    VersionNotFound,
)
from modelreg.services.base import Action, ServiceBase
from modelreg.services.versions import VersionService
from modelreg.store import files as file_store
from modelreg.store import lifecycle as store
from modelreg.store import models as model_store
from modelreg.store import tags as tag_store
from modelreg.store import versions as version_store
from modelreg.store import workspaces as ws_store

MAX_LINEAGE_DEPTH = 100


@dataclass(frozen=True, slots=True)
class TagInfo:
    key: str
    value: str
    color: str | None
    exclusive: bool


@dataclass(frozen=True, slots=True)
class LineageView:
    version: Version
    upstream: list[Version]  # promoted_from, its promoted_from, ... (nearest first)
    downstream: list[Version]  # every version copied from it, directly or not


def parse_fqn(fqn: str) -> tuple[str, str, str]:
    """``model:{workspace}/{model}:{number|alias|latest}`` -> (workspace, model, ref)."""
    parsed = artifacts.parse_fqn(fqn)
    if parsed.type is not artifacts.ArtifactType.MODEL or parsed.ref is None:
        raise InvalidArgument(
            "invalid FQN: expected model:{workspace}/{model}:{version|alias|latest}",
            {"field": "fqn"},
        )
    return parsed.workspace, parsed.name, parsed.ref


class LifecycleService(ServiceBase):
    def __init__(self, versions: VersionService) -> None:
        super().__init__(versions.db, versions.codec, versions.authz, versions.clock)
        self.versions = versions

    def _target(
        self, conn: Connection, who: Principal, workspace: str, model: str, action: Action
    ) -> tuple[UUID, UUID]:
        """(workspace id, model id) after the name checks and the access hook."""
        workspace = names.workspace_name(workspace)
        names.model_name(model, "model")
        self.authz.require(who, action, workspace)
        ws = ws_store.get(conn, workspace)
        return ws.id, model_store.resolve_id(conn, ws, model)

    # --- stages -----------------------------------------------------------------------------

    def transition(
        self,
        who: Principal,
        workspace: str,
        model: str,
        ref: str,
        stage: Stage,
        archive_existing: bool,
        comment: str | None,
    ) -> Version:
        """Move a version to ``stage``; with ``archive_existing`` every other version of
        the model in that stage moves to Archived in the same transaction."""
        target = f"{workspace}/{model}/{ref}"
        with self.mutation(who, "version.stage", "version", target, workspace) as (conn, note):
            _, model_id = self._target(conn, who, workspace, model, Action.WRITE)
            # Resolved under the model lock: a version deleted or an alias moved in between
            # would otherwise be moved anyway (or fail in stage_of with a 500).
            store.lock_model(conn, model_id)
            version_id = self.versions.resolve(conn, model_id, model, ref)
            now = self.clock()
            if archive_existing and stage not in (Stage.NONE, Stage.ARCHIVED):
                for other in store.versions_in_stage(conn, model_id, stage, version_id):
                    store.move_stage(
                        conn,
                        other,
                        stage,
                        Stage.ARCHIVED,
                        who.subject,
                        now,
                        f"archived: another version moved to {stage.value}",
                    )
            current = store.stage_of(conn, version_id)
            store.move_stage(conn, version_id, current, stage, who.subject, now, comment)
            note.before, note.after = {"stage": current}, {"stage": stage}
            return version_store.get_by_id(conn, version_id)

    def transitions(self, who: Principal, workspace: str, model: str, ref: str) -> list[Transition]:
        with self.db.read() as conn:
            _, model_id = self._target(conn, who, workspace, model, Action.READ)
            return store.transitions(conn, self.versions.resolve(conn, model_id, model, ref))

    def latest_by_stage(self, who: Principal, models: Sequence[Model]) -> dict[UUID, list[Version]]:
        """For each model, its highest-numbered version in each stage (MLflow's "latest
        versions"), in version order."""
        for workspace in {m.workspace for m in models}:
            self.authz.require(who, Action.READ, workspace)
        out: dict[UUID, list[Version]] = {m.id: [] for m in models}
        with self.db.read() as conn:
            found = version_store.get_many(conn, store.latest_by_stage(conn, list(out)))
        for v in sorted(found, key=lambda v: v.number):
            out[v.model_id].append(v)
        return out

    # --- aliases ----------------------------------------------------------------------------

    def set_alias(
        self,
        who: Principal,
        workspace: str,
        model: str,
        alias: str,
        number: int,
        expected_version: int | None = None,
        protected: bool | None = None,
    ) -> Alias:
        """Point ``alias`` at version ``number`` (moving it atomically if it exists)."""
        alias = names.alias_name(alias)
        what = f"{workspace}/{model}@{alias}"
        with self.mutation(who, "alias.set", "alias", what, workspace) as (conn, note):
            _, model_id = self._target(conn, who, workspace, model, Action.WRITE)
            store.lock_model(conn, model_id)
            target = version_store.resolve_id(conn, model_id, number, model)
            current = store.get_alias(conn, model_id, alias)
            self._expect(alias, current, expected_version)
            was_protected = current is not None and current[2]
            keep_protected = was_protected if protected is None else protected
            if was_protected or keep_protected:
                self.authz.require(who, Action.OWNER, workspace)
            store.put_alias(conn, model_id, alias, target, keep_protected)
            previous = None if current is None else current[1]
            note.before = (
                None if current is None else {"version": previous, "protected": current[2]}
            )
            note.after = {"version": number, "protected": keep_protected}
            if previous != number:
                store.record_alias_move(
                    conn, model_id, alias, previous, number, who.subject, self.clock()
                )
            return Alias(alias, number, keep_protected)

    @staticmethod
    def _expect(alias: str, current: tuple[UUID, int, bool] | None, expected: int | None) -> None:
        if expected is None:
            return
        actual = None if current is None else current[1]
        if actual != expected:
            raise FailedPrecondition(
                f"alias {alias!r} points at "
                f"{'nothing' if actual is None else f'version {actual}'}, not {expected}",
                {"alias": alias, "expected_version": expected, "actual_version": actual},
            )

    def delete_alias(
        self,
        who: Principal,
        workspace: str,
        model: str,
        alias: str,
        expected_version: int | None = None,
    ) -> None:
        alias = names.alias_name(alias)
        what = f"{workspace}/{model}@{alias}"
        with self.mutation(who, "alias.delete", "alias", what, workspace) as (conn, note):
            _, model_id = self._target(conn, who, workspace, model, Action.WRITE)
            store.lock_model(conn, model_id)
            current = store.get_alias(conn, model_id, alias)
            if current is None:
                if expected_version is not None:
                    self._expect(alias, current, expected_version)
                raise NotFound(
                    f"model {model!r} has no alias {alias!r}", {"model": model, "alias": alias}
                )
            self._expect(alias, current, expected_version)
            if current[2]:
                self.authz.require(who, Action.OWNER, workspace)
            store.drop_alias(conn, model_id, alias)
            note.before = {"version": current[1], "protected": current[2]}
            store.record_alias_move(
                conn, model_id, alias, current[1], None, who.subject, self.clock()
            )

    def aliases(self, who: Principal, workspace: str, model: str) -> list[Alias]:
        with self.db.read() as conn:
            _, model_id = self._target(conn, who, workspace, model, Action.READ)
            return store.model_aliases(conn, [model_id])[model_id]

    def resolve_alias(
        self, who: Principal, workspace: str, model: str, alias: str, at: datetime | None = None
    ) -> Version:
        """The version the alias points at now, or pointed at, at time ``at``."""
        if at is None:
            return self.versions.get(who, workspace, model, alias)
        alias = names.alias_name(alias)
        with self.db.read() as conn:
            _, model_id = self._target(conn, who, workspace, model, Action.READ)
            number = store.alias_number_at(conn, model_id, alias, at)
            if number is None:
                raise VersionNotFound(
                    f"alias {alias!r} did not exist at {at.isoformat()}",
                    {"model": model, "alias": alias, "at": at.isoformat()},
                )
            return version_store.get_by_id(
                conn, version_store.resolve_id(conn, model_id, number, model)
            )

    def alias_history(
        self, who: Principal, workspace: str, model: str, alias: str
    ) -> list[AliasMove]:
        alias = names.alias_name(alias)
        with self.db.read() as conn:
            _, model_id = self._target(conn, who, workspace, model, Action.READ)
            return store.alias_moves(conn, model_id, alias)

    # --- tags with attributes ---------------------------------------------------------------

    def set_tag(
        self,
        who: Principal,
        workspace: str,
        model: str,
        ref: str | None,
        key: str,
        value: str,
        color: str | None = None,
        exclusive: bool | None = None,
    ) -> TagInfo:
        """Set a tag on the model (``ref`` None) or on one of its versions. An exclusive key
        sits on at most one version of the model: setting it elsewhere moves it."""
        if ref is None and exclusive is not None:
            raise InvalidArgument("exclusive applies to version tags", {"field": "exclusive"})
        what = f"{workspace}/{model}{'' if ref is None else f'/{ref}'}#{key}"
        with self.mutation(who, "tag.set", "tag", what, workspace) as (conn, note):
            note.after = {"value": value, "color": color}
            _, model_id = self._target(conn, who, workspace, model, Action.WRITE)
            store.lock_model(conn, model_id)
            now = self.clock()
            if ref is None:
                tag_store.put_model_tag(conn, model_id, key, value, color)
                model_store.touch(conn, model_id, now)
                return TagInfo(key, value, color, False)
            version_id = self.versions.resolve(conn, model_id, model, ref)
            if exclusive is not None:
                store.mark_exclusive(conn, model_id, key, exclusive)
            is_exclusive = bool(store.exclusive_keys(conn, model_id, [key]))
            if is_exclusive:
                store.clear_tag_elsewhere(conn, model_id, key, version_id)
            tag_store.put_version_tag(conn, version_id, key, value, color, now)
            return TagInfo(key, value, color, is_exclusive)

    def delete_tag(
        self, who: Principal, workspace: str, model: str, ref: str | None, key: str
    ) -> None:
        what = f"{workspace}/{model}{'' if ref is None else f'/{ref}'}#{key}"
        with self.mutation(who, "tag.delete", "tag", what, workspace) as (conn, _):
            _, model_id = self._target(conn, who, workspace, model, Action.WRITE)
            # The model lock first, as set_tag takes it: deleting the tag row before locking
            # the model (or version) row deadlocks with a concurrent set_tag of the same key.
            store.lock_model(conn, model_id)
            now = self.clock()
            if ref is None:
                found = tag_store.delete_model_tag(conn, model_id, key)
                model_store.touch(conn, model_id, now)
            else:
                version_id = self.versions.resolve(conn, model_id, model, ref)
                found = tag_store.delete_version_tag(conn, version_id, key, now)
            if not found:
                raise NotFound(f"no tag {key!r}", {"key": key})

    def tags(self, who: Principal, workspace: str, model: str, ref: str | None) -> list[TagInfo]:
        with self.db.read() as conn:
            _, model_id = self._target(conn, who, workspace, model, Action.READ)
            if ref is None:
                rows = tag_store.model_tags_with_color(conn, model_id)
                return [TagInfo(k, v, c, False) for k, v, c in rows]
            version_id = self.versions.resolve(conn, model_id, model, ref)
            rows = tag_store.version_tags_with_color(conn, version_id)
            exclusive = store.exclusive_keys(conn, model_id, [k for k, _, _ in rows])
            return [TagInfo(k, v, c, k in exclusive) for k, v, c in rows]

    # --- promotion, lineage, FQNs -----------------------------------------------------------

    def _source(self, conn: Connection, who: Principal, source: str) -> Version:
        """The version named by an id or an FQN; NOT_FOUND if the caller may not read it,
        so that names do not leak."""
        try:
            version = version_store.get_by_id(conn, UUID(source))
        except ValueError:
            workspace, model, ref = parse_fqn(source)
            ws = ws_store.get(conn, workspace)
            model_id = model_store.resolve_id(conn, ws, model)
            version = version_store.get_by_id(
                conn, self.versions.resolve(conn, model_id, model, ref)
            )
        if not self.authz.allowed(who, Action.READ, version.workspace):
            raise VersionNotFound(
                f"source version {source!r} not found", {"which": "source", "source": source}
            )
        return version

    def promote(self, who: Principal, workspace: str, model: str, source: str) -> Version:
        """Copy a READY version into ``model`` as its newest version, with a new id; lineage
        records where it came from. Files are shared by reference, never copied."""
        target = f"{workspace}/{model}"
        with self.mutation(who, "version.promote", "version", target, workspace) as (conn, note):
            try:
                src = self._source(conn, who, source)
            except NotFound as exc:
                raise type(exc)(exc.message, {**exc.details, "which": "source"}) from None
            try:
                ws_id, model_id = self._target(conn, who, workspace, model, Action.READ)
            except NotFound as exc:
                raise type(exc)(exc.message, {**exc.details, "which": "target"}) from None
            if not self.authz.allowed(who, Action.WRITE, workspace):
                raise PermissionDenied(
                    f"you may not write to model {model!r} in workspace {workspace!r}",
                    {"which": "target"},
                )
            if src.status is not VersionStatus.READY:
                raise FailedPrecondition(
                    f"source version is {src.status.value}; only READY versions are promoted",
                    {"which": "source", "status": src.status.value},
                )
            new = NewVersion(
                name=src.name,
                description=src.description,
                source=src.source,
                run_id=src.run_id,
                run_link=src.run_link,
                tags=dict(src.tags),
                metrics=list(src.metrics),
                params=dict(src.params),
                signature=src.signature,
                requirements=list(src.requirements),
                config=src.config,
                lineage=replace(src.lineage, promoted_from=src.id),
            )
            now = self.clock()
            number = model_store.next_number(conn, model_id, now)
            version_id = version_store.insert_version(
                conn, model_id, ws_id, number, new, who.subject, now
            )
            self.versions.enforce_exclusive(conn, model_id, version_id, list(new.tags))
            file_store.copy_all(conn, src.id, version_id, now)
            note.target = f"{target}/{number}"
            note.before = {"source": src.fqn}
            note.after = {"id": version_id, "number": number}
            return version_store.get_by_id(conn, version_id)

    def lineage(self, who: Principal, version_id: UUID) -> LineageView:
        with self.db.read() as conn:
            version = version_store.get_by_id(conn, version_id)
            self.versions.require_visible(who, version)
            # PATCHed lineage can form cycles: each walk visits a version at most once.
            seen = {version.id}
            upstream: list[Version] = []
            parent = version.lineage.promoted_from
            while parent is not None and parent not in seen and len(upstream) < MAX_LINEAGE_DEPTH:
                seen.add(parent)
                try:
                    found = version_store.get_by_id(conn, parent)
                except NotFound:
                    break  # the ancestor was deleted; the chain ends here
                upstream.append(found)
                parent = found.lineage.promoted_from
            downstream_ids: list[UUID] = []
            visited = {version.id}
            frontier = [version.id]
            while frontier and len(downstream_ids) < 10_000:
                frontier = [c for c in store.promoted_children(conn, frontier) if c not in visited]
                visited.update(frontier)
                downstream_ids.extend(frontier)
            downstream = version_store.get_many(conn, downstream_ids[:1000])

        def readable(vs: list[Version]) -> list[Version]:
            return [v for v in vs if self.authz.allowed(who, Action.READ, v.workspace)]

        return LineageView(version, readable(upstream), readable(downstream))
