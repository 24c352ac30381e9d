"""The service container the API, the CLI and compatibility layers all share."""

from __future__ import annotations

from modelreg.blobs import BlobStore
from modelreg.query.paging import CursorCodec
from modelreg.services.access import AccessService
from modelreg.services.audit import AuditService
from modelreg.services.base import AllowAll, Authorizer
from modelreg.services.files import FileService
from modelreg.services.lifecycle import LifecycleService
from modelreg.services.models import ModelService
from modelreg.services.search import SearchService
from modelreg.services.versions import VersionService
from modelreg.services.workspaces import WorkspaceService
from modelreg.store.db import Database


class Services:
    """Every service over one database, with one cursor secret and one access policy."""

    def __init__(
        self, db: Database, authz: Authorizer | None = None, blobs: BlobStore | None = None
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
        self.files = FileService(self.versions, blobs)
