"""Models and their versions, under /api/v1/workspaces/{ws}/ and (for ``default``) /api/v1/."""

from collections.abc import Callable
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Query, Response

from modelreg.api.deps import Caller, Paging, Svc
from modelreg.api.routes.common import (
    CreatedAfter,
    CreatedBefore,
    NameQuery,
    TagQuery,
    api_router,
    errors_doc,
    json_response,
    parse_tags,
)
from modelreg.api.schemas.common import INT32_MAX, page_doc
from modelreg.api.schemas.models import ModelIn, ModelOut, ModelPage, ModelPatchIn
from modelreg.api.schemas.versions import (
    VersionIn,
    VersionOut,
    VersionPage,
    VersionPatchIn,
    version_doc,
)
from modelreg.domain.entities import ModelFilter, VersionFilter, VersionStatus
from modelreg.query.filter import MAX_FILTER_LENGTH

NameOrId = Annotated[
    str, Path(min_length=1, max_length=256, description="Model name, or its id (tried first).")
]
Number = Annotated[int, Path(ge=1, le=INT32_MAX, description="Version number.")]
SortBy = Annotated[
    str,
    Query(
        max_length=64,
        description="key or -key (descending); asc:key / desc:key also work.",
    ),
]


def build_router(workspace_dep: Callable[..., str], prefix: str, tag: str) -> APIRouter:
    """The model and version routes, with the workspace taken from ``workspace_dep``."""
    router = api_router(prefix=prefix, tags=[tag])
    Ws = Annotated[str, Depends(workspace_dep)]

    @router.post("/models", status_code=201, responses=errors_doc(404, 409))
    def create_model(body: ModelIn, ws: Ws, svc: Svc, who: Caller) -> ModelOut:
        """Register a model. Names are unique within the workspace."""
        return ModelOut.of(svc.models.create(who, ws, body.to_domain()))

    @router.get("/models", responses=errors_doc(404))
    def list_models(
        ws: Ws,
        svc: Svc,
        who: Caller,
        paging: Paging,
        sort_by: SortBy = "name",
        name: NameQuery = None,
        tag: TagQuery = None,
        created_after: CreatedAfter = None,
        created_before: CreatedBefore = None,
    ) -> ModelPage:
        """List models; sort keys: name, created, updated."""
        filt = ModelFilter(name, parse_tags(tag), created_after, created_before)
        page = svc.models.list(who, ws, filt, sort_by, paging)
        return ModelPage.of(page, [ModelOut.of(m) for m in page.items])

    @router.get("/models/{name_or_id}", responses=errors_doc(404))
    def get_model(name_or_id: NameOrId, ws: Ws, svc: Svc, who: Caller) -> ModelOut:
        return ModelOut.of(svc.models.get(who, ws, name_or_id))

    @router.patch("/models/{name_or_id}", responses=errors_doc(404, 409))
    def update_model(
        name_or_id: NameOrId, body: ModelPatchIn, ws: Ws, svc: Svc, who: Caller
    ) -> ModelOut:
        """Change only the fields sent; ``name`` renames the model."""
        return ModelOut.of(svc.models.update(who, ws, name_or_id, body.to_domain()))

    @router.delete("/models/{name_or_id}", status_code=204, responses=errors_doc(404))
    def delete_model(name_or_id: NameOrId, ws: Ws, svc: Svc, who: Caller) -> Response:
        """Delete the model with all its versions."""
        svc.models.delete(who, ws, name_or_id)
        return Response(status_code=204)

    @router.post("/models/{name_or_id}/versions", status_code=201, responses=errors_doc(404))
    def create_version(
        name_or_id: NameOrId, body: VersionIn, ws: Ws, svc: Svc, who: Caller
    ) -> VersionOut:
        """Register a new version; the server assigns the next number (never reused)."""
        return VersionOut.of(svc.versions.create(who, ws, name_or_id, body.to_domain()))

    @router.get(
        "/models/{name_or_id}/versions", response_model=VersionPage, responses=errors_doc(404)
    )
    def list_versions(
        name_or_id: NameOrId,
        ws: Ws,
        svc: Svc,
        who: Caller,
        paging: Paging,
        sort_by: SortBy = "-number",
        number: Annotated[int | None, Query(ge=1, le=INT32_MAX)] = None,
        status: VersionStatus | None = None,
        name: NameQuery = None,
        run_id: Annotated[str | None, Query(max_length=256)] = None,
        tag: TagQuery = None,
        created_after: CreatedAfter = None,
        created_before: CreatedBefore = None,
        hydrate: Annotated[
            bool, Query(description="false: leave out metrics, params, signature, config.")
        ] = True,
        filter: Annotated[
            str | None,
            Query(max_length=MAX_FILTER_LENGTH, description="The search filter language."),
        ] = None,
    ) -> Response:
        """List a model's versions; sort keys: number, name, created, updated."""
        filt = VersionFilter(
            number, status, name, run_id, parse_tags(tag), created_after, created_before
        )
        page = svc.versions.list(who, ws, name_or_id, filt, sort_by, paging, hydrate, filter)
        return json_response(page_doc(page, [version_doc(v) for v in page.items]))

    @router.get("/models/{name_or_id}/versions/{version}", responses=errors_doc(404))
    def get_version(
        name_or_id: NameOrId,
        version: Annotated[
            str, Path(min_length=1, max_length=64, description="Number, alias or latest.")
        ],
        ws: Ws,
        svc: Svc,
        who: Caller,
    ) -> VersionOut:
        """A version by number, alias, or ``latest`` (the highest READY number)."""
        return VersionOut.of(svc.versions.get(who, ws, name_or_id, version))

    @router.patch("/models/{name_or_id}/versions/{version}", responses=errors_doc(404, 409))
    def update_version(
        name_or_id: NameOrId,
        version: Number,
        body: VersionPatchIn,
        ws: Ws,
        svc: Svc,
        who: Caller,
    ) -> VersionOut:
        """Change only the fields sent; metrics are appended, tags and params merge."""
        return VersionOut.of(svc.versions.update(who, ws, name_or_id, version, body.to_domain()))

    @router.delete(
        "/models/{name_or_id}/versions/{version}", status_code=204, responses=errors_doc(404)
    )
    def delete_version(
        name_or_id: NameOrId, version: Number, ws: Ws, svc: Svc, who: Caller
    ) -> Response:
        """Delete a version; its number is never handed out again."""
        svc.versions.delete(who, ws, name_or_id, version)
        return Response(status_code=204)

    return router


def version_by_id_router() -> APIRouter:
    router = api_router(prefix="/api/v1/model-versions", tags=["versions"])

    @router.get("/{version_id}", responses=errors_doc(404))
    def get_version_by_id(version_id: UUID, svc: Svc, who: Caller) -> VersionOut:
        """A version by its id, whatever model or workspace it is in."""
        return VersionOut.of(svc.versions.get_by_id(who, version_id))

    return router
