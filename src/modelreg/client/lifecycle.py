"""The lifecycle of versions: aliases, stages, promotion and FQN resolution."""

from __future__ import annotations

import uuid

from modelreg.client._http import API, DEFAULT_WORKSPACE, Json, Resource, seg
from modelreg.client.refs import is_artifact_fqn, parse_ref


class LifecycleApi(Resource):
    """The alias, stage and promotion methods of :class:`modelreg.Client`."""

    def _alias_path(self, workspace: str, model: str, alias: str) -> str:
        return f"{self._model_path(workspace, model)}/aliases/{seg(alias)}"

    def set_alias(
        self,
        model: str,
        alias: str,
        version: int,
        expected_version: int | None = None,
        *,
        protected: bool | None = None,
        workspace: str = DEFAULT_WORKSPACE,
    ) -> Json:
        """Point ``alias`` at ``version``; with ``expected_version``, only if it points
        there now (compare-and-swap)."""
        body: Json = {"version": version}
        if expected_version is not None:
            body["expected_version"] = expected_version
        if protected is not None:
            body["protected"] = protected
        return self._http.call("PUT", self._alias_path(workspace, model, alias), json=body)  # type: ignore[no-any-return]

    def delete_alias(
        self,
        model: str,
        alias: str,
        expected_version: int | None = None,
        *,
        workspace: str = DEFAULT_WORKSPACE,
    ) -> None:
        """Remove an alias (with ``expected_version``: only if it points there)."""
        path = self._alias_path(workspace, model, alias)
        self._http.call("DELETE", path, params={"expected_version": expected_version})

    def get_alias(
        self,
        model: str,
        alias: str,
        *,
        at: str | None = None,
        workspace: str = DEFAULT_WORKSPACE,
    ) -> Json:
        """The version ``alias`` points at (or pointed at, at the ISO-8601 time ``at``)."""
        path = self._alias_path(workspace, model, alias)
        return self._http.call("GET", path, params={"at": at})  # type: ignore[no-any-return]

    def list_aliases(self, model: str, *, workspace: str = DEFAULT_WORKSPACE) -> list[Json]:
        """The model's aliases: ``[{alias, version, protected}]``."""
        body = self._http.call("GET", f"{self._model_path(workspace, model)}/aliases")
        return list(body.get("items", []))

    def alias_history(
        self, model: str, alias: str, *, workspace: str = DEFAULT_WORKSPACE
    ) -> list[Json]:
        """Every move of ``alias``: ``[{alias, from_version, to_version, actor, at}]``."""
        body = self._http.call("GET", self._alias_path(workspace, model, alias) + "/history")
        return list(body.get("items", []))

    def transition_stage(
        self,
        model: str,
        version: int | str,
        stage: str,
        *,
        archive_existing: bool = False,
        comment: str | None = None,
        workspace: str = DEFAULT_WORKSPACE,
    ) -> Json:
        """Move a version to None, Staging, Production or Archived; ``archive_existing``
        archives the versions in that stage now."""
        body: Json = {"stage": stage, "archive_existing": archive_existing}
        if comment is not None:
            body["comment"] = comment
        path = f"{self._version_path(workspace, model, version)}/stage"
        return self._http.call("POST", path, json=body)  # type: ignore[no-any-return]

    def list_transitions(
        self, model: str, version: int | str, *, workspace: str = DEFAULT_WORKSPACE
    ) -> list[Json]:
        """A version's stage history: ``[{from_stage, to_stage, actor, at, comment}]``."""
        path = f"{self._version_path(workspace, model, version)}/transitions"
        return list(self._http.call("GET", path).get("items", []))

    def promote(
        self,
        target_model: str,
        source: str,
        workspace: str = DEFAULT_WORKSPACE,
        *,
        source_workspace: str | None = None,
    ) -> Json:
        """Copy the version ``source`` into ``target_model`` of ``workspace`` as its new
        latest version; files are shared, not copied. ``source`` is a version id, an FQN,
        or a short ref (``fraud@champion``, ``fraud:3``) in ``source_workspace``
        (default: ``workspace``)."""
        if not _is_uuid(source):
            source = parse_ref(source, source_workspace or workspace).fqn
        path = f"{self._model_path(workspace, target_model)}/versions:promote"
        return self._http.call("POST", path, json={"source": source})  # type: ignore[no-any-return]

    def resolve(self, fqn: str) -> Json:
        """The version an FQN (``model:{ws}/{model}:{number|alias|latest}``) names."""
        return self._http.call("GET", f"{API}/resolve", params={"fqn": fqn})  # type: ignore[no-any-return]

    def get_ref(self, ref: str, *, workspace: str = DEFAULT_WORKSPACE) -> Json:
        """The version a short reference names: ``fraud@champion``, ``fraud:3``, ``fraud``
        (its latest) in ``workspace``, or a full FQN (also of an artifact version,
        ``dataset:ws/transactions:3``)."""
        if is_artifact_fqn(ref):
            return self.resolve(ref)
        r = parse_ref(ref, workspace)
        return self._http.call("GET", self._version_path(r.workspace, r.model, r.version))  # type: ignore[no-any-return]


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True
