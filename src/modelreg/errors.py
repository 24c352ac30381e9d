"""The one error hierarchy of modelreg.

Every failure a client can cause is a :class:`RegistryError` subclass carrying a stable,
machine-readable ``code``. Errors know nothing about HTTP: each wire surface (the native
API, the MLflow adapter, the SDK) maps them once, by walking the class's MRO.

    RegistryError                 INTERNAL
    ├── InvalidArgument           INVALID_ARGUMENT
    ├── Unauthenticated           UNAUTHENTICATED
    ├── PermissionDenied          PERMISSION_DENIED
    ├── NotFound                  NOT_FOUND
    │   ├── WorkspaceNotFound
    │   ├── ModelNotFound
    │   ├── VersionNotFound
    │   ├── ArtifactNotFound
    │   ├── SubjectNotFound
    │   └── TokenNotFound
    ├── AlreadyExists             ALREADY_EXISTS
    ├── FailedPrecondition        FAILED_PRECONDITION
    ├── PayloadTooLarge           PAYLOAD_TOO_LARGE
    ├── ResourceExhausted         RESOURCE_EXHAUSTED
    ├── DeadlineExceeded          DEADLINE_EXCEEDED
    └── Unavailable               UNAVAILABLE
"""

from __future__ import annotations

from typing import Any, ClassVar


class RegistryError(Exception):
    """Base of every error modelreg raises on purpose."""

    code: ClassVar[str] = "INTERNAL"

    def __init__(
        self,
        message: str,
        details: dict[str, Any] | None = None,
        *,
        request_id: str | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.details: dict[str, Any] = details or {}
        #: Set by the SDK: the server's request id and HTTP status of the failed call.
        self.request_id: str | None = request_id
        self.status: int | None = status


class InvalidArgument(RegistryError):
    """The request is malformed: bad field value, unknown sort key, bad cursor, ..."""

    code = "INVALID_ARGUMENT"


class Unauthenticated(RegistryError):
    """No valid credentials were presented."""

    code = "UNAUTHENTICATED"


class PermissionDenied(RegistryError):
    """The caller is known but may not do this."""

    code = "PERMISSION_DENIED"


class NotFound(RegistryError):
    """The addressed object does not exist (or the caller may not know that it does)."""

    code = "NOT_FOUND"


class WorkspaceNotFound(NotFound):
    pass


class ModelNotFound(NotFound):
    pass


class VersionNotFound(NotFound):
    pass


class ArtifactNotFound(NotFound):
    """A generic artifact (dataset, plot, ...) or one of its versions."""


class SubjectNotFound(NotFound):
    pass


class TokenNotFound(NotFound):
    pass


class AlreadyExists(RegistryError):
    """Creating something whose unique key is taken."""

    code = "ALREADY_EXISTS"


class FailedPrecondition(RegistryError):
    """The object is not in a state that allows the operation."""

    code = "FAILED_PRECONDITION"


class PayloadTooLarge(RegistryError):
    code = "PAYLOAD_TOO_LARGE"


class ResourceExhausted(RegistryError):
    code = "RESOURCE_EXHAUSTED"


class DeadlineExceeded(RegistryError):
    """The server's own work took longer than allowed (e.g. a database statement)."""

    code = "DEADLINE_EXCEEDED"


class Unavailable(RegistryError):
    """A dependency (the database) does not answer; retrying later may work."""

    code = "UNAVAILABLE"


def all_error_classes() -> list[type[RegistryError]]:
    """Every error class, for documentation checks and wire mappings."""
    seen: list[type[RegistryError]] = [RegistryError]
    stack = [RegistryError]
    while stack:
        for sub in stack.pop().__subclasses__():
            seen.append(sub)
            stack.append(sub)
    return seen
