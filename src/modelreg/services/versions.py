"""Model versions: numbering, the status rules, listing and patching."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from uuid import UUID

from sqlalchemy import Connection

from modelreg.domain import names
from modelreg.domain.artifacts import FileOwner
from modelreg.domain.entities import (
    NewVersion,
    Principal,
    Unset,
    Version,
    VersionFilter,
    VersionPatch,
    VersionStatus,
    Workspace,
)
from modelreg.errors import FailedPrecondition, InvalidArgument, VersionNotFound
from modelreg.query.fields import VERSION_SCHEMA
from modelreg.query.paging import Page, PageQuery, parse_sort
from modelreg.services.base import Action, ServiceBase
from modelreg.services.search import parse_filter
from modelreg.store import files as file_store
from modelreg.store import lifecycle
from modelreg.store import models as model_store
from modelreg.store import uploads as upload_store
from modelreg.store import versions as store
from modelreg.store import workspaces as ws_store

# A READY version is what deployments pull; it may fail later, but never go back to pending.
_FORBIDDEN_MOVES = {(VersionStatus.READY, VersionStatus.PENDING_REGISTRATION)}


def check_status_move(
    conn: Connection, version_id: UUID, number: int, to: VersionStatus, owner: FileOwner
) -> None:
    """FAILED_PRECONDITION unless a model or artifact version may move to ``to``."""
    current = file_store.status_of(conn, version_id, owner)
    if (current, to) in _FORBIDDEN_MOVES:
        raise FailedPrecondition(
            f"version {number} is {current.value} and cannot become {to.value}",
            {"status": current.value},
        )


class VersionService(ServiceBase):
    #: Called after a commit that removed uploads (a version marked FAILED_REGISTRATION)
    #: with their ids, to delete their parts: this service has no blob store, the file
    #: service that has one sets it. Parts it misses are garbage that gc removes.
    on_uploads_dropped: Callable[[list[UUID]], None] | None = None

    def _model(self, conn: Connection, workspace: str, model: str) -> tuple[Workspace, UUID]:
        ws = ws_store.get(conn, workspace)
        return ws, model_store.resolve_id(conn, ws, model)

    def _check(self, who: Principal, workspace: str, model: str, action: Action) -> str:
        workspace = names.workspace_name(workspace)
        names.model_name(model, "model")
        self.authz.require(who, action, workspace)
        return workspace

    def create(self, who: Principal, workspace: str, model: str, new: NewVersion) -> Version:
        workspace = self._check(who, workspace, model, Action.WRITE)
        if new.name is not None:
            new = replace(new, name=names.version_display_name(new.name))
        if new.files:
            paths = [names.artifact_path(f.path, "files") for f in new.files]
            if len(set(paths)) != len(paths):
                raise InvalidArgument("files: a path is declared twice", {"field": "files"})
            if new.status is not VersionStatus.PENDING_REGISTRATION:
                raise InvalidArgument(
                    "a version that declares files starts PENDING_REGISTRATION; upload them, "
                    "then finalize",
                    {"field": "status"},
                )
            new = replace(
                new, files=tuple(replace(f, path=p) for f, p in zip(new.files, paths, strict=True))
            )
        target = f"{workspace}/{model}"
        with self.mutation(who, "version.create", "version", target, workspace) as (conn, note):
            ws, model_id = self._model(conn, workspace, model)
            now = self.clock()
            # next_number's UPDATE also locks the model row for the exclusive-tag sweep.
            number = model_store.next_number(conn, model_id, now)
            version_id = store.insert_version(conn, model_id, ws.id, number, new, who.subject, now)
            self.enforce_exclusive(conn, model_id, version_id, list(new.tags))
            note.target = f"{target}/{number}"
            note.after = {"id": version_id, "number": number, "status": new.status}
            return store.get_by_id(conn, version_id)

    @staticmethod
    def enforce_exclusive(
        conn: Connection, model_id: UUID, version_id: UUID, keys: list[str]
    ) -> None:
        """Take every exclusive key among ``keys`` off the model's other versions."""
        for key in lifecycle.exclusive_keys(conn, model_id, keys):
            lifecycle.clear_tag_elsewhere(conn, model_id, key, version_id)

    def resolve(self, conn: Connection, model_id: UUID, model: str, ref: str) -> UUID:
        """A version id from a number, an alias, or ``latest`` (highest READY number)."""
        number = names.version_number(ref)
        if number is not None:
            return store.resolve_id(conn, model_id, number, model)
        if ref.lower() == "latest":
            latest = lifecycle.latest_ready_number(conn, model_id)
            if latest is None:
                raise VersionNotFound(
                    f"model {model!r} has no READY version", {"model": model, "version": "latest"}
                )
            return store.resolve_id(conn, model_id, latest, model)
        alias = names.alias_name(ref, "version")
        found = lifecycle.get_alias(conn, model_id, alias)
        if found is None:
            raise VersionNotFound(
                f"model {model!r} has no alias {alias!r}", {"model": model, "alias": alias}
            )
        return found[0]

    def get(self, who: Principal, workspace: str, model: str, ref: str | int) -> Version:
        """A version by number, alias or ``latest``."""
        workspace = self._check(who, workspace, model, Action.READ)
        with self.db.read() as conn:
            _, model_id = self._model(conn, workspace, model)
            return store.get_by_id(conn, self.resolve(conn, model_id, model, str(ref)))

    def get_by_id(self, who: Principal, version_id: UUID) -> Version:
        with self.db.read() as conn:
            version = store.get_by_id(conn, version_id)
        self.require_visible(who, version)
        return version

    def require_visible(self, who: Principal, version: Version) -> None:
        """NOT_FOUND, worded as for a missing id, unless ``who`` may read ``version``: a
        lookup by id must not reveal which workspace the id belongs to."""
        if not self.authz.allowed(who, Action.READ, version.workspace):
            raise VersionNotFound(
                f"model version {version.id} not found", {"version_id": str(version.id)}
            )

    def list(
        self,
        who: Principal,
        workspace: str,
        model: str,
        filt: VersionFilter,
        sort_by: str,
        query: PageQuery,
        hydrate: bool = True,
        filter_text: str | None = None,
    ) -> Page[Version]:
        """One model's versions; ``filter_text`` is the search filter language."""
        workspace = self._check(who, workspace, model, Action.READ)
        sort = parse_sort(sort_by, store.SORT_KEYS)
        filt = replace(filt, expression=parse_filter(filter_text, VERSION_SCHEMA))
        with self.db.read() as conn:
            _, model_id = self._model(conn, workspace, model)
            req, bound = self.page_request(query, "versions", model_id, filt, sort)
            items, sl = store.list_page(
                conn, model_id, filt, sort, req, hydrate, self.db.version_cache
            )
        return self.to_page(items, sl, req, bound)

    def update(
        self, who: Principal, workspace: str, model: str, number: int, patch: VersionPatch
    ) -> Version:
        workspace = self._check(who, workspace, model, Action.WRITE)
        if isinstance(patch.name, str):
            patch = replace(patch, name=names.version_display_name(patch.name))
        set_keys = [k for k, v in patch.tags.items() if v is not None]
        target = f"{workspace}/{model}/{number}"
        with self.mutation(who, "version.update", "version", target, workspace) as (conn, note):
            _, model_id = self._model(conn, workspace, model)
            if set_keys:  # the model before the version, as every other writer locks them
                lifecycle.lock_model(conn, model_id)
            # Locked: a DELETE committed in between would leave the tag and param inserts
            # below pointing at a missing row (a foreign-key error, i.e. a 500).
            version_id = store.resolve_id(conn, model_id, number, model, lock=True)
            if not isinstance(patch.status, Unset):
                check_status_move(conn, version_id, number, patch.status, FileOwner.MODEL)
            before = store.get_by_id(conn, version_id)
            store.update_fields(conn, version_id, patch, self.clock())
            self.enforce_exclusive(conn, model_id, version_id, set_keys)
            # A failed version takes no more files: its open uploads go with the change.
            dropped = []
            if patch.status is VersionStatus.FAILED_REGISTRATION:
                dropped = upload_store.delete_of_version(conn, version_id, FileOwner.MODEL)
            after = store.get_by_id(conn, version_id)
            note.diff(before, after)
        if dropped and self.on_uploads_dropped is not None:
            self.on_uploads_dropped(dropped)
        return after

    def delete(self, who: Principal, workspace: str, model: str, number: int) -> None:
        workspace = self._check(who, workspace, model, Action.WRITE)
        target = f"{workspace}/{model}/{number}"
        with self.mutation(who, "version.delete", "version", target, workspace) as (conn, _):
            _, model_id = self._model(conn, workspace, model)
            lifecycle.lock_model(conn, model_id)
            version_id = store.resolve_id(conn, model_id, number, model)
            now = self.clock()
            # Its aliases go with it (ON DELETE CASCADE); the history must say so. Deleting a
            # protected alias that way needs the owner, as deleting it directly does.
            for alias in lifecycle.version_aliases(conn, [version_id])[version_id]:
                found = lifecycle.get_alias(conn, model_id, alias)
                if found is not None and found[2]:
                    self.authz.require(who, Action.OWNER, workspace)
                lifecycle.record_alias_move(conn, model_id, alias, number, None, who.subject, now)
            store.delete(conn, version_id)
            model_store.touch(conn, model_id, now)
