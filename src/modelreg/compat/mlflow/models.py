"""MLflow's registered-model endpoints (``/api/2.0/mlflow/registered-models/...``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import Response

from modelreg.api.routes.common import api_router
from modelreg.compat.mlflow import wire
from modelreg.compat.mlflow.common import (
    ERRORS,
    Caller,
    Svc,
    Ws,
    answer,
    ignore_missing_key,
    with_latest,
)
from modelreg.compat.mlflow.errors import MlflowRoute
from modelreg.compat.mlflow.filters import translate
from modelreg.domain import names
from modelreg.domain.entities import ModelPatch, NewModel, Stage
from modelreg.errors import InvalidArgument, NotFound
from modelreg.query.paging import PageQuery


def _alias(value: str) -> str:
    if value.lower() == "latest":
        return value
    return names.alias_name(value)


def build_router(prefix: str, tag: str, public: bool = True) -> APIRouter:
    """The routes below ``prefix``, tagged ``tag``; ``public``: in the OpenAPI document."""
    router = api_router(prefix, [tag], ERRORS, route_class=MlflowRoute, include_in_schema=public)

    @router.post("/registered-models/create", response_model=wire.RegisteredModelResponse)
    def create_registered_model(
        body: wire.CreateRegisteredModel, svc: Svc, who: Caller, ws: Ws
    ) -> Response:
        """Create a registered model (RESOURCE_ALREADY_EXISTS if the name is taken)."""
        tags = {t.key: t.value for t in body.tags}
        m = svc.models.create(who, ws, NewModel(body.name, body.description, tags=tags))
        return answer({"registered_model": wire.registered_model(m)})

    @router.get("/registered-models/get", response_model=wire.RegisteredModelResponse)
    def get_registered_model(
        q: Annotated[wire.NameOnly, Query()], svc: Svc, who: Caller, ws: Ws
    ) -> Response:
        """A registered model with its latest version in each stage."""
        m = svc.models.get(who, ws, q.name)
        return answer({"registered_model": with_latest(svc, who, [m])[0]})

    @router.post("/registered-models/rename", response_model=wire.RegisteredModelResponse)
    def rename_registered_model(
        body: wire.RenameRegisteredModel, svc: Svc, who: Caller, ws: Ws
    ) -> Response:
        """Rename a model; its versions follow."""
        m = svc.models.update(who, ws, body.name, ModelPatch(name=body.new_name))
        return answer({"registered_model": with_latest(svc, who, [m])[0]})

    @router.patch("/registered-models/update", response_model=wire.RegisteredModelResponse)
    def update_registered_model(
        body: wire.UpdateRegisteredModel, svc: Svc, who: Caller, ws: Ws
    ) -> Response:
        """Set (or, when absent, clear) the description."""
        m = svc.models.update(who, ws, body.name, ModelPatch(description=body.description))
        return answer({"registered_model": with_latest(svc, who, [m])[0]})

    @router.delete("/registered-models/delete", response_model=wire.Empty)
    def delete_registered_model(body: wire.NameOnly, svc: Svc, who: Caller, ws: Ws) -> Response:
        """Delete a model and all its versions."""
        svc.models.delete(who, ws, body.name)
        return answer({})

    @router.get("/registered-models/search", response_model=wire.RegisteredModelsPage)
    def search_registered_models(
        q: Annotated[wire.SearchRegisteredModels, Query()], svc: Svc, who: Caller, ws: Ws
    ) -> Response:
        """Search models with the filter language (``name LIKE 'fraud%'``, ``tags.k = 'v'``);
        ``next_page_token`` is a keyset cursor."""
        page = svc.search.models(
            who,
            ws,
            translate(q.filter),
            q.order_by,
            PageQuery(q.max_results, None, q.page_token),
        )
        body: dict[str, object] = {"registered_models": with_latest(svc, who, page.items)}
        if page.next_page_token:
            body["next_page_token"] = page.next_page_token
        return answer(body)

    def latest_versions(body: wire.GetLatestVersions, svc: Svc, who: Caller, ws: Ws) -> Response:
        stages = {Stage.parse(s) for s in body.stages}
        m = svc.models.get(who, ws, body.name)
        found = svc.lifecycle.latest_by_stage(who, [m])[m.id]
        chosen = [v for v in found if not stages or v.stage in stages]
        return answer({"model_versions": [wire.model_version(v) for v in chosen]})

    @router.post("/registered-models/get-latest-versions", response_model=wire.ModelVersionList)
    def get_latest_versions_post(
        body: wire.GetLatestVersions, svc: Svc, who: Caller, ws: Ws
    ) -> Response:
        """The highest version in each stage (or in the stages asked for)."""
        return latest_versions(body, svc, who, ws)

    @router.get("/registered-models/get-latest-versions", response_model=wire.ModelVersionList)
    def get_latest_versions_get(
        q: Annotated[wire.GetLatestVersions, Query()], svc: Svc, who: Caller, ws: Ws
    ) -> Response:
        """The highest version in each stage (query-string form)."""
        return latest_versions(q, svc, who, ws)

    @router.post("/registered-models/set-tag", response_model=wire.Empty)
    def set_registered_model_tag(body: wire.ModelTagIn, svc: Svc, who: Caller, ws: Ws) -> Response:
        svc.lifecycle.set_tag(who, ws, body.name, None, body.key, body.value)
        return answer({})

    @router.delete("/registered-models/delete-tag", response_model=wire.Empty)
    def delete_registered_model_tag(
        body: wire.ModelTagKey, svc: Svc, who: Caller, ws: Ws
    ) -> Response:
        """Remove a tag; an absent key is not an error (as in MLflow)."""
        try:
            svc.lifecycle.delete_tag(who, ws, body.name, None, body.key)
        except NotFound as exc:
            ignore_missing_key(exc)
        return answer({})

    @router.post("/registered-models/alias", response_model=wire.Empty)
    def set_registered_model_alias(body: wire.SetAlias, svc: Svc, who: Caller, ws: Ws) -> Response:
        """Point an alias at a version (``latest`` and ``v<digits>`` are reserved)."""
        number = wire.version_number(body.version)
        svc.lifecycle.set_alias(who, ws, body.name, body.alias, number)
        return answer({})

    @router.delete("/registered-models/alias", response_model=wire.Empty)
    def delete_registered_model_alias(
        body: wire.AliasRef, svc: Svc, who: Caller, ws: Ws
    ) -> Response:
        """Remove an alias; an absent alias is not an error (as in MLflow)."""
        try:
            svc.lifecycle.delete_alias(who, ws, body.name, body.alias)
        except NotFound as exc:
            ignore_missing_key(exc)
        return answer({})

    @router.get("/registered-models/alias", response_model=wire.ModelVersionResponse)
    def get_model_version_by_alias(
        q: Annotated[wire.AliasRef, Query()], svc: Svc, who: Caller, ws: Ws
    ) -> Response:
        """The version an alias points at (``latest``: the highest READY version). A missing
        alias is INVALID_PARAMETER_VALUE, as in MLflow."""
        alias = _alias(q.alias)
        try:
            v = svc.versions.get(who, ws, q.name, alias)
        except NotFound as exc:
            if "alias" in exc.details:
                raise InvalidArgument(exc.message, exc.details) from None
            raise
        return answer({"model_version": wire.model_version(v)})

    return router
