"""MLflow's artifact proxy (``/api/2.0/mlflow-artifacts/artifacts``): upload, download and
list files by path, stored in modelreg's content-addressed blob store.

``mlflow-artifacts:/<path>`` URIs resolve here against the tracking URI, so a version whose
``source`` names an uploaded folder is loadable with ``mlflow.pyfunc.load_model``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from modelreg.api.limits import streamed_body
from modelreg.api.routes.common import api_router, receive
from modelreg.compat.mlflow.common import ERRORS, Caller, Svc, answer
from modelreg.compat.mlflow.errors import MlflowRoute

ArtifactPath = Annotated[
    str, Path(min_length=1, max_length=1024, description="Relative path, '/'-separated.")
]


class ArtifactEntry(BaseModel):
    path: str
    is_dir: bool
    file_size: int | None = None


class ArtifactList(BaseModel):
    files: list[ArtifactEntry] = []


def build_router(prefix: str, tag: str, public: bool = True) -> APIRouter:
    """The routes below ``prefix``, tagged ``tag``; ``public``: in the OpenAPI document."""
    router = api_router(prefix, [tag], ERRORS, route_class=MlflowRoute, include_in_schema=public)

    @router.put(
        "/artifacts/{path:path}",
        response_model=dict[str, str],
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
            }
        },
    )
    @streamed_body
    async def upload_artifact(
        request: Request, path: ArtifactPath, svc: Svc, who: Caller
    ) -> Response:
        """Store the raw body under ``path`` (streamed while hashed; replaces what was there)."""
        files = svc.mlflow_artifacts
        path = await run_in_threadpool(files.check_upload, who, path)
        staged = await run_in_threadpool(files.stage)
        await receive(request, staged)
        await run_in_threadpool(files.record, who, path, staged)
        return answer({})

    @router.get(
        "/artifacts/{path:path}",
        response_class=StreamingResponse,
        responses={200: {"content": {"application/octet-stream": {}}}},
    )
    def download_artifact(path: ArtifactPath, svc: Svc, who: Caller) -> Response:
        """The file's bytes, streamed; ``ETag`` is its quoted sha256."""
        info = svc.mlflow_artifacts.get(who, path)
        return StreamingResponse(
            svc.mlflow_artifacts.read(info),
            media_type="application/octet-stream",
            headers={"Content-Length": str(info.size), "ETag": f'"{info.sha256}"'},
        )

    @router.get("/artifacts", response_model=ArtifactList)
    def list_artifacts(
        svc: Svc,
        who: Caller,
        path: Annotated[str | None, Query(max_length=1024, description="A folder.")] = None,
    ) -> Response:
        """The files and folders directly inside ``path`` (the root when absent), by name."""
        entries = svc.mlflow_artifacts.list(who, path)
        files = [
            {"path": e.name, "is_dir": True}
            if e.is_dir
            else {"path": e.name, "is_dir": False, "file_size": e.size}
            for e in entries
        ]
        return answer({"files": files})

    return router
