"""Generic artifacts and their versions (under a workspace, or the default one), and the
TrueFoundry-shaped view ``GET /api/v1/artifact-versions`` over them and the model versions."""

from collections.abc import Callable
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Query, Response

from modelreg.api.deps import Caller, Paging, Svc
from modelreg.api.routes.common import api_router, errors_doc
from modelreg.api.schemas.artifacts import (
    ArtifactIn,
    ArtifactOut,
    ArtifactPage,
    ArtifactVersionIn,
    ArtifactVersionOut,
    ArtifactVersionPage,
    ArtifactVersionPatchIn,
    ArtifactVersionView,
    ArtifactVersionViewPage,
    PaginationOut,
)
from modelreg.api.schemas.common import INT32_MAX, INT64_MAX
from modelreg.domain import names
from modelreg.domain.artifacts import ArtifactType, ArtifactVersionQuery, parse_fqn
from modelreg.errors import InvalidArgument
from modelreg.query.paging import MAX_PAGE_SIZE

NameOrId = Annotated[
    str, Path(min_length=1, max_length=256, description="Artifact name, or its id (tried first).")
]
Ref = Annotated[str, Path(min_length=1, max_length=64, description="Version number or latest.")]
Number = Annotated[int, Path(ge=1, le=INT32_MAX, description="Version number.")]


def build_router(workspace_dep: Callable[..., str], prefix: str, tag: str) -> APIRouter:
    router = api_router(prefix=prefix + "/artifacts", tags=[tag])
    Ws = Annotated[str, Depends(workspace_dep)]

    @router.post("", status_code=201, responses=errors_doc(404, 409))
    def create_artifact(body: ArtifactIn, ws: Ws, svc: Svc, who: Caller) -> ArtifactOut:
        """Register an artifact (dataset, plot, ...); names are unique in the workspace."""
        return ArtifactOut.of(svc.artifacts.create(who, ws, body.to_domain()))

    @router.get("", responses=errors_doc(404))
    def list_artifacts(
        ws: Ws,
        svc: Svc,
        who: Caller,
        paging: Paging,
        type: Annotated[str | None, Query(max_length=32)] = None,
    ) -> ArtifactPage:
        """The workspace's artifacts by name; ``type`` keeps one type."""
        kind = None if type is None else ArtifactType.parse(type)
        page = svc.artifacts.list_artifacts(who, ws, kind, paging)
        return ArtifactPage.of(page, [ArtifactOut.of(a) for a in page.items])

    @router.get("/{name_or_id}", responses=errors_doc(404))
    def get_artifact(name_or_id: NameOrId, ws: Ws, svc: Svc, who: Caller) -> ArtifactOut:
        return ArtifactOut.of(svc.artifacts.get(who, ws, name_or_id))

    @router.delete("/{name_or_id}", status_code=204, responses=errors_doc(404))
    def delete_artifact(name_or_id: NameOrId, ws: Ws, svc: Svc, who: Caller) -> Response:
        """Delete the artifact with all its versions."""
        svc.artifacts.delete(who, ws, name_or_id)
        return Response(status_code=204)

    @router.post("/{name_or_id}/versions", status_code=201, responses=errors_doc(404))
    def create_artifact_version(
        name_or_id: NameOrId, body: ArtifactVersionIn, ws: Ws, svc: Svc, who: Caller
    ) -> ArtifactVersionOut:
        """Register a version; the server assigns the next number (never reused)."""
        v = svc.artifacts.create_version(who, ws, name_or_id, body.to_domain())
        return ArtifactVersionOut.of(v)

    @router.get("/{name_or_id}/versions", responses=errors_doc(404))
    def list_artifact_versions(
        name_or_id: NameOrId, ws: Ws, svc: Svc, who: Caller, paging: Paging
    ) -> ArtifactVersionPage:
        """The artifact's versions, newest number first."""
        page = svc.artifacts.list_versions(who, ws, name_or_id, paging)
        return ArtifactVersionPage.of(page, [ArtifactVersionOut.of(v) for v in page.items])

    @router.get("/{name_or_id}/versions/{version}", responses=errors_doc(404))
    def get_artifact_version(
        name_or_id: NameOrId, version: Ref, ws: Ws, svc: Svc, who: Caller
    ) -> ArtifactVersionOut:
        """A version by number, or ``latest`` (the highest READY number)."""
        return ArtifactVersionOut.of(svc.artifacts.get_version(who, ws, name_or_id, version))

    @router.patch("/{name_or_id}/versions/{version}", responses=errors_doc(404, 409))
    def update_artifact_version(
        name_or_id: NameOrId,
        version: Number,
        body: ArtifactVersionPatchIn,
        ws: Ws,
        svc: Svc,
        who: Caller,
    ) -> ArtifactVersionOut:
        """Change only the fields sent (e.g. mark a failed upload FAILED_REGISTRATION)."""
        v = svc.artifacts.update_version(who, ws, name_or_id, version, body.to_domain())
        return ArtifactVersionOut.of(v)

    @router.delete("/{name_or_id}/versions/{version}", status_code=204, responses=errors_doc(404))
    def delete_artifact_version(
        name_or_id: NameOrId, version: Number, ws: Ws, svc: Svc, who: Caller
    ) -> Response:
        """Delete a version; its number is never handed out again."""
        svc.artifacts.delete_version(who, ws, name_or_id, version)
        return Response(status_code=204)

    return router


view_router = api_router(prefix="/api/v1", tags=["artifact versions"])

Step = Annotated[int, Query(ge=0, le=INT64_MAX)]


def _version_filter(value: str | None) -> tuple[int | None, bool]:
    """(number, latest) from ``version``: a positive integer or ``latest``."""
    if value is None:
        return None, False
    if value.lower() == "latest":
        return None, True
    number = names.version_number(value)
    if number is None:
        raise InvalidArgument(
            f"invalid version {value[:20]!r}: use a positive integer or latest",
            {"field": "version"},
        )
    return number, False


@view_router.get("/artifact-versions", responses=errors_doc(404))
def list_artifact_versions_view(
    svc: Svc,
    who: Caller,
    tag: Annotated[str | None, Query(min_length=1, max_length=5251)] = None,
    fqn: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=600,
            description="{type}:{workspace}/{name} or {type}:{workspace}/{name}:{version}",
        ),
    ] = None,
    artifact_id: Annotated[UUID | None, Query(description="An artifact's or model's id.")] = None,
    ml_repo_id: Annotated[UUID | None, Query(description="A workspace's id.")] = None,
    ml_repo: Annotated[
        str | None, Query(min_length=1, max_length=36, description="A workspace's name.")
    ] = None,
    workspace: Annotated[
        str | None, Query(min_length=1, max_length=36, description="Same as ml_repo.")
    ] = None,
    name: Annotated[str | None, Query(min_length=1, max_length=256)] = None,
    version: Annotated[
        str | None, Query(min_length=1, max_length=20, description="A number, or latest.")
    ] = None,
    run_ids: Annotated[list[str] | None, Query(max_length=100)] = None,
    run_steps: Annotated[list[Step] | None, Query(max_length=100)] = None,
    type: Annotated[
        list[str] | None,
        Query(max_length=10, description="Artifact types (model, dataset, ...); repeatable."),
    ] = None,
    offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 100,
    include_internal_metadata: Annotated[
        bool, Query(description="Add the server's metadata (status, files, ...), '.'-keyed.")
    ] = False,
) -> ArtifactVersionViewPage:
    """Artifact versions and model versions, newest first, with offset/limit and total."""
    if ml_repo is not None and workspace is not None and ml_repo != workspace:
        raise InvalidArgument(
            "ml_repo and workspace name different workspaces", {"field": "ml_repo"}
        )
    for run_id in run_ids or []:
        if not 1 <= len(run_id) <= 256:
            raise InvalidArgument("run_ids must be 1-256 characters each", {"field": "run_ids"})
    number, latest = _version_filter(version)
    query = ArtifactVersionQuery(
        workspace=ml_repo or workspace,
        workspace_id=ml_repo_id,
        artifact_id=artifact_id,
        types=tuple(ArtifactType.parse(t) for t in type or []),
        name=name,
        number=number,
        latest=latest,
        tag=tag,
        run_ids=tuple(run_ids or ()),
        run_steps=tuple(run_steps or ()),
        fqn=None if fqn is None else parse_fqn(fqn, require_ref=False),
    )
    items, total = svc.artifacts.view(who, query, offset, limit)
    return ArtifactVersionViewPage(
        data=[ArtifactVersionView.of(i, include_internal_metadata) for i in items],
        pagination=PaginationOut(total=total, offset=offset, limit=limit),
    )


@view_router.get("/artifact-versions/{version_id}", responses=errors_doc(404))
def get_artifact_version_view(
    version_id: UUID,
    svc: Svc,
    who: Caller,
    include_internal_metadata: bool = False,
) -> ArtifactVersionView:
    """An artifact version or a model version by its id, in the view's shape."""
    return ArtifactVersionView.of(
        svc.artifacts.view_item(who, version_id), include_internal_metadata
    )
