"""Start connecting a seller: the OAuth 2.0 authorization-code flow with PKCE (§1).

`StartConnect` makes a single-use, expiring `state` and a PKCE S256 challenge and gives the
consent URL of the site's authorization host; CompleteConnect takes the redirect back.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from datetime import datetime, timedelta

import attrs

from application.errors import (
    FieldProblem,
    ValidationFailed,
)
from application.ports.clock import Clock
from application.ports.crypto import TokenCipher
from application.ports.oauth import OAuthGateway
from application.ports.unit_of_work import UnitOfWorkFactory
from domain.accounts import (
    AuthorizationRequest,
)
from domain.errors import UnknownSite
from domain.sites import site

STATE_TTL = timedelta(minutes=10)


def pkce_pair() -> tuple[str, str]:
    """A code verifier and its S256 challenge (RFC 7636, §1.4)."""
    verifier = secrets.token_urlsafe(64)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@attrs.define(frozen=True)
class ConnectStart:
    authorization_url: str
    state: str
    site_id: str
    expires_at: datetime


class StartConnect:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        oauth: OAuthGateway,
        cipher: TokenCipher,
        clock: Clock,
        default_site_id: str,
        ttl: timedelta = STATE_TTL,
    ) -> None:
        self._uow = uow
        self._oauth = oauth
        self._cipher = cipher
        self._clock = clock
        self._default_site_id = default_site_id
        self._ttl = ttl

    async def __call__(self, site_id: str | None = None) -> ConnectStart:
        site_id = (site_id or self._default_site_id).upper()
        try:
            site(site_id)
        except UnknownSite as error:
            raise ValidationFailed([FieldProblem("site_id", error.reason)]) from None
        now = self._clock.now()
        state = secrets.token_urlsafe(32)
        verifier, challenge = pkce_pair()
        request = AuthorizationRequest(
            state=state,
            site_id=site_id,
            sealed_code_verifier=self._cipher.encrypt(verifier),
            created_at=now,
            expires_at=now + self._ttl,
        )
        async with self._uow() as uow:
            await uow.authorization_requests.purge_expired(now)
            await uow.authorization_requests.add(request)
            await uow.commit()
        url = self._oauth.authorization_url(site_id, state, challenge)
        return ConnectStart(url, state, site_id, request.expires_at)
