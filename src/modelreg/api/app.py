"""The ASGI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI

from modelreg import __version__
from modelreg.api import errors
from modelreg.api.auth import AuthMiddleware
from modelreg.api.deps import default_workspace, reject_nul, workspace_from_path
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
from modelreg.api.routes.common import errors_doc
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
        dependencies=[Depends(reject_nul)],
        # What the app-wide middleware (authentication, limits) and the statement timeout
        # may answer on any route.
        responses=errors_doc(401, 403, 408, 413, 429, 504),
    )
    app.state.services = svc
    app.state.settings = settings
    errors.install(app)
    app.include_router(health.router)
    app.include_router(access.router)
    app.include_router(workspaces.router)
    # Before the model routes: /models/search must win over /models/{name_or_id}.
    app.include_router(search.router)
    app.include_router(build_router(workspace_from_path, "/api/v1/workspaces/{ws}", "models"))
    app.include_router(build_router(default_workspace, "/api/v1", "models (default workspace)"))
    app.include_router(
        lifecycle.build_router(workspace_from_path, "/api/v1/workspaces/{ws}", "lifecycle")
    )
    app.include_router(
        lifecycle.build_router(default_workspace, "/api/v1", "lifecycle (default workspace)")
    )
    app.include_router(lifecycle.router)
    app.include_router(files.build_router(workspace_from_path, "/api/v1/workspaces/{ws}", "files"))
    app.include_router(
        files.build_router(default_workspace, "/api/v1", "files (default workspace)")
    )
    for dep, prefix, label in (
        (workspace_from_path, "/api/v1/workspaces/{ws}", "artifacts"),
        (default_workspace, "/api/v1", "artifacts (default workspace)"),
    ):
        app.include_router(artifacts.build_router(dep, prefix, label))
        app.include_router(files.build_router(dep, prefix, label, FileOwner.ARTIFACT))
        app.include_router(uploads.build_router(dep, prefix, label, FileOwner.ARTIFACT))
    app.include_router(artifacts.view_router)
    app.include_router(
        uploads.build_router(workspace_from_path, "/api/v1/workspaces/{ws}", "uploads")
    )
    app.include_router(
        uploads.build_router(default_workspace, "/api/v1", "uploads (default workspace)")
    )
    app.include_router(admin.router)
    app.include_router(version_by_id_router())
    mlflow_compat.install(app)
    app.add_middleware(BodyLimitMiddleware, limit=settings.max_body_bytes)
    app.add_middleware(BodyDeadlineMiddleware, timeout=settings.request_timeout)
    if not settings.no_auth:
        app.add_middleware(
            AuthMiddleware, services=svc, limiter=RateLimiter(settings.default_rate_limit)
        )
    app.add_middleware(RequestIdMiddleware)
    return app


def app_from_env() -> FastAPI:
    """Entry point for uvicorn workers: settings come from MODELREG_* variables."""
    return create_app(Settings())
