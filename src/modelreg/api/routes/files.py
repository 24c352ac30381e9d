"""A version's files: streamed upload with checksum, listing, download with Range and ETag,
and finalize."""

import re
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Request, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from modelreg.api.deps import Caller, Svc
from modelreg.api.errors import error_response
from modelreg.api.limits import streamed_body
from modelreg.api.routes.common import api_router, errors_doc, receive
from modelreg.api.schemas.artifacts import ArtifactVersionOut
from modelreg.api.schemas.versions import VersionOut
from modelreg.blobs import StagedBlob
from modelreg.domain.artifacts import FileOwner
from modelreg.domain.entities import FileInfo
from modelreg.services.files import check_sha256

NameOrId = Annotated[
    str, Path(min_length=1, max_length=256, description="Model or artifact name, or its id.")
]
Ref = Annotated[
    str,
    Path(min_length=1, max_length=64, description="Version number, latest, or (models) alias."),
]
FilePath = Annotated[
    str, Path(min_length=1, max_length=1024, description="Relative path, '/'-separated.")
]
# OpenAPI for a raw streamed body (the route reads request.stream(), not a parameter).
RAW_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
    }
}
_RANGE = re.compile(r"bytes=(\d*)-(\d*)")


class FileOut(BaseModel):
    path: str
    size: int
    sha256: str

    @classmethod
    def of(cls, f: FileInfo) -> "FileOut":
        return cls(path=f.path, size=f.size, sha256=f.sha256)


class FileList(BaseModel):
    items: list[FileOut]


def _byte_range(header: str, size: int) -> tuple[int, int] | None:
    """(start, end exclusive) of a single ``bytes=`` range; None when unsatisfiable.
    Raises ValueError for anything this server does not serve as a range."""
    m = _RANGE.fullmatch(header.strip())
    if m is None or (not m.group(1) and not m.group(2)):
        raise ValueError(header)
    first, last = m.group(1), m.group(2)
    if not first:  # the last N bytes
        n = int(last)
        return (max(size - n, 0), size) if n > 0 and size > 0 else None
    start = int(first)
    end = min(int(last) + 1, size) if last else size
    if start >= size or start >= end:
        return None
    return start, end


def build_router(
    workspace_dep: Callable[..., str], prefix: str, tag: str, owner: FileOwner = FileOwner.MODEL
) -> APIRouter:
    """The file routes below a model version, or (``owner``) below an artifact version."""
    segment = "models" if owner is FileOwner.MODEL else "artifacts"
    router = api_router(
        prefix=f"{prefix}/{segment}/{{name_or_id}}/versions/{{version}}", tags=[tag]
    )
    Ws = Annotated[str, Depends(workspace_dep)]

    @router.put(
        "/files/{path:path}",
        status_code=201,
        responses=errors_doc(404, 409),
        openapi_extra=RAW_BODY,
    )
    @streamed_body
    async def upload_file(
        request: Request,
        name_or_id: NameOrId,
        version: Ref,
        path: FilePath,
        ws: Ws,
        svc: Svc,
        who: Caller,
        x_checksum_sha256: Annotated[
            str | None, Header(max_length=128, description="sha256 of the body, hex.")
        ] = None,
    ) -> FileOut:
        """Upload one file (raw body, streamed to disk while hashed) to a version that is
        still PENDING_REGISTRATION; with X-Checksum-Sha256 a mismatch is 400, stores
        nothing and leaves the version PENDING_REGISTRATION: simply retry the PUT. (A
        multipart upload that fails its checksum fails the version instead.)"""
        if x_checksum_sha256 is not None:
            check_sha256(x_checksum_sha256)

        def begin() -> tuple[str, StagedBlob]:
            checked = svc.files.check_upload(who, ws, name_or_id, version, path, owner)
            return checked, svc.files.stage()

        path, staged = await run_in_threadpool(begin)  # one thread hop, not two
        await receive(request, staged)
        info = await run_in_threadpool(
            svc.files.record, who, ws, name_or_id, version, path, staged, x_checksum_sha256, owner
        )
        return FileOut.of(info)

    @router.get("/files", responses=errors_doc(404))
    def list_files(name_or_id: NameOrId, version: Ref, ws: Ws, svc: Svc, who: Caller) -> FileList:
        files = svc.files.list(who, ws, name_or_id, version, owner)
        return FileList(items=[FileOut.of(f) for f in files])

    @router.get(
        "/files/{path:path}",
        responses={
            **errors_doc(404),
            200: {"content": {"application/octet-stream": {}}},
            206: {"description": "Partial content (Range)"},
            416: {"description": "Range not satisfiable"},
        },
        response_class=StreamingResponse,
    )
    def download_file(
        request: Request,
        name_or_id: NameOrId,
        version: Ref,
        path: FilePath,
        ws: Ws,
        svc: Svc,
        who: Caller,
        range: Annotated[str | None, Header(max_length=200)] = None,
        if_none_match: Annotated[str | None, Header(max_length=200)] = None,
    ) -> Response:
        """The file's bytes, streamed; ``ETag`` is the quoted sha256; one ``Range`` served."""
        info = svc.files.get(who, ws, name_or_id, version, path, owner)
        etag = f'"{info.sha256}"'
        headers = {"ETag": etag, "Accept-Ranges": "bytes"}
        if if_none_match is not None and etag in if_none_match:
            return Response(status_code=304, headers=headers)
        start, end, status = 0, info.size, 200
        if range is not None:
            try:
                span = _byte_range(range, info.size)
            except ValueError:
                span = (0, info.size)  # not a single byte range: serve it whole (RFC 9110)
            else:
                status = 206
            if span is None:
                return error_response(
                    request,
                    416,
                    "INVALID_ARGUMENT",
                    f"range {range[:60]!r} is outside the file ({info.size} bytes)",
                    {"field": "Range", "size": info.size},
                    headers={"Content-Range": f"bytes */{info.size}", **headers},
                )
            start, end = span
        headers["Content-Length"] = str(end - start)
        if status == 206:
            headers["Content-Range"] = f"bytes {start}-{end - 1}/{info.size}"
        return StreamingResponse(
            svc.files.read(info, start, end),
            status_code=status,
            media_type="application/octet-stream",
            headers=headers,
        )

    if owner is FileOwner.MODEL:

        @router.post("/finalize", responses=errors_doc(404, 409))
        def finalize_version(
            name_or_id: NameOrId, version: Ref, ws: Ws, svc: Svc, who: Caller
        ) -> VersionOut:
            """Mark a PENDING_REGISTRATION version READY; its files are frozen from then on."""
            return VersionOut.of(svc.files.finalize(who, ws, name_or_id, version))

    else:

        @router.post("/finalize", responses=errors_doc(404, 409))
        def finalize_artifact_version(
            name_or_id: NameOrId, version: Ref, ws: Ws, svc: Svc, who: Caller
        ) -> ArtifactVersionOut:
            """Mark a PENDING_REGISTRATION version READY; its files are frozen from then on."""
            return ArtifactVersionOut.of(svc.files.finalize_artifact(who, ws, name_or_id, version))

    return router
