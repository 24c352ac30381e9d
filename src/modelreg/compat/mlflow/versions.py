"""MLflow's model-version endpoints (``/api/2.0/mlflow/model-versions/...``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import Response

from modelreg.api.routes.common import api_router
from modelreg.compat.mlflow import wire
from modelreg.compat.mlflow.common import ERRORS, Caller, Svc, Ws, answer, ignore_missing_key
from modelreg.compat.mlflow.errors import MlflowRoute
from modelreg.compat.mlflow.filters import translate
from modelreg.domain.entities import Lineage, NewVersion, Stage, VersionPatch
from modelreg.errors import InvalidArgument, NotFound
from modelreg.query.paging import PageQuery

_ACTIVE = (Stage.STAGING, Stage.PRODUCTION)


def build_router(prefix: str, tag: str, public: bool = True) -> APIRouter:
    """The routes below ``prefix``, tagged ``tag``; ``public``: in the OpenAPI document."""
    router = api_router(prefix, [tag], ERRORS, route_class=MlflowRoute, include_in_schema=public)

    @router.post("/model-versions/create", response_model=wire.ModelVersionResponse)
    def create_model_version(
        body: wire.CreateModelVersion, svc: Svc, who: Caller, ws: Ws
    ) -> Response:
        """Register the next version of a model from ``source`` (READY at once)."""
        if not body.source:
            raise InvalidArgument("source is required", {"field": "source"})
        new = NewVersion(
            description=body.description,
            source=body.source,
            run_id=body.run_id or None,
            run_link=body.run_link or None,
            tags={t.key: t.value for t in body.tags},
            lineage=Lineage(logged_model_id=body.model_id or None),
        )
        folder = wire.proxy_path(body.source)
        if folder is None:
            v = svc.versions.create(who, ws, body.name, new)
        else:  # uploaded through this server's proxy: those files become the version's
            v = svc.mlflow_artifacts.create_version(who, ws, body.name, new, folder)
        return answer({"model_version": wire.model_version(v)})

    @router.get("/model-versions/get", response_model=wire.ModelVersionResponse)
    def get_model_version(
        q: Annotated[wire.VersionRef, Query()], svc: Svc, who: Caller, ws: Ws
    ) -> Response:
        v = svc.versions.get(who, ws, q.name, wire.version_number(q.version))
        return answer({"model_version": wire.model_version(v)})

    @router.patch("/model-versions/update", response_model=wire.ModelVersionResponse)
    def update_model_version(
        body: wire.UpdateModelVersion, svc: Svc, who: Caller, ws: Ws
    ) -> Response:
        """Set (or, when absent, clear) the description."""
        number = wire.version_number(body.version)
        patch = VersionPatch(description=body.description)
        v = svc.versions.update(who, ws, body.name, number, patch)
        return answer({"model_version": wire.model_version(v)})

    @router.delete("/model-versions/delete", response_model=wire.Empty)
    def delete_model_version(body: wire.VersionRef, svc: Svc, who: Caller, ws: Ws) -> Response:
        svc.versions.delete(who, ws, body.name, wire.version_number(body.version))
        return answer({})

    @router.get("/model-versions/search", response_model=wire.ModelVersionsPage)
    def search_model_versions(
        q: Annotated[wire.SearchModelVersions, Query()], svc: Svc, who: Caller, ws: Ws
    ) -> Response:
        """Search versions with the filter language (``name = 'fraud' AND tags.k = 'v'``).
        Pages hold at most 10,000 versions; ``next_page_token`` is a keyset cursor, so a
        walk neither skips nor repeats versions while others are being created."""
        size = min(q.max_results, wire.VERSIONS_PAGE_CAP)
        page = svc.search.versions(
            who, ws, translate(q.filter), q.order_by, PageQuery(size, None, q.page_token)
        )
        body: dict[str, object] = {"model_versions": [wire.model_version(v) for v in page.items]}
        if page.next_page_token:
            body["next_page_token"] = page.next_page_token
        return answer(body)

    @router.post("/model-versions/transition-stage", response_model=wire.ModelVersionResponse)
    def transition_model_version_stage(
        body: wire.TransitionStage, svc: Svc, who: Caller, ws: Ws
    ) -> Response:
        """Move a version to a stage; ``archive_existing_versions`` (Staging or Production
        only) archives the stage's other versions in the same transaction."""
        stage = Stage.parse(body.stage)
        if body.archive_existing_versions and stage not in _ACTIVE:
            raise InvalidArgument(
                f"archive_existing_versions needs stage Staging or Production, not {stage.value}",
                {"field": "archive_existing_versions"},
            )
        ref = str(wire.version_number(body.version))
        v = svc.lifecycle.transition(
            who, ws, body.name, ref, stage, body.archive_existing_versions, None
        )
        return answer({"model_version": wire.model_version(v)})

    @router.post("/model-versions/set-tag", response_model=wire.Empty)
    def set_model_version_tag(body: wire.VersionTagIn, svc: Svc, who: Caller, ws: Ws) -> Response:
        ref = str(wire.version_number(body.version))
        svc.lifecycle.set_tag(who, ws, body.name, ref, body.key, body.value)
        return answer({})

    @router.delete("/model-versions/delete-tag", response_model=wire.Empty)
    def delete_model_version_tag(
        body: wire.VersionTagKey, svc: Svc, who: Caller, ws: Ws
    ) -> Response:
        """Remove a tag; an absent key is not an error (as in MLflow)."""
        ref = str(wire.version_number(body.version))
        try:
            svc.lifecycle.delete_tag(who, ws, body.name, ref, body.key)
        except NotFound as exc:
            ignore_missing_key(exc)
        return answer({})

    @router.get("/model-versions/get-download-uri", response_model=wire.DownloadUri)
    def get_model_version_download_uri(
        q: Annotated[wire.VersionRef, Query()], svc: Svc, who: Caller, ws: Ws
    ) -> Response:
        """Where the version's files are: its ``source`` when that is a folder of this
        server's artifact proxy; else, if the version has files of its own (uploaded
        through the native API), their read-only proxy folder; else its ``source``."""
        number = wire.version_number(q.version)
        v = svc.versions.get(who, ws, q.name, number)
        uri = v.source or ""
        if wire.proxy_path(uri) is None and svc.files.list(who, ws, q.name, str(number)):
            uri = f"mlflow-artifacts:/{svc.mlflow_artifacts.version_folder(v)}"
        return answer({"artifact_uri": uri})

    return router
