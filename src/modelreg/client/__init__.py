"""The modelreg Python SDK: a thin, synchronous client of the native REST API.

    from modelreg import Client

    reg = Client()  # MODELREG_URL / MODELREG_TOKEN, the CLI config, else http://127.0.0.1:8080
    v = reg.push("./model", model="fraud", alias="champion", metrics={"auc": 0.93})
    reg.pull("fraud@champion", "./out")
    for v in reg.search_versions("tags.team = 'risk' AND metrics.auc > 0.91"):
        print(v["fqn"])

Every non-2xx answer raises the :mod:`modelreg.errors` class of the envelope's ``code``,
with the server's ``details``, ``request_id`` and HTTP ``status``. Listings return a lazy
:class:`Pager` (items as you iterate; ``.pages()`` for whole pages with their totals).
"""

from __future__ import annotations

from modelreg.client._http import DEFAULT_URL, DEFAULT_WORKSPACE, ChecksumMismatch
from modelreg.client._pager import Page, Pager
from modelreg.client.client import Client
from modelreg.client.refs import VersionRef, parse_ref
from modelreg.client.uploads import Progress, PushInterrupted

__all__ = [
    "DEFAULT_URL",
    "DEFAULT_WORKSPACE",
    "ChecksumMismatch",
    "Client",
    "Page",
    "Pager",
    "Progress",
    "PushInterrupted",
    "VersionRef",
    "parse_ref",
]
