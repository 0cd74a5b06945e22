"""Schemathesis hooks for tests/e2e/test_openapi_conformance.py (SCHEMATHESIS_HOOKS).

A generated callback URL may name any host, a public one too: before the request is
sent, a well-formed one is pointed at a port on this machine (SCHEMATHESIS_CALLBACK_ORIGIN),
so that a subscription the fuzzing registers never delivers anywhere else. Malformed
URLs go as generated: they are what the service must refuse.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit, urlunsplit

import schemathesis

ORIGIN = urlsplit(os.environ.get("SCHEMATHESIS_CALLBACK_ORIGIN", "http://127.0.0.1:9"))


@schemathesis.hook
def before_call(context, case, kwargs):
    if case.operation.path != "/webhooks/register" or not isinstance(case.body, dict):
        return
    url = case.body.get("callback_url")
    if not isinstance(url, str):
        return
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return
    if parts.scheme in ("http", "https") and host:
        case.body["callback_url"] = urlunsplit(
            (ORIGIN.scheme, ORIGIN.netloc, parts.path, parts.query, parts.fragment)
        )
