"""Generic artifacts (datasets, plots, ...): create, number versions, list; the
artifact-versions view over them and the model versions; FQN resolution of both."""

from __future__ import annotations

from contextlib import suppress
from dataclasses import replace
from uuid import UUID

from sqlalchemy import Connection

from modelreg.domain import names
from modelreg.domain.artifacts import (
    Artifact,
    ArtifactType,
    ArtifactVersion,
    ArtifactVersionPatch,
    ArtifactVersionQuery,
    FileOwner,
    Fqn,
    NewArtifact,
    NewArtifactVersion,
    SubjectType,
    ViewItem,
    check_metadata_keys,
    parse_fqn,
)
from modelreg.domain.entities import Principal, Unset, Version, VersionStatus
from modelreg.errors import ArtifactNotFound, InvalidArgument, NotFound
from modelreg.query.paging import Page, PageQuery, PageRequest
from modelreg.services.base import Action, ServiceBase
from modelreg.services.versions import VersionService, check_status_move
from modelreg.store import artifact_view as view_store
from modelreg.store import artifacts as store
from modelreg.store import models as model_store
from modelreg.store import uploads as upload_store
from modelreg.store import versions as version_store
from modelreg.store import workspaces as ws_store

MAX_RESOLVED = 100


def _not_model(kind: ArtifactType) -> ArtifactType:
    if kind is ArtifactType.MODEL:
        raise InvalidArgument(
            "type 'model' is the registry's own models: create them with POST .../models",
            {"field": "type"},
        )
    return kind


class ArtifactService(ServiceBase):
    def __init__(self, versions: VersionService) -> None:
        super().__init__(versions.db, versions.codec, versions.authz, versions.clock)
        self.versions = versions

    def _check(self, who: Principal, workspace: str, name: str, action: Action) -> str:
        workspace = names.workspace_name(workspace)
        names.model_name(name, "artifact")
        self.authz.require(who, action, workspace)
        return workspace

    # --- artifacts --------------------------------------------------------------------------

    def create(self, who: Principal, workspace: str, new: NewArtifact) -> Artifact:
        workspace = names.workspace_name(workspace)
        new = replace(new, name=names.model_name(new.name), type=_not_model(new.type))
        self.authz.require(who, Action.WRITE, workspace)
        with self.mutation(who, "artifact.create", "artifact", new.name, workspace) as (conn, note):
            note.after = {"type": new.type.value, "description": new.description}
            ws = ws_store.get(conn, workspace)
            artifact_id = store.create(conn, ws, new, who.subject, self.clock())
            return store.get(conn, artifact_id)

    def get(self, who: Principal, workspace: str, name: str) -> Artifact:
        workspace = self._check(who, workspace, name, Action.READ)
        with self.db.read() as conn:
            return store.get(conn, store.resolve_id(conn, ws_store.get(conn, workspace), name))

    def list_artifacts(
        self, who: Principal, workspace: str, kind: ArtifactType | None, query: PageQuery
    ) -> Page[Artifact]:
        workspace = names.workspace_name(workspace)
        self.authz.require(who, Action.READ, workspace)
        with self.db.read() as conn:
            ws = ws_store.get(conn, workspace)
            req, bound = self.page_request(query, "artifacts", ws.id, kind)
            items, sl = store.list_page(conn, ws, kind, req)
        return self.to_page(items, sl, req, bound)

    def delete(self, who: Principal, workspace: str, name: str) -> None:
        workspace = self._check(who, workspace, name, Action.WRITE)
        with self.mutation(who, "artifact.delete", "artifact", name, workspace) as (conn, _):
            ws = ws_store.get(conn, workspace)
            store.delete(conn, store.resolve_id(conn, ws, name, lock=True))

    # --- versions ---------------------------------------------------------------------------

    def resolve(self, conn: Connection, artifact_id: UUID, name: str, ref: str) -> UUID:
        """A version id from a number or ``latest`` (the highest READY number)."""
        number = names.version_number(ref)
        if number is None:
            if ref.lower() != "latest":
                raise InvalidArgument(
                    f"invalid artifact version {ref[:40]!r}: use a number or latest",
                    {"field": "version"},
                )
            number = store.latest_ready_number(conn, artifact_id)
            if number is None:
                raise ArtifactNotFound(
                    f"artifact {name!r} has no READY version",
                    {"artifact": name, "version": "latest"},
                )
        found = store.version_id(conn, artifact_id, number)
        if found is None:
            raise ArtifactNotFound(
                f"version {number} of artifact {name!r} not found",
                {"artifact": name, "version": number},
            )
        return found

    def create_version(
        self, who: Principal, workspace: str, name: str, new: NewArtifactVersion
    ) -> ArtifactVersion:
        """Register a version; numbers come from the artifact row (never reused)."""
        workspace = self._check(who, workspace, name, Action.WRITE)
        check_metadata_keys(new.metadata)
        if new.version_alias is not None:
            names.version_display_name(new.version_alias, "version_alias")
        if new.files:
            paths = [names.artifact_path(f.path, "files") for f in new.files]
            if len(set(paths)) != len(paths):
                raise InvalidArgument("files: a path is declared twice", {"field": "files"})
            new = replace(
                new,
                status=VersionStatus.PENDING_REGISTRATION,
                files=tuple(replace(f, path=p) for f, p in zip(new.files, paths, strict=True)),
            )
        creator = (who.subject, SubjectType.of_principal_kind(who.kind))
        with self.mutation(who, "artifact_version.create", "artifact_version", name, workspace) as (
            conn,
            _,
        ):
            ws = ws_store.get(conn, workspace)
            artifact = store.get(conn, store.resolve_id(conn, ws, name))
            # The UPDATE ... RETURNING also locks the artifact row until commit; the time
            # is read under that lock, so newer numbers never look older (the view's order).
            number = store.next_number(conn, artifact.id, self.clock())
            now = self.clock()
            version_id = store.insert_version(conn, artifact, number, new, creator, now)
            return store.get_version(conn, version_id)

    def get_version(self, who: Principal, workspace: str, name: str, ref: str) -> ArtifactVersion:
        workspace = self._check(who, workspace, name, Action.READ)
        with self.db.read() as conn:
            artifact_id = store.resolve_id(conn, ws_store.get(conn, workspace), name)
            return store.get_version(conn, self.resolve(conn, artifact_id, name, ref))

    def list_versions(
        self, who: Principal, workspace: str, name: str, query: PageQuery
    ) -> Page[ArtifactVersion]:
        """One artifact's versions, newest number first."""
        workspace = self._check(who, workspace, name, Action.READ)
        with self.db.read() as conn:
            artifact_id = store.resolve_id(conn, ws_store.get(conn, workspace), name)
            req, bound = self.page_request(query, "artifact-versions", artifact_id)
            items, sl = store.list_versions(conn, artifact_id, req)
        return self.to_page(items, sl, req, bound)

    def update_version(
        self, who: Principal, workspace: str, name: str, number: int, patch: ArtifactVersionPatch
    ) -> ArtifactVersion:
        """Change the fields sent; a READY version never goes back to pending (its files
        are frozen), but may be marked FAILED_REGISTRATION."""
        workspace = self._check(who, workspace, name, Action.WRITE)
        if isinstance(patch.metadata, dict):
            check_metadata_keys(patch.metadata)
        if isinstance(patch.version_alias, str):
            names.version_display_name(patch.version_alias, "version_alias")
        what = f"{name}/{number}"
        with self.mutation(who, "artifact_version.update", "artifact_version", what, workspace) as (
            conn,
            _,
        ):
            artifact_id = store.resolve_id(conn, ws_store.get(conn, workspace), name, lock=True)
            version_id = self.resolve(conn, artifact_id, name, str(number))
            if not isinstance(patch.status, Unset):
                check_status_move(conn, version_id, number, patch.status, FileOwner.ARTIFACT)
            store.update_version(conn, version_id, patch, self.clock())
            dropped = []
            if patch.status is VersionStatus.FAILED_REGISTRATION:
                dropped = upload_store.delete_of_version(conn, version_id, FileOwner.ARTIFACT)
            updated = store.get_version(conn, version_id)
        if dropped and self.versions.on_uploads_dropped is not None:
            self.versions.on_uploads_dropped(dropped)
        return updated

    def delete_version(self, who: Principal, workspace: str, name: str, number: int) -> None:
        """Delete a version; its number is never handed out again."""
        workspace = self._check(who, workspace, name, Action.WRITE)
        what = f"{name}/{number}"
        with self.mutation(who, "artifact_version.delete", "artifact_version", what, workspace) as (
            conn,
            _,
        ):
            artifact_id = store.resolve_id(conn, ws_store.get(conn, workspace), name, lock=True)
            store.delete_version(conn, self.resolve(conn, artifact_id, name, str(number)))

    # --- the artifact-versions view and FQNs ------------------------------------------------

    def view(
        self, who: Principal, query: ArtifactVersionQuery, offset: int, limit: int
    ) -> tuple[list[ViewItem], int]:
        """Artifact and model versions matching ``query``, newest first, and their total."""
        if query.workspace is not None:
            query = replace(query, workspace=names.workspace_name(query.workspace, "ml_repo"))
        if query.name is not None:
            query = replace(query, name=names.model_name(query.name))
        self.authz.require(who, Action.READ, query.workspace)
        # Without a workspace filter the view spans every workspace the caller may read,
        # and no other: not even the total counts the rest.
        query = replace(query, readable=self.authz.readable(who))
        with self.db.read() as conn:
            req = PageRequest(limit, include_total=True, skip=offset)
            items, sl = view_store.page(conn, query, req)
        assert sl.total is not None
        return items, sl.total

    def view_item(self, who: Principal, version_id: UUID) -> ViewItem:
        """One artifact version or model version by id, as the view shows it."""
        with self.db.read() as conn:
            found: Version | ArtifactVersion
            try:
                found = store.get_version(conn, version_id)
            except ArtifactNotFound:
                try:
                    found = version_store.get_by_id(conn, version_id)
                except NotFound:
                    raise ArtifactNotFound(
                        f"artifact version {version_id} not found",
                        {"version_id": str(version_id)},
                    ) from None
            if not self.authz.allowed(who, Action.READ, found.workspace):
                raise ArtifactNotFound(
                    f"artifact version {version_id} not found", {"version_id": str(version_id)}
                )
            return view_store.items_of(conn, [found])[0]

    def lookup(self, conn: Connection, fqn: Fqn) -> Version | ArtifactVersion:
        """The version an FQN names (NOT_FOUND if it does not exist)."""
        ref = fqn.ref or "latest"
        ws = ws_store.get(conn, fqn.workspace)
        if fqn.type is ArtifactType.MODEL:
            model_id = model_store.resolve_id(conn, ws, fqn.name)
            return version_store.get_by_id(
                conn, self.versions.resolve(conn, model_id, fqn.name, ref)
            )
        artifact = store.get(conn, store.resolve_id(conn, ws, fqn.name))
        if artifact.type is not fqn.type:
            raise ArtifactNotFound(
                f"{fqn.name!r} in workspace {fqn.workspace!r} is a {artifact.type.value}, "
                f"not a {fqn.type.value}",
                {"workspace": fqn.workspace, "artifact": fqn.name, "type": fqn.type.value},
            )
        return store.get_version(conn, self.resolve(conn, artifact.id, fqn.name, ref))

    def resolve_fqn(self, who: Principal, text: str) -> Version | ArtifactVersion:
        """``{type}:{workspace}/{name}:{number|latest}`` (models: also an alias)."""
        fqn = parse_fqn(text)
        self.authz.require(who, Action.READ, fqn.workspace)
        with self.db.read() as conn:
            return self.lookup(conn, fqn)

    def resolve_links(self, who: Principal, targets: list[str]) -> dict[str, ViewItem]:
        """The versions the FQN-shaped lineage links name; other links (free text, or
        FQNs of what does not exist or the caller may not read) are left out."""
        found: dict[str, Version | ArtifactVersion] = {}
        with self.db.read() as conn:
            # A few queries per link: lineage lists are short (capped at MAX_RESOLVED).
            for target in list(dict.fromkeys(targets))[:MAX_RESOLVED]:
                try:
                    fqn = parse_fqn(target)
                except InvalidArgument:
                    continue
                if not self.authz.allowed(who, Action.READ, fqn.workspace):
                    continue
                with suppress(NotFound, InvalidArgument):
                    found[target] = self.lookup(conn, fqn)
            items = view_store.items_of(conn, list(found.values()))
        return dict(zip(found, items, strict=True))
