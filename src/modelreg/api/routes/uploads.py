"""Resumable multipart uploads and whole-version archives, under a model version's or an
artifact version's URL."""

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Annotated, Literal
from urllib.parse import quote
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from modelreg.api.deps import Caller, Svc
from modelreg.api.limits import streamed_body
from modelreg.api.routes.common import api_router, errors_doc, receive
from modelreg.api.routes.files import RAW_BODY, FileOut, NameOrId, Ref
from modelreg.api.schemas.versions import FileDeclIn
from modelreg.blobs import StagedPart, archive
from modelreg.domain.artifacts import FileOwner
from modelreg.domain.entities import Principal, Upload
from modelreg.services import Services

UploadId = Annotated[UUID, Path(description="The upload id from POST .../uploads.")]
PartNumber = Annotated[int, Path(ge=1, le=10_000, description="Part number, from 1.")]


# (caller, workspace, model, version ref, upload id, part number)
PartArgs = tuple[Principal, str, str, str, UUID, int]


class UploadStarted(BaseModel):
    upload_id: UUID
    part_size: int


class PartOut(BaseModel):
    number: int
    size: int


class PresignedPart(BaseModel):
    url: str
    method: Literal["PUT"]
    size: int = Field(description="The exact number of bytes the part must have.")
    expires_at: datetime


class UploadOut(BaseModel):
    upload_id: UUID
    path: str
    size: int
    sha256: str
    part_size: int
    parts: list[PartOut]

    @classmethod
    def of(cls, u: Upload) -> "UploadOut":
        return cls(
            upload_id=u.id,
            path=u.path,
            size=u.size,
            sha256=u.sha256,
            part_size=u.part_size,
            parts=[PartOut(number=p.number, size=p.size) for p in u.parts],
        )


class UploadList(BaseModel):
    items: list[UploadOut]


def _members(svc: Services, files: list[FileOut]) -> list[archive.Member]:
    def opener(sha256: str) -> Callable[[], Iterator[bytes]]:
        return lambda: svc.files.blobs.read(sha256)

    return [archive.Member(f.path, f.size, opener(f.sha256)) for f in files]


def build_router(
    workspace_dep: Callable[..., str], prefix: str, tag: str, owner: FileOwner = FileOwner.MODEL
) -> APIRouter:
    """The upload and archive routes below a model version, or (``owner``) below an
    artifact version."""
    segment = "models" if owner is FileOwner.MODEL else "artifacts"
    router = api_router(
        prefix=f"{prefix}/{segment}/{{name_or_id}}/versions/{{version}}", tags=[tag]
    )
    Ws = Annotated[str, Depends(workspace_dep)]

    def part_at(
        name_or_id: NameOrId,
        version: Ref,
        upload_id: UploadId,
        number: PartNumber,
        ws: Ws,
        who: Caller,
    ) -> PartArgs:
        """The leading arguments of the services' part calls, from the path."""
        return who, ws, name_or_id, version, upload_id, number

    Part = Annotated[PartArgs, Depends(part_at)]

    @router.post("/uploads", status_code=201, responses=errors_doc(404, 409))
    def start_upload(
        body: FileDeclIn, name_or_id: NameOrId, version: Ref, ws: Ws, svc: Svc, who: Caller
    ) -> UploadStarted:
        """Start a resumable upload of one file; send its parts, then complete it."""
        u = svc.uploads.create(
            who, ws, name_or_id, version, body.path, body.size, body.sha256, owner
        )
        return UploadStarted(upload_id=u.id, part_size=u.part_size)

    @router.get("/uploads", responses=errors_doc(404))
    def list_uploads(
        name_or_id: NameOrId, version: Ref, ws: Ws, svc: Svc, who: Caller
    ) -> UploadList:
        """The version's open uploads, oldest first, each with the parts received so far:
        a client that lost its upload ids resumes from here."""
        found = svc.uploads.list_open(who, ws, name_or_id, version, owner)
        return UploadList(items=[UploadOut.of(u) for u in found])

    @router.get("/uploads/{upload_id}", responses=errors_doc(404))
    def get_upload(
        name_or_id: NameOrId, version: Ref, upload_id: UploadId, ws: Ws, svc: Svc, who: Caller
    ) -> UploadOut:
        """The upload and the parts received so far (resume by sending the others)."""
        return UploadOut.of(svc.uploads.get(who, ws, name_or_id, version, upload_id, owner))

    @router.put(
        "/uploads/{upload_id}/parts/{number}",
        responses=errors_doc(404, 409),
        openapi_extra=RAW_BODY,
    )
    @streamed_body
    async def put_part(request: Request, part: Part, svc: Svc) -> PartOut:
        """One part's raw bytes: exactly part_size, except the last; re-sending replaces."""

        def begin() -> tuple[int, StagedPart]:
            expected, offset = svc.uploads.check_part(*part, owner)
            return expected, svc.uploads.stage_part(part[4], part[5], offset)

        expected, staged = await run_in_threadpool(begin)  # one thread hop, not two
        await receive(request, staged, limit=expected)
        done = await run_in_threadpool(svc.uploads.record_part, *part, staged, expected, owner)
        return PartOut(number=done.number, size=done.size)

    @router.post("/uploads/{upload_id}/parts/{number}/url", responses=errors_doc(404, 409))
    def presign_part(part: Part, svc: Svc) -> PresignedPart:
        """A presigned URL to PUT the part's bytes straight to the S3 store (409 on a
        local store); the part then counts like one sent here."""
        url, size, expires = svc.uploads.presign_part(*part, owner)
        return PresignedPart(url=url, method="PUT", size=size, expires_at=expires)

    @router.post("/uploads/{upload_id}/complete", responses=errors_doc(404, 409))
    def complete_upload(
        name_or_id: NameOrId, version: Ref, upload_id: UploadId, ws: Ws, svc: Svc, who: Caller
    ) -> FileOut:
        """Verify size and sha256 over all parts and record the file; 409 naming the parts
        still missing. On a mismatch: 400 INVALID_ARGUMENT, the upload and its parts are
        removed and the version is marked FAILED_REGISTRATION with a status_message naming
        the path and both checksums (push the files again as a new version)."""
        return FileOut.of(svc.uploads.complete(who, ws, name_or_id, version, upload_id, owner))

    @router.delete("/uploads/{upload_id}", status_code=204, responses=errors_doc(404))
    def abort_upload(
        name_or_id: NameOrId, version: Ref, upload_id: UploadId, ws: Ws, svc: Svc, who: Caller
    ) -> Response:
        """Abort: the upload and its parts are removed, and a PENDING_REGISTRATION version
        is marked FAILED_REGISTRATION ("upload of '<path>' aborted"; its other open
        uploads go too), so no partial version is ever visible. A FAILED_REGISTRATION
        version takes no more files or uploads (409)."""
        svc.uploads.abort(who, ws, name_or_id, version, upload_id, owner)
        return Response(status_code=204)

    @router.get(
        "/archive",
        responses={
            **errors_doc(404),
            200: {"content": {"application/x-tar": {}, "application/zip": {}}},
        },
        response_class=StreamingResponse,
    )
    def download_archive(
        name_or_id: NameOrId,
        version: Ref,
        ws: Ws,
        svc: Svc,
        who: Caller,
        format: Annotated[Literal["tar", "zip"], Query(description="tar or zip.")] = "tar",
    ) -> Response:
        """Every file of the version as one tar or zip, streamed."""
        number, created, infos = svc.files.archive_entries(who, ws, name_or_id, version, owner)
        members = _members(svc, [FileOut.of(f) for f in infos])
        filename = f"{name_or_id}-v{number}.{format}"
        fallback = "".join(
            c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in filename
        )
        headers = {
            "Content-Disposition": f'attachment; filename="{fallback}"; '
            f"filename*=UTF-8''{quote(filename, safe='')}"
        }
        if format == "tar":
            headers["Content-Length"] = str(archive.tar_length(members, created))
            stream, media = archive.tar_stream(members, created), "application/x-tar"
        else:
            stream, media = archive.zip_stream(members, created), "application/zip"
        return StreamingResponse(stream, media_type=media, headers=headers)

    return router
