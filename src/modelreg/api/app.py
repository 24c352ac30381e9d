"""The ASGI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import cache

from fastapi import FastAPI
from starlette.routing import BaseRoute

from modelreg import __version__
from modelreg.api import errors
from modelreg.api.auth import AuthMiddleware
from modelreg.api.deps import default_workspace, workspace_from_path
from modelreg.api.limits import BodyDeadlineMiddleware, BodyLimitMiddleware, RateLimiter
from modelreg.api.middleware import RequestIdMiddleware
from modelreg.api.routes import (
    access,
    admin,
    artifacts,
    files,
    health,
    lifecycle,
    search,
    uploads,
    workspaces,
)
from modelreg.api.routes.models import build_router, version_by_id_router
from modelreg.compat import mlflow as mlflow_compat
from modelreg.config import Settings
from modelreg.domain.artifacts import FileOwner
from modelreg.services import Services
from modelreg.services.base import AllowAll


def create_app(settings: Settings | None = None, services: Services | None = None) -> FastAPI:
    """Build the API over ``services`` (or a database opened from ``settings``).

    The schema must already be migrated: ``modelreg serve`` and ``modelreg db upgrade`` do it.
    """
    settings = settings or Settings()
    owned = services is None
    svc = services or Services.from_settings(settings)
    if not settings.no_auth and isinstance(svc.authz, AllowAll):
        # Authenticating callers only to let them do everything would look safe and not be.
        raise ValueError("authentication is on but the services allow everything")

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        if owned:
            svc.db.dispose()

    app = FastAPI(
        title="modelreg",
        version=__version__,
        description="A self-hostable model registry.",
        lifespan=lifespan,
    )
    app.state.services = svc
    app.state.settings = settings
    errors.install(app)
    # Every route already carries NUL rejection and the app-wide error responses
    # (routes.common.api_router).
    app.router.routes.extend(route_table())
    mlflow_compat.install(app)
    app.add_middleware(BodyLimitMiddleware, limit=settings.max_body_bytes)
    app.add_middleware(BodyDeadlineMiddleware, timeout=settings.request_timeout)
    if not settings.no_auth:
        app.add_middleware(
            AuthMiddleware, services=svc, limiter=RateLimiter(settings.default_rate_limit)
        )
    app.add_middleware(RequestIdMiddleware)
    return app


@cache
def route_table() -> tuple[BaseRoute, ...]:
    """Every route of the API, in matching order, built once per process.

    FastAPI derives a pydantic validator for every parameter of every route (seconds for
    all of them), and ``include_router`` would derive them all again, lazily, on the first
    requests to each app. These routes are complete as built (``api_router``) and the app
    mounts them as they are. Sharing them between the apps of a process (tests build
    hundreds) is sound because none holds an app, its settings or its services: handlers
    find the services on ``request.app.state``. One consequence: ``app.dependency_overrides``
    does not reach them (modelreg's tests run the real dependencies).
    """
    in_ws = (workspace_from_path, "/api/v1/workspaces/{ws}")
    in_default = (default_workspace, "/api/v1")
    routers = [
        health.router,
        access.router,
        workspaces.router,
        # Before the model routes: /models/search must win over /models/{name_or_id}.
        search.router,
        build_router(*in_ws, "models"),
        build_router(*in_default, "models (default workspace)"),
        lifecycle.build_router(*in_ws, "lifecycle"),
        lifecycle.build_router(*in_default, "lifecycle (default workspace)"),
        lifecycle.router,
        files.build_router(*in_ws, "files"),
        files.build_router(*in_default, "files (default workspace)"),
        artifacts.build_router(*in_ws, "artifacts"),
        files.build_router(*in_ws, "artifacts", FileOwner.ARTIFACT),
        uploads.build_router(*in_ws, "artifacts", FileOwner.ARTIFACT),
        artifacts.build_router(*in_default, "artifacts (default workspace)"),
        files.build_router(*in_default, "artifacts (default workspace)", FileOwner.ARTIFACT),
        uploads.build_router(*in_default, "artifacts (default workspace)", FileOwner.ARTIFACT),
        artifacts.view_router,
        uploads.build_router(*in_ws, "uploads"),
        uploads.build_router(*in_default, "uploads (default workspace)"),
        admin.router,
        version_by_id_router(),
    ]
    return (*(route for router in routers for route in router.routes), *mlflow_compat.routes())


def app_from_env() -> FastAPI:
    """Entry point for uvicorn workers: settings come from MODELREG_* variables."""
    return create_app(Settings())
