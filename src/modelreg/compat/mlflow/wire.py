"""MLflow's wire shapes: request bodies (pydantic, for validation and OpenAPI) and the
translation of modelreg entities into MLflow's JSON.

MLflow speaks proto3 JSON: timestamps are milliseconds since the epoch, a version number is
a string, tags are ``[{"key", "value"}]`` lists, and unset fields are left out.
Responses are built as plain dicts (serialised once with orjson); the pydantic models
below them describe the same shapes for OpenAPI, and the tests validate answers with them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from modelreg.api.schemas.common import (
    LongText,
    ModelNameText,
    ShortText,
    TagKey,
    TagValue,
    Uri,
    check_json_values,
)
from modelreg.domain.entities import Model, Version
from modelreg.errors import InvalidArgument
from modelreg.query.filter import MAX_FILTER_LENGTH

INT32_MAX = 2**31 - 1

# MLflow's bounds for max_results (mlflow.store.model_registry): models default 100, at most
# 1,000; versions default 10,000, at most 200,000.
MODELS_DEFAULT, MODELS_MAX = 100, 1000
VERSIONS_DEFAULT, VERSIONS_MAX = 10_000, 200_000
# One page is at most this many versions whatever max_results asks; the rest follows through
# next_page_token, which MLflow's contract allows ("up to max_results").
VERSIONS_PAGE_CAP = 10_000


class MlflowIn(BaseModel):
    """Base of MLflow request messages: unknown fields are ignored (newer clients send
    more), and nothing a column cannot store gets through."""

    model_config = ConfigDict(extra="ignore")

    @model_validator(mode="before")
    @classmethod
    def _storable(cls, data: Any) -> Any:
        check_json_values(data)
        return data


class TagKV(MlflowIn):
    key: TagKey
    value: TagValue = ""


Name = Annotated[ModelNameText, Field(description="Registered model name.")]


def _int_to_text(value: Any) -> Any:
    """A version sent as a JSON number (``"version": 3``) is taken as its string."""
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


VersionText = Annotated[
    str,
    BeforeValidator(_int_to_text),
    Field(max_length=20, description="Version number, as a string."),
]
FilterText = Annotated[str, Field(max_length=MAX_FILTER_LENGTH)]
OrderText = Annotated[str, Field(min_length=1, max_length=300)]
PageToken = Annotated[str, Field(max_length=4096)]


def version_number(value: str) -> int:
    """MLflow versions are integer strings; anything else is INVALID_PARAMETER_VALUE."""
    text = value.strip()
    if not text.isdigit() or not 1 <= int(text[:12]) <= INT32_MAX:
        raise InvalidArgument(
            f"version must be a positive integer, not {value[:20]!r}", {"field": "version"}
        )
    return int(text)


def proxy_path(source: str) -> str | None:
    """The folder an ``mlflow-artifacts:`` URI names on this server's artifact proxy
    (``mlflow-artifacts:/a/b`` or ``mlflow-artifacts://host:port/a/b``), else None."""
    scheme, sep, rest = source.partition(":")
    if not sep or scheme != "mlflow-artifacts":
        return None
    if rest.startswith("//"):
        rest = "/" + rest[2:].partition("/")[2]
    return rest.strip("/") or None


# --- requests -------------------------------------------------------------------------------


class CreateRegisteredModel(MlflowIn):
    name: Name
    tags: list[TagKV] = Field(default_factory=list, max_length=1000)
    description: LongText | None = None


class NameOnly(MlflowIn):
    name: Name


class RenameRegisteredModel(MlflowIn):
    name: Name
    new_name: Name


class UpdateRegisteredModel(MlflowIn):
    name: Name
    description: LongText | None = None


class SearchRegisteredModels(MlflowIn):
    filter: FilterText | None = None
    max_results: int = Field(MODELS_DEFAULT, ge=1, le=MODELS_MAX)
    order_by: list[OrderText] = Field(default_factory=list, max_length=10)
    page_token: PageToken | None = None


class SearchModelVersions(MlflowIn):
    filter: FilterText | None = None
    max_results: int = Field(VERSIONS_DEFAULT, ge=1, le=VERSIONS_MAX)
    order_by: list[OrderText] = Field(default_factory=list, max_length=10)
    page_token: PageToken | None = None


class GetLatestVersions(MlflowIn):
    name: Name
    stages: list[Annotated[str, Field(max_length=20)]] = Field(default_factory=list, max_length=4)


class ModelTagIn(MlflowIn):
    name: Name
    key: TagKey
    value: TagValue = ""


class ModelTagKey(MlflowIn):
    name: Name
    key: TagKey


class SetAlias(MlflowIn):
    name: Name
    alias: Annotated[str, Field(min_length=1, max_length=64)]
    version: VersionText


class AliasRef(MlflowIn):
    name: Name
    alias: Annotated[str, Field(min_length=1, max_length=64)]


class CreateModelVersion(MlflowIn):
    name: Name
    source: Uri | None = None
    run_id: ShortText | None = None
    tags: list[TagKV] = Field(default_factory=list, max_length=1000)
    run_link: Uri | None = None
    description: LongText | None = None
    model_id: ShortText | None = None


class VersionRef(MlflowIn):
    name: Name
    version: VersionText


class UpdateModelVersion(MlflowIn):
    name: Name
    version: VersionText
    description: LongText | None = None


class TransitionStage(MlflowIn):
    name: Name
    version: VersionText
    stage: Annotated[str, Field(min_length=1, max_length=20)]
    archive_existing_versions: bool = False


class VersionTagIn(MlflowIn):
    name: Name
    version: VersionText
    key: TagKey
    value: TagValue = ""


class VersionTagKey(MlflowIn):
    name: Name
    version: VersionText
    key: TagKey


# --- responses (documentation of what the functions below build) ----------------------------


class KeyValue(BaseModel):
    key: str
    value: str


class AliasOut(BaseModel):
    alias: str
    version: str


class ParamOut(BaseModel):
    name: str
    value: str


class MetricOut(BaseModel):
    key: str
    value: float
    timestamp: int
    step: int


class ModelVersionOut(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    version: str
    creation_timestamp: int
    last_updated_timestamp: int
    user_id: str
    current_stage: str
    description: str | None = None
    source: str | None = None
    run_id: str | None = None
    run_link: str | None = None
    status: str
    status_message: str | None = None
    tags: list[KeyValue] = []
    aliases: list[str] = []
    model_id: str | None = None
    model_params: list[ParamOut] = []
    model_metrics: list[MetricOut] = []


class RegisteredModelOut(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    creation_timestamp: int
    last_updated_timestamp: int
    user_id: str
    description: str | None = None
    latest_versions: list[ModelVersionOut] = []
    tags: list[KeyValue] = []
    aliases: list[AliasOut] = []


class RegisteredModelResponse(BaseModel):
    registered_model: RegisteredModelOut


class RegisteredModelsPage(BaseModel):
    registered_models: list[RegisteredModelOut] = []
    next_page_token: str | None = None


class ModelVersionResponse(BaseModel):
    model_version: ModelVersionOut


class ModelVersionsPage(BaseModel):
    model_versions: list[ModelVersionOut] = []
    next_page_token: str | None = None


class ModelVersionList(BaseModel):
    model_versions: list[ModelVersionOut] = []


class DownloadUri(BaseModel):
    artifact_uri: str


class Empty(BaseModel):
    pass


class MlflowError(BaseModel):
    """MLflow's error body."""

    error_code: str = Field(examples=["RESOURCE_DOES_NOT_EXIST"])
    message: str


# --- entity -> MLflow JSON ---------------------------------------------------------------


def ms(t: datetime) -> int:
    return int(t.timestamp() * 1000)


def _kv(tags: dict[str, str]) -> list[dict[str, str]]:
    return [{"key": k, "value": v} for k, v in tags.items()]


def model_version(v: Version) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": v.model_name,
        "version": str(v.number),
        "creation_timestamp": ms(v.created_at),
        "last_updated_timestamp": ms(v.updated_at),
        "user_id": v.created_by,
        "current_stage": v.stage.value,
        "status": v.status.value,
        "tags": _kv(v.tags),
        "aliases": list(v.aliases),
    }
    for key, value in (
        ("description", v.description),
        ("source", v.source),
        ("run_id", v.run_id),
        ("run_link", v.run_link),
        ("status_message", v.status_message),
        ("model_id", v.lineage.logged_model_id),
    ):
        if value is not None:
            out[key] = value
    if v.params:
        out["model_params"] = [{"name": k, "value": p} for k, p in v.params.items()]
    if v.metrics:
        out["model_metrics"] = [
            {"key": m.key, "value": m.value, "timestamp": ms(m.timestamp), "step": m.step}
            for m in v.metrics
        ]
    return out


def registered_model(m: Model, latest: list[Version] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": m.name,
        "creation_timestamp": ms(m.created_at),
        "last_updated_timestamp": ms(m.updated_at),
        "user_id": m.created_by,
        "tags": _kv(m.tags),
        "aliases": [{"alias": a.alias, "version": str(a.version)} for a in m.aliases],
    }
    if m.description is not None:
        out["description"] = m.description
    if latest:
        out["latest_versions"] = [model_version(v) for v in latest]
    return out
