"""The dashboard's sign-in: an API key typed into a form buys a signed session cookie.

The cookie holds an expiry and a fingerprint of the key (an HMAC of it, which reveals
nothing of the key), signed with the session secret (MELI_SESSION_SECRET). It is
HttpOnly (no script reads it), SameSite=Strict (no other site's page sends it, so no
cross-site request forgery) and Secure when the request came over HTTPS (its scheme, or
X-Forwarded-Proto from a proxy). A session ends when it expires, when the user signs
out, or when its key is no longer accepted (removing a key signs out its sessions).
"""

from __future__ import annotations

import hashlib
import hmac
import time

import attrs
from aiohttp import web

from entrypoints.api_keys import ApiKeys

COOKIE = "meli_session"
LIFETIME_SECONDS = 12 * 3600


@attrs.define(frozen=True)
class SessionSigner:
    secret: str = attrs.field(repr=False)
    api_keys: ApiKeys = attrs.field(repr=False)

    def _mac(self, text: str) -> str:
        return hmac.new(self.secret.encode(), text.encode(), hashlib.sha256).hexdigest()

    def _fingerprint(self, key: str) -> str:
        return self._mac(f"key:{key}")[:32]

    def issue(self, key: str, now: float | None = None) -> str:
        """A cookie value for an accepted key."""
        expires = int((now if now is not None else time.time()) + LIFETIME_SECONDS)
        body = f"{expires}.{self._fingerprint(key)}"
        return f"{body}.{self._mac(body)}"

    def valid(self, value: str | None, now: float | None = None) -> bool:
        if not value or len(value) > 200:
            return False
        body, _, signature = value.rpartition(".")
        expires, _, fingerprint = body.partition(".")
        if not hmac.compare_digest(self._mac(body).encode(), signature.encode("utf-8", "replace")):
            return False
        if not expires.isdigit() or int(expires) <= (now if now is not None else time.time()):
            return False
        matched = False
        for key in self.api_keys.keys:
            matched |= hmac.compare_digest(self._fingerprint(key), fingerprint)
        return matched


def over_https(request: web.Request) -> bool:
    forwarded = request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower()
    return request.scheme == "https" or forwarded == "https"


def set_session(response: web.StreamResponse, request: web.Request, value: str) -> None:
    response.set_cookie(
        COOKIE,
        value,
        max_age=LIFETIME_SECONDS,
        path="/dashboard",
        httponly=True,
        samesite="Strict",
        secure=over_https(request),
    )


def clear_session(response: web.StreamResponse, request: web.Request) -> None:
    response.del_cookie(
        COOKIE, path="/dashboard", httponly=True, samesite="Strict", secure=over_https(request)
    )
