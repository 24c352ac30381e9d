"""Short references to a version, as users type them: ``fraud@champion``, ``fraud:3``,
``fraud`` (its latest), or a full FQN ``model:{workspace}/{model}:{number|alias|latest}``."""

from __future__ import annotations

from dataclasses import dataclass

from modelreg import errors


@dataclass(frozen=True)
class VersionRef:
    """A version named by workspace, model and a number, alias or ``latest``."""

    workspace: str
    model: str
    version: str

    @property
    def fqn(self) -> str:
        """The server's fully qualified name for it."""
        return f"model:{self.workspace}/{self.model}:{self.version}"


# The artifact types an FQN may start with besides ``model`` (the registry's own models).
ARTIFACT_TYPES = frozenset({"artifact", "dataset", "plot", "image", "chat_prompt"})


def is_artifact_fqn(ref: str) -> bool:
    """``{type}:{workspace}/{name}:{version}`` of a generic artifact version."""
    kind, sep, rest = ref.partition(":")
    return bool(sep) and kind in ARTIFACT_TYPES and "/" in rest


def parse_ref(ref: str, workspace: str = "default") -> VersionRef:
    """Read a reference; short forms live in ``workspace``.

    Model names cannot contain '/', so a reference is an FQN exactly when it starts with
    ``model:`` and has a '/'. Otherwise the last '@' marks an alias and the last ':' a
    number (or alias, or ``latest``); with neither, it is the model's latest version."""
    if ref.startswith("model:") and "/" in ref:
        ws, sep, rest = ref.removeprefix("model:").partition("/")
        model, colon, version = rest.rpartition(":")
        if not (ws and sep and colon and model and version):
            raise errors.InvalidArgument(
                f"invalid FQN {ref!r}: expected model:<workspace>/<model>:<version|alias>",
                {"ref": ref},
            )
        return VersionRef(ws, model, version)
    mark = "@" if "@" in ref else ":" if ":" in ref else None
    if mark is None:
        if ref:
            return VersionRef(workspace, ref, "latest")
    else:
        model, _, version = ref.rpartition(mark)
        if model and version:
            return VersionRef(workspace, model, version)
    raise errors.InvalidArgument(
        f"invalid version reference {ref!r}: use model@alias, model:number, model or an FQN",
        {"ref": ref},
    )
