"""The local CLI config: where the server is and which token to send.

One JSON file, ``$MODELREG_CONFIG`` or ``~/.config/modelreg/config.json``
(``$XDG_CONFIG_HOME`` respected), written with mode 0600 because it holds a secret.
``modelreg serve`` writes the bootstrap admin token here; the SDK and CLI read it when
``MODELREG_URL`` / ``MODELREG_TOKEN`` are not set.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class CliConfig:
    url: str | None = None
    token: str | None = None


def cli_config_path() -> Path:
    """Where the CLI config lives on this machine."""
    explicit = os.environ.get("MODELREG_CONFIG")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "modelreg" / "config.json"


def load_cli_config(path: Path | None = None) -> CliConfig:
    """The saved config, or an empty one when there is none or it is unreadable."""
    path = path or cli_config_path()
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return CliConfig()
    if not isinstance(raw, dict):
        return CliConfig()
    url, token = raw.get("url"), raw.get("token")
    return CliConfig(
        url if isinstance(url, str) else None, token if isinstance(token, str) else None
    )


def save_cli_config(config: CliConfig, path: Path | None = None) -> Path:
    """Write the config atomically, readable by its owner only (0600)."""
    path = path or cli_config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump({"url": config.url, "token": config.token}, f, indent=2)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)
    return path
