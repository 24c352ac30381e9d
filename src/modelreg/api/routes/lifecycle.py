"""Stages, aliases, tags, promotion, under a model (with or without the workspace segment);
plus lineage and FQN resolution."""

from collections.abc import Callable
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Query, Response

from modelreg.api.deps import Caller, Svc
from modelreg.api.routes.common import api_router, errors_doc
from modelreg.api.schemas.artifacts import ArtifactVersionOut
from modelreg.api.schemas.common import INT32_MAX, Timestamp
from modelreg.api.schemas.lifecycle import (
    AliasEntryOut,
    AliasHistory,
    AliasIn,
    AliasList,
    AliasMoveOut,
    LineageView,
    LinkOut,
    PromoteIn,
    StageIn,
    TagIn,
    TagList,
    TagOut,
    TransitionList,
    TransitionOut,
)
from modelreg.api.schemas.versions import VersionOut
from modelreg.domain.artifacts import ArtifactVersion

NameOrId = Annotated[str, Path(min_length=1, max_length=256, description="Model name or id.")]
Ref = Annotated[
    str, Path(min_length=1, max_length=64, description="Version number, alias, or latest.")
]
AliasName = Annotated[str, Path(min_length=1, max_length=64)]
TagKeyPath = Annotated[
    str, Path(min_length=1, max_length=250, description="Tag key (may contain /).")
]
Expected = Annotated[int | None, Query(ge=1, le=INT32_MAX)]


def build_router(workspace_dep: Callable[..., str], prefix: str, tag: str) -> APIRouter:
    router = api_router(prefix=prefix + "/models/{name_or_id}", tags=[tag])
    Ws = Annotated[str, Depends(workspace_dep)]

    @router.post("/versions/{version}/stage", responses=errors_doc(404))
    def transition_stage(
        name_or_id: NameOrId, version: Ref, body: StageIn, ws: Ws, svc: Svc, who: Caller
    ) -> VersionOut:
        """Move a version to a stage; archive_existing archives the stage's other versions."""
        v = svc.lifecycle.transition(
            who, ws, name_or_id, version, body.to_stage(), body.archive_existing, body.comment
        )
        return VersionOut.of(v)

    @router.get("/versions/{version}/transitions", responses=errors_doc(404))
    def list_transitions(
        name_or_id: NameOrId, version: Ref, ws: Ws, svc: Svc, who: Caller
    ) -> TransitionList:
        """Every stage move of the version, oldest first."""
        items = svc.lifecycle.transitions(who, ws, name_or_id, version)
        return TransitionList(items=[TransitionOut.of(t) for t in items])

    @router.put("/aliases/{alias}", responses=errors_doc(403, 404, 409))
    def set_alias(
        name_or_id: NameOrId, alias: AliasName, body: AliasIn, ws: Ws, svc: Svc, who: Caller
    ) -> AliasEntryOut:
        """Point an alias at a version (atomically moving it if it exists)."""
        a = svc.lifecycle.set_alias(
            who, ws, name_or_id, alias, body.version, body.expected_version, body.protected
        )
        return AliasEntryOut.of(a)

    @router.delete("/aliases/{alias}", status_code=204, responses=errors_doc(403, 404, 409))
    def delete_alias(
        name_or_id: NameOrId,
        alias: AliasName,
        ws: Ws,
        svc: Svc,
        who: Caller,
        expected_version: Expected = None,
    ) -> Response:
        svc.lifecycle.delete_alias(who, ws, name_or_id, alias, expected_version)
        return Response(status_code=204)

    @router.get("/aliases", responses=errors_doc(404))
    def list_aliases(name_or_id: NameOrId, ws: Ws, svc: Svc, who: Caller) -> AliasList:
        items = svc.lifecycle.aliases(who, ws, name_or_id)
        return AliasList(items=[AliasEntryOut.of(a) for a in items])

    @router.get("/aliases/{alias}", responses=errors_doc(404))
    def resolve_alias(
        name_or_id: NameOrId,
        alias: AliasName,
        ws: Ws,
        svc: Svc,
        who: Caller,
        at: Annotated[
            Timestamp | None, Query(description="Resolve as of this time (ISO-8601).")
        ] = None,
    ) -> VersionOut:
        """The version the alias points at (or pointed at, at ``at``)."""
        return VersionOut.of(svc.lifecycle.resolve_alias(who, ws, name_or_id, alias, at))

    @router.get("/aliases/{alias}/history", responses=errors_doc(404))
    def alias_history(
        name_or_id: NameOrId, alias: AliasName, ws: Ws, svc: Svc, who: Caller
    ) -> AliasHistory:
        items = svc.lifecycle.alias_history(who, ws, name_or_id, alias)
        return AliasHistory(items=[AliasMoveOut.of(m) for m in items])

    @router.get("/tags", responses=errors_doc(404))
    def list_model_tags(name_or_id: NameOrId, ws: Ws, svc: Svc, who: Caller) -> TagList:
        items = svc.lifecycle.tags(who, ws, name_or_id, None)
        return TagList(items=[TagOut.of(t) for t in items])

    @router.put("/tags/{key:path}", responses=errors_doc(404))
    def set_model_tag(
        name_or_id: NameOrId, key: TagKeyPath, body: TagIn, ws: Ws, svc: Svc, who: Caller
    ) -> TagOut:
        t = svc.lifecycle.set_tag(
            who, ws, name_or_id, None, key, body.value, body.color, body.exclusive
        )
        return TagOut.of(t)

    @router.delete("/tags/{key:path}", status_code=204, responses=errors_doc(404))
    def delete_model_tag(
        name_or_id: NameOrId, key: TagKeyPath, ws: Ws, svc: Svc, who: Caller
    ) -> Response:
        svc.lifecycle.delete_tag(who, ws, name_or_id, None, key)
        return Response(status_code=204)

    @router.get("/versions/{version}/tags", responses=errors_doc(404))
    def list_version_tags(
        name_or_id: NameOrId, version: Ref, ws: Ws, svc: Svc, who: Caller
    ) -> TagList:
        items = svc.lifecycle.tags(who, ws, name_or_id, version)
        return TagList(items=[TagOut.of(t) for t in items])

    @router.put("/versions/{version}/tags/{key:path}", responses=errors_doc(404))
    def set_version_tag(
        name_or_id: NameOrId,
        version: Ref,
        key: TagKeyPath,
        body: TagIn,
        ws: Ws,
        svc: Svc,
        who: Caller,
    ) -> TagOut:
        """Set a tag; an exclusive key moves off the model's other versions atomically."""
        t = svc.lifecycle.set_tag(
            who, ws, name_or_id, version, key, body.value, body.color, body.exclusive
        )
        return TagOut.of(t)

    @router.delete(
        "/versions/{version}/tags/{key:path}", status_code=204, responses=errors_doc(404)
    )
    def delete_version_tag(
        name_or_id: NameOrId, version: Ref, key: TagKeyPath, ws: Ws, svc: Svc, who: Caller
    ) -> Response:
        svc.lifecycle.delete_tag(who, ws, name_or_id, version, key)
        return Response(status_code=204)

    @router.post("/versions:promote", status_code=201, responses=errors_doc(403, 404, 409))
    def promote_version(
        name_or_id: NameOrId, body: PromoteIn, ws: Ws, svc: Svc, who: Caller
    ) -> VersionOut:
        """Copy a READY version (by id or FQN) into this model as its newest version."""
        return VersionOut.of(svc.lifecycle.promote(who, ws, name_or_id, body.source))

    return router


router = api_router(prefix="/api/v1", tags=["lineage"])


@router.get("/model-versions/{version_id}/lineage", responses=errors_doc(404))
def version_lineage(version_id: UUID, svc: Svc, who: Caller) -> LineageView:
    """The promotion chain upstream, every copy downstream, and each lineage link with the
    artifact or model version it names when it is an FQN that resolves."""
    view = svc.lifecycle.lineage(who, version_id)
    links = view.version.lineage.links()
    resolved = svc.artifacts.resolve_links(who, [target for _, target in links])
    return LineageView(
        version=VersionOut.of(view.version),
        upstream=[VersionOut.of(v) for v in view.upstream],
        downstream=[VersionOut.of(v) for v in view.downstream],
        links=[LinkOut.of(kind, target, resolved.get(target)) for kind, target in links],
    )


@router.get("/resolve", responses=errors_doc(404))
def resolve_fqn(
    fqn: Annotated[
        str,
        Query(
            min_length=1,
            max_length=600,
            description="{type}:{workspace}/{name}:{version} (models: number, alias or latest)",
        ),
    ],
    svc: Svc,
    who: Caller,
) -> VersionOut | ArtifactVersionOut:
    """The model version or artifact version an FQN names."""
    found = svc.artifacts.resolve_fqn(who, fqn)
    if isinstance(found, ArtifactVersion):
        return ArtifactVersionOut.of(found)
    return VersionOut.of(found)
