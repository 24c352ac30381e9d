"""modelreg: a self-hostable model registry."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from modelreg.client import Client

__version__ = "0.1.0"

__all__ = ["Client", "__version__"]


def __getattr__(name: str) -> Any:
    # Lazy: the server never pays for the SDK's imports.
    if name == "Client":
        from modelreg.client import Client

        return Client
    raise AttributeError(f"module 'modelreg' has no attribute {name!r}")
