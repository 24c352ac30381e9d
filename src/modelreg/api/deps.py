"""FastAPI dependencies: the services, the caller, the workspace and paging parameters.

They are ``async def`` because none of them blocks: FastAPI runs a plain ``def``
dependency in the thread pool, and five such hops cost more per request than a whole
cached search page.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Query, Request

from modelreg.api.auth import caller
from modelreg.domain.entities import Principal
from modelreg.domain.names import DEFAULT_WORKSPACE
from modelreg.errors import InvalidArgument
from modelreg.query.paging import MAX_PAGE_SIZE, PageQuery
from modelreg.services import Services


async def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


async def get_caller(request: Request) -> Principal:
    """The acting principal, as the authentication middleware found it (``anonymous``
    when authentication is off)."""
    return caller(request.scope)


async def reject_nul(request: Request) -> None:
    """NUL characters in query or path strings are INVALID_ARGUMENT, as in bodies: PostgreSQL
    cannot take them even as a filter value. (Applied to every route by the app.)"""
    for name, value in (*request.query_params.multi_items(), *request.path_params.items()):
        if "\x00" in name or "\x00" in str(value):
            field = name.replace("\x00", "")
            raise InvalidArgument(f"{field} must not contain NUL characters", {"field": field})


def workspace_from_path(
    ws: Annotated[str, Path(description="Workspace name.", max_length=36)],
) -> str:
    return ws


def default_workspace() -> str:
    return DEFAULT_WORKSPACE


async def page_query(
    page: Annotated[int | None, Query(ge=1, le=10_000_000, description="1-based page.")] = None,
    size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="Items per page.")] = 50,
    page_token: Annotated[
        str | None, Query(max_length=4096, description="Cursor from next_page_token.")
    ] = None,
    include_total: Annotated[
        bool, Query(description="Count matches in cursor mode too (costs a query).")
    ] = False,
) -> PageQuery:
    return PageQuery(size, page, page_token, include_total)


Svc = Annotated[Services, Depends(get_services)]
Caller = Annotated[Principal, Depends(get_caller)]
Paging = Annotated[PageQuery, Depends(page_query)]
