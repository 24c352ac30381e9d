"""The modelreg Python SDK: a thin, synchronous client of the native REST API.

    from modelreg import Client

    reg = Client()  # MODELREG_URL / MODELREG_TOKEN, else http://127.0.0.1:8080
    v = reg.push("./model", model="fraud", alias="champion", metrics={"auc": 0.93})
    reg.pull("fraud@champion", "./out")

Every non-2xx answer raises the :mod:`modelreg.errors` class of the envelope's ``code``,
with the server's ``details``, ``request_id`` and HTTP ``status``.
"""

from __future__ import annotations

from modelreg.client.client import DEFAULT_URL, ChecksumMismatch, Client

__all__ = ["DEFAULT_URL", "ChecksumMismatch", "Client"]
