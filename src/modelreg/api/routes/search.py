"""Cross-model search: /api/v1/model-versions/search and /api/v1/models/search."""

from typing import Annotated

from fastapi import Depends, Query, Response

from modelreg.api.deps import Caller, Svc
from modelreg.api.routes.common import api_router, errors_doc, json_response
from modelreg.api.schemas.models import ModelOut
from modelreg.api.schemas.search import ModelSearchPage, SearchIn, VersionSearchPage
from modelreg.api.schemas.versions import version_doc
from modelreg.errors import InvalidArgument
from modelreg.query.filter import MAX_FILTER_LENGTH
from modelreg.query.paging import MAX_PAGE_SIZE

router = api_router(prefix="/api/v1", tags=["search"])


async def search_query(
    filter: Annotated[
        str | None,
        Query(max_length=MAX_FILTER_LENGTH, description="e.g. tags.env = 'prod'"),
    ] = None,
    order_by: Annotated[
        list[str] | None, Query(max_length=10, description="Repeatable: 'metrics.auc DESC'.")
    ] = None,
    max_results: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 100,
    page_token: Annotated[str | None, Query(max_length=4096)] = None,
    include_total: bool = False,
    workspace: Annotated[
        str, Query(min_length=1, max_length=36, description="A workspace, or * for all.")
    ] = "default",
) -> SearchIn:
    for term in order_by or []:
        if not term.strip() or len(term) > 300:
            raise InvalidArgument("order_by terms must be 1-300 characters", {"field": "order_by"})
    return SearchIn.model_construct(
        filter=filter,
        order_by=order_by or [],
        max_results=max_results,
        page_token=page_token,
        include_total=include_total,
        workspace=workspace,
    )


SearchQuery = Annotated[SearchIn, Depends(search_query)]


def _versions(body: SearchIn, svc: Svc, who: Caller) -> Response:
    page = svc.search.versions(who, body.workspace, body.filter, body.order_by, body.page_query())
    return json_response(
        {
            "items": [version_doc(v) for v in page.items],
            "next_page_token": page.next_page_token,
            "total": page.total,
        }
    )


def _models(body: SearchIn, svc: Svc, who: Caller) -> ModelSearchPage:
    page = svc.search.models(who, body.workspace, body.filter, body.order_by, body.page_query())
    return ModelSearchPage.of(page, [ModelOut.of(m) for m in page.items])


@router.get("/model-versions/search", response_model=VersionSearchPage, responses=errors_doc(404))
def search_versions_get(q: SearchQuery, svc: Svc, who: Caller) -> Response:
    """Search versions across models with the filter language."""
    return _versions(q, svc, who)


@router.post("/model-versions/search", response_model=VersionSearchPage, responses=errors_doc(404))
def search_versions_post(body: SearchIn, svc: Svc, who: Caller) -> Response:
    """Search versions across models (JSON body form)."""
    return _versions(body, svc, who)


@router.get("/models/search", responses=errors_doc(404))
def search_models_get(q: SearchQuery, svc: Svc, who: Caller) -> ModelSearchPage:
    """Search models with the filter language."""
    return _models(q, svc, who)


@router.post("/models/search", responses=errors_doc(404))
def search_models_post(body: SearchIn, svc: Svc, who: Caller) -> ModelSearchPage:
    """Search models (JSON body form)."""
    return _models(body, svc, who)
