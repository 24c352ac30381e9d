"""Resumable multipart uploads of one file of a PENDING_REGISTRATION model or artifact
version (``owner`` says which; the same rules for both).

The upload (path, size, sha256, part size) is a database row and its parts are objects in
the blob store, which is the one record of which parts arrived (so parts PUT straight to a
presigned S3 URL count like any other): any server process over the same database and
store can take any part. Completing has the store assemble the parts into one blob and hash
it in order (sha256 is sequential and parts may arrive in any order), and only a blob with
the declared size and sha256 becomes the version's file; on a mismatch the upload is
removed and nothing is recorded.
"""

from __future__ import annotations

import dataclasses
import uuid
from datetime import datetime, timedelta
from uuid import UUID

from sqlalchemy import Connection

from modelreg.blobs import StagedPart
from modelreg.domain import names
from modelreg.domain.artifacts import FileOwner
from modelreg.domain.entities import FileInfo, Principal, Upload, UploadPart
from modelreg.errors import FailedPrecondition, InvalidArgument, NotFound
from modelreg.services.base import Action, ServiceBase
from modelreg.services.files import FileService, check_sha256
from modelreg.store import uploads as store

MODEL = FileOwner.MODEL
DEFAULT_PART_SIZE = 64 << 20  # few requests per GB; a resumed upload re-sends at most one
MAX_PARTS = 10_000  # as in S3: a 5 TiB file still fits, with larger parts
MAX_SIZE = 5 << 40
PRESIGN_TTL = timedelta(minutes=15)


class UploadService(ServiceBase):
    """Resumable multipart uploads of one file of a PENDING_REGISTRATION version."""

    def __init__(self, files: FileService, part_size: int = DEFAULT_PART_SIZE) -> None:
        super().__init__(files.db, files.codec, files.authz, files.clock)
        self.files = files
        self.part_size = part_size

    def _get(self, conn: Connection, version_id: UUID, upload_id: UUID) -> Upload:
        upload = store.get(conn, upload_id)
        if upload is None or upload.version_id != version_id:
            raise NotFound(f"upload {upload_id} not found", {"upload_id": str(upload_id)})
        return upload

    def create(
        self,
        who: Principal,
        workspace: str,
        model: str,
        ref: str,
        path: str,
        size: int,
        sha256: str,
        owner: FileOwner = MODEL,
    ) -> Upload:
        """Start an upload; the server picks the part size (at most MAX_PARTS parts)."""
        path = names.artifact_path(path)
        sha256 = check_sha256(sha256)
        if not 0 <= size <= MAX_SIZE:
            raise InvalidArgument(f"size must be 0..{MAX_SIZE} bytes", {"field": "size"})
        part_size = max(self.part_size, -(-size // MAX_PARTS))
        what = f"{workspace}/{model}/{ref}/{path}"
        with self.mutation(who, "upload.start", "upload", what, workspace) as (conn, note):
            note.after = {"size": size, "sha256": sha256}
            version_id = self.files.version_for(conn, who, workspace, model, ref, owner)
            upload = Upload(uuid.uuid4(), version_id, path, size, sha256, part_size, self.clock())
            store.create(conn, upload, owner)
        return upload

    def get(
        self,
        who: Principal,
        workspace: str,
        model: str,
        ref: str,
        upload_id: UUID,
        owner: FileOwner = MODEL,
    ) -> Upload:
        with self.db.read() as conn:
            version_id = self.files.resolve(conn, who, workspace, model, ref, Action.READ, owner)
            upload = self._get(conn, version_id, upload_id)
        return self._with_parts(upload)

    def list_open(
        self, who: Principal, workspace: str, model: str, ref: str, owner: FileOwner = MODEL
    ) -> list[Upload]:
        """The version's open uploads, oldest first, each with the parts received (how a
        client that lost its upload ids resumes)."""
        with self.db.read() as conn:
            version_id = self.files.resolve(conn, who, workspace, model, ref, Action.READ, owner)
            uploads = store.of_version(conn, version_id, owner)
        return [self._with_parts(u) for u in uploads]

    def check_part(
        self,
        who: Principal,
        workspace: str,
        model: str,
        ref: str,
        upload_id: UUID,
        number: int,
        owner: FileOwner = MODEL,
    ) -> tuple[int, int]:
        """Before any byte is read: the upload exists, takes files, and has part
        ``number``; the exact size that part must have, and its offset in the file."""
        with self.db.read() as conn:
            version_id = self.files.version_for(conn, who, workspace, model, ref, owner)
            upload = self._get(conn, version_id, upload_id)
        if not 1 <= number <= upload.part_count:
            raise InvalidArgument(
                f"part {number} is out of range: this upload has parts 1..{upload.part_count}",
                {"field": "part", "parts": upload.part_count},
            )
        return upload.expected_part_size(number), (number - 1) * upload.part_size

    def stage_part(self, upload_id: UUID, number: int, offset: int) -> StagedPart:
        return self.files.blobs.stage_part(str(upload_id), number, offset)

    def record_part(
        self,
        who: Principal,
        workspace: str,
        model: str,
        ref: str,
        upload_id: UUID,
        number: int,
        staged: StagedPart,
        expected_size: int,
        owner: FileOwner = MODEL,
    ) -> UploadPart:
        """Publish a fully received part (replacing an earlier copy) and record it."""
        if staged.size != expected_size:
            staged.discard()
            raise InvalidArgument(
                f"part {number} must be exactly {expected_size} bytes, got {staged.size}",
                {"field": "part", "expected": expected_size, "received": staged.size},
            )
        staged.commit()
        try:
            with self.db.read() as conn:
                version_id = self.files.version_for(conn, who, workspace, model, ref, owner)
                self._get(conn, version_id, upload_id)
        except NotFound:
            # Aborted (or completed) while the part was in flight: its bytes are garbage.
            self.files.blobs.delete_parts(str(upload_id))
            raise
        return UploadPart(number, staged.size)

    def presign_part(
        self,
        who: Principal,
        workspace: str,
        model: str,
        ref: str,
        upload_id: UUID,
        number: int,
        owner: FileOwner = MODEL,
        expires_in: timedelta = PRESIGN_TTL,
    ) -> tuple[str, int, datetime]:
        """(URL, exact size, expiry) for a client to PUT part ``number`` straight to the
        store; FAILED_PRECONDITION when the store cannot sign URLs."""
        expected, _offset = self.check_part(who, workspace, model, ref, upload_id, number, owner)
        url = self.files.blobs.sign_part(str(upload_id), number, expires_in)
        if url is None:
            raise FailedPrecondition(
                "this server's artifact store cannot sign URLs (local disk): "
                "PUT the part to the server instead",
                {"upload_id": str(upload_id)},
            )
        return url, expected, self.clock() + expires_in

    def _with_parts(self, upload: Upload) -> Upload:
        """The upload with the parts the store holds (the one record of them)."""
        sizes = self.files.blobs.part_sizes(str(upload.id))
        parts = tuple(UploadPart(n, sizes[n]) for n in sorted(sizes) if 1 <= n <= upload.part_count)
        return dataclasses.replace(upload, parts=parts)

    def complete(
        self,
        who: Principal,
        workspace: str,
        model: str,
        ref: str,
        upload_id: UUID,
        owner: FileOwner = MODEL,
    ) -> FileInfo:
        """Assemble the parts, verify size and sha256, and record the file."""
        with self.db.read() as conn:
            version_id = self.files.version_for(conn, who, workspace, model, ref, owner)
            upload = self._with_parts(self._get(conn, version_id, upload_id))
        have = {p.number: p.size for p in upload.parts}
        missing = [n for n in range(1, upload.part_count + 1) if n not in have]
        # Only parts PUT to a presigned URL can have the wrong size (the server checks its own).
        wrong = [n for n, size in have.items() if size != upload.expected_part_size(n)]
        if missing or wrong:
            raise FailedPrecondition(
                f"{len(missing)} part(s) missing and {len(wrong)} of the wrong size, e.g. "
                + ", ".join(str(n) for n in (missing + wrong)[:20])
                + ": send them, then complete",
                {"missing_parts": missing[:1000], "wrong_size_parts": wrong[:1000]},
            )
        blobs = self.files.blobs
        try:
            staged = blobs.assemble(str(upload_id), [p.number for p in upload.parts])
        except FileNotFoundError as e:
            raise _parts_gone(upload_id, e) from e
        if staged.size != upload.size or staged.sha256() != upload.sha256:
            received = {"size": staged.size, "sha256": staged.sha256()}
            staged.discard()
            message = (
                f"upload of {upload.path!r} failed: its parts have size {received['size']} "
                f"and sha256 {received['sha256']}, not the declared size {upload.size} and "
                f"sha256 {upload.sha256}"
            )
            self._fail(who, workspace, model, ref, upload, message, owner)
            raise InvalidArgument(
                "checksum mismatch: the parts received do not add up to the size and sha256 "
                "declared; the upload was removed and the version marked FAILED_REGISTRATION",
                {
                    "field": "sha256",
                    "expected": {"size": upload.size, "sha256": upload.sha256},
                    "received": received,
                },
            )
        try:
            info = FileInfo(upload.path, staged.size, staged.commit())
        except FileNotFoundError as e:
            raise _parts_gone(upload_id, e) from e

        def finish(conn: Connection, vid: UUID) -> None:
            if vid != upload.version_id or not store.delete_upload(conn, upload_id):
                raise NotFound(f"upload {upload_id} not found", {"upload_id": str(upload_id)})

        self.files.attach(who, workspace, model, ref, [info], also=finish, owner=owner)
        blobs.delete_parts(str(upload_id))  # if this fails, gc removes them later
        return info

    def abort(
        self,
        who: Principal,
        workspace: str,
        model: str,
        ref: str,
        upload_id: UUID,
        owner: FileOwner = MODEL,
    ) -> None:
        """Remove the upload and its parts; a PENDING_REGISTRATION version is marked
        FAILED_REGISTRATION ("upload of '<path>' aborted") and its other open uploads go
        too. Aborting an upload of a version already READY or FAILED only cleans up."""
        self._fail(who, workspace, model, ref, upload_id, None, owner)

    def _fail(
        self,
        who: Principal,
        workspace: str,
        model: str,
        ref: str,
        upload: Upload | UUID,
        message: str | None,
        owner: FileOwner,
    ) -> None:
        """One transaction: remove the upload and fail its version (``message``, or "aborted"
        when None); then the parts of every upload removed."""
        upload_id = upload if isinstance(upload, UUID) else upload.id
        action = "upload.abort" if message is None else "upload.fail"
        what = f"{workspace}/{model}/{ref}/{upload_id}"
        with self.mutation(who, action, "upload", what, workspace) as (conn, note):
            version_id = self.files.resolve(
                conn, who, workspace, model, ref, Action.WRITE, owner, lock=True
            )
            found = self._get(conn, version_id, upload_id)
            store.delete_upload(conn, upload_id)
            if message is None:
                message = f"upload of {found.path!r} aborted"
            dropped = [upload_id, *self.files.fail(conn, version_id, message, owner)]
            note.after = {"path": found.path, "status_message": message}
        self.files.drop_parts(dropped)


def _parts_gone(upload_id: UUID, e: FileNotFoundError) -> FailedPrecondition:
    return FailedPrecondition(
        f"a part's bytes are gone from the store ({e}): send it again",
        {"upload_id": str(upload_id)},
    )
