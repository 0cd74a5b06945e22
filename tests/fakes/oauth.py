"""FakeOAuthGateway: MercadoLibre's OAuth server in memory (mercadolibre-api.md §1).

It is held to the same contract suite as AiohttpOAuthGateway on the sandbox
(tests/contracts/test_oauth_gateway.py).
"""

from __future__ import annotations

import asyncio
import secrets
from datetime import datetime, timedelta
from urllib.parse import urlencode

import attrs

from application.errors import InvalidGrant, Unauthorized
from application.ports.clock import Clock
from application.ports.oauth import SellerProfile
from domain.accounts import TokenPair
from domain.sites import site

CLIENT_ID = "1000000000000001"
REDIRECT_URI = "http://localhost:8012/auth/callback"
SCOPE = "offline_access read write"
# §12.1: an authorization code lives minutes [INF: 10].
CODE_TTL = timedelta(minutes=10)


@attrs.define(frozen=True)
class _Code:
    user_id: int
    verifier: str
    expires_at: datetime


class FakeOAuthGateway:
    """The OAuth rules of §1.2-§1.3: a code works once (and is spent by a failed exchange
    too), within minutes, with its PKCE verifier; a refresh token is single use and only
    the latest one issued to a user is valid; an access token is known until it expires
    or the user's grant is revoked, and `profile` refuses any other with Unauthorized.

    Test controls: `issue_code` (the seller's consent), `grant` (a pair as if a code had
    just been exchanged), `revoke` (the seller revokes the grant, §1.3), `profiles` by
    user id, `latency` of a refresh, and the counts `exchange_calls`, `refresh_calls`.
    """

    def __init__(self, clock: Clock, expires_in: int = 21600, latency: float = 0.0) -> None:
        self._clock = clock
        self.expires_in = expires_in
        self.latency = latency
        self.codes: dict[str, _Code] = {}
        self.latest_refresh: dict[int, str] = {}
        self.access: dict[str, tuple[int, datetime]] = {}  # token -> (user_id, expires_at)
        self.profiles: dict[int, SellerProfile] = {}
        self.refresh_calls = 0
        self.exchange_calls = 0

    # -- the test's side ------------------------------------------------------------------

    def issue_code(
        self, user_id: int, verifier: str, nickname: str = "SELLER", site_id: str = "MLA"
    ) -> str:
        """The consent click (§1.1): a `TG-<hex>-<user_id>` code for the verifier's
        challenge."""
        code = f"TG-{secrets.token_hex(12)}-{user_id}"
        self.codes[code] = _Code(user_id, verifier, self._clock.now() + CODE_TTL)
        self.profiles[user_id] = SellerProfile(user_id, nickname, site_id)
        return code

    def grant(self, user_id: int) -> TokenPair:
        """A new pair for the user, as an exchange issues it: the previous refresh token
        of the user is dead from now on."""
        refresh = f"TG-{secrets.token_hex(12)}-{user_id}"
        access = f"APP_USR-{CLIENT_ID}-{secrets.token_hex(16)}-{user_id}"
        self.latest_refresh[user_id] = refresh
        now = self._clock.now()
        self.access[access] = (user_id, now + timedelta(seconds=self.expires_in))
        self.profiles.setdefault(user_id, SellerProfile(user_id, f"USER{user_id}", "MLA"))
        return TokenPair.issued(access, refresh, self.expires_in, now, SCOPE, user_id)

    def revoke(self, user_id: int) -> None:
        self.latest_refresh.pop(user_id, None)
        for token in [t for t, (owner, _) in self.access.items() if owner == user_id]:
            del self.access[token]
        for code in [c for c, issued in self.codes.items() if issued.user_id == user_id]:
            del self.codes[code]

    # -- the port -------------------------------------------------------------------------

    def authorization_url(self, site_id: str, state: str, code_challenge: str) -> str:
        query = urlencode(
            {
                "response_type": "code",
                "client_id": CLIENT_ID,
                "redirect_uri": REDIRECT_URI,
                "state": state,
                "code_challenge": code_challenge,
                "code_challenge_method": "S256",
            }
        )
        return f"{site(site_id).authorization_url}?{query}"

    async def exchange_code(self, code: str, code_verifier: str) -> TokenPair:
        self.exchange_calls += 1
        issued = self.codes.pop(code, None)
        if (
            issued is None
            or issued.verifier != code_verifier
            or issued.expires_at <= self._clock.now()
        ):
            raise InvalidGrant("invalid code or verifier")
        return self.grant(issued.user_id)

    async def refresh(self, refresh_token: str) -> TokenPair:
        self.refresh_calls += 1
        await asyncio.sleep(self.latency)
        owner = next(
            (user for user, latest in self.latest_refresh.items() if latest == refresh_token),
            None,
        )
        if owner is None:
            raise InvalidGrant("refresh token invalid, revoked or already used")
        return self.grant(owner)

    async def profile(self, access_token: str) -> SellerProfile:
        known = self.access.get(access_token)
        if known is None or known[1] <= self._clock.now():
            raise Unauthorized("401 to GET /users/me: invalid access token")
        return self.profiles[known[0]]
