"""The service container the API, the CLI and compatibility layers all share."""

from __future__ import annotations

from modelreg.blobs import BlobStore, open_blob_store
from modelreg.config import Settings
from modelreg.query.paging import CursorCodec
from modelreg.services.access import AccessService, RoleAuthorizer
from modelreg.services.artifacts import ArtifactService
from modelreg.services.audit import AuditService
from modelreg.services.base import AllowAll, Authorizer
from modelreg.services.files import FileService
from modelreg.services.gc import GcService
from modelreg.services.lifecycle import LifecycleService
from modelreg.services.mlflow_artifacts import MlflowArtifactService
from modelreg.services.models import ModelService
from modelreg.services.search import SearchService
from modelreg.services.uploads import DEFAULT_PART_SIZE, UploadService
from modelreg.services.versions import VersionService
from modelreg.services.workspaces import WorkspaceService
from modelreg.store.db import Database


class Services:
    """Every service over one database, with one cursor secret and one access policy."""

    def __init__(
        self,
        db: Database,
        authz: Authorizer | None = None,
        blobs: BlobStore | None = None,
        *,
        upload_part_size: int = DEFAULT_PART_SIZE,
    ) -> None:
        self.db = db
        codec = CursorCodec(db.shared_secret())
        policy = authz or AllowAll()
        self.authz = policy
        self.access = AccessService(db, codec, policy)
        self.audit = AuditService(db, codec, policy)
        self.workspaces = WorkspaceService(db, codec, policy)
        self.models = ModelService(db, codec, policy)
        self.versions = VersionService(db, codec, policy)
        self.search = SearchService(db, codec, policy)
        self.lifecycle = LifecycleService(self.versions)
        self.artifacts = ArtifactService(self.versions)
        self.files = FileService(self.versions, self.artifacts, blobs)
        self.uploads = UploadService(self.files, upload_part_size)
        self.gc = GcService(self.versions, blobs)
        self.mlflow_artifacts = MlflowArtifactService(self.files)

    @classmethod
    def from_settings(cls, settings: Settings, authz: Authorizer | None = None) -> Services:
        """The database and artifact store that ``settings`` name (server and CLI alike),
        under ``authz`` or else the policy the settings ask for (roles unless no_auth)."""
        if authz is None:
            authz = AllowAll() if settings.no_auth else RoleAuthorizer()
        return cls(
            Database(
                settings.resolved_database_url(),
                pool_size=settings.db_pool_size,
                statement_timeout=settings.statement_timeout,
                version_cache_size=settings.version_cache_size,
            ),
            authz=authz,
            blobs=open_blob_store(
                settings.resolved_artifact_store(),
                s3_endpoint=settings.s3_endpoint,
                s3_region=settings.s3_region,
                s3_access_key_id=settings.s3_access_key_id,
                s3_secret_access_key=settings.s3_secret_access_key,
            ),
            upload_part_size=settings.upload_part_size,
        )
