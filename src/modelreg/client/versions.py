"""Versions: register, read, list, change, delete, and search across models."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from modelreg.client._http import API, DEFAULT_WORKSPACE, Json, Resource
from modelreg.client._pager import Pager, search_params


class VersionsApi(Resource):
    """The version methods of :class:`modelreg.Client`."""

    def create_version(
        self, model: str, *, workspace: str = DEFAULT_WORKSPACE, **fields: Any
    ) -> Json:
        """Register a new version; keyword arguments are the body (metrics, params, tags,
        source, files, ...). The server assigns the number."""
        return self._http.call(  # type: ignore[no-any-return]
            "POST", f"{self._model_path(workspace, model)}/versions", json=fields
        )

    def get_version(
        self, model: str, ref: str | int = "latest", *, workspace: str = DEFAULT_WORKSPACE
    ) -> Json:
        """A version by number, alias or ``latest``."""
        return self._http.call("GET", self._version_path(workspace, model, ref))  # type: ignore[no-any-return]

    def list_versions(
        self,
        model: str,
        *,
        workspace: str = DEFAULT_WORKSPACE,
        filter: str | None = None,
        sort_by: str = "-created",
        page_size: int = 100,
    ) -> Pager:
        """Every version of a model (optionally matching ``filter``), page after page;
        sort keys: number, name, created, updated (``-`` for descending)."""
        params = {"size": page_size, "sort_by": sort_by, "filter": filter}
        return self._pager(f"{self._model_path(workspace, model)}/versions", params)

    def update_version(
        self, model: str, version: int, *, workspace: str = DEFAULT_WORKSPACE, **fields: Any
    ) -> Json:
        """Change the fields given; metrics are appended, tags and params merge."""
        return self._http.call("PATCH", self._version_path(workspace, model, version), json=fields)  # type: ignore[no-any-return]

    def delete_version(
        self, model: str, version: int, *, workspace: str = DEFAULT_WORKSPACE
    ) -> None:
        """Delete a version; its number is never reused."""
        self._http.call("DELETE", self._version_path(workspace, model, version))

    def search_versions(
        self,
        filter: str | None = None,
        order_by: Sequence[str] = (),
        workspace: str = DEFAULT_WORKSPACE,
        page_size: int = 100,
        include_total: bool = False,
    ) -> Pager:
        """Versions matching the filter language across models (``workspace='*'``: all),
        e.g. ``"tags.team = 'risk' AND metrics.auc > 0.91"``, ``order_by=["metrics.auc DESC"]``."""
        return self._pager(
            f"{API}/model-versions/search",
            search_params(filter, order_by, workspace, page_size, include_total),
        )
