"""Models: create, read, list, change, delete, and search across a workspace."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from modelreg.client._http import API, DEFAULT_WORKSPACE, Json, Resource, seg
from modelreg.client._pager import Pager, search_params


class ModelsApi(Resource):
    """The model methods of :class:`modelreg.Client`."""

    def create_model(
        self,
        name: str,
        *,
        workspace: str = DEFAULT_WORKSPACE,
        description: str | None = None,
        tags: Mapping[str, str] | None = None,
        card: Mapping[str, Any] | None = None,
        **fields: Any,
    ) -> Json:
        """Register a model; extra keyword arguments are sent as fields of the body."""
        body: Json = {"name": name, **fields}
        if description is not None:
            body["description"] = description
        if tags is not None:
            body["tags"] = dict(tags)
        if card is not None:
            body["card"] = dict(card)
        return self._http.call("POST", f"{API}/workspaces/{seg(workspace)}/models", json=body)  # type: ignore[no-any-return]

    def get_model(self, model: str, *, workspace: str = DEFAULT_WORKSPACE) -> Json:
        """A model by name or id."""
        return self._http.call("GET", self._model_path(workspace, model))  # type: ignore[no-any-return]

    def list_models(
        self,
        *,
        workspace: str = DEFAULT_WORKSPACE,
        name: str | None = None,
        tag: Sequence[str] = (),
        sort_by: str = "name",
        page_size: int = 100,
    ) -> Pager:
        """Every model of the workspace (``name``: a substring; ``tag`` items are
        ``key=value``), fetched page after page as you iterate."""
        params: Json = {"size": page_size, "sort_by": sort_by, "name": name}
        if tag:
            params["tag"] = list(tag)
        return self._pager(f"{API}/workspaces/{seg(workspace)}/models", params)

    def search_models(
        self,
        filter: str | None = None,
        order_by: Sequence[str] = (),
        workspace: str = DEFAULT_WORKSPACE,
        page_size: int = 100,
        include_total: bool = False,
    ) -> Pager:
        """Models matching the filter language (``workspace='*'``: every workspace)."""
        return self._pager(
            f"{API}/models/search",
            search_params(filter, order_by, workspace, page_size, include_total),
        )

    def update_model(
        self, model: str, *, workspace: str = DEFAULT_WORKSPACE, **fields: Any
    ) -> Json:
        """Change the fields given (description, tags, card, name to rename, ...)."""
        return self._http.call("PATCH", self._model_path(workspace, model), json=fields)  # type: ignore[no-any-return]

    def delete_model(self, model: str, *, workspace: str = DEFAULT_WORKSPACE) -> None:
        """Delete a model and its versions."""
        self._http.call("DELETE", self._model_path(workspace, model))
