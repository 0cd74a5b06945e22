"""MercadoLibre's OAuth server and the source of access tokens (mercadolibre-api.md §1).

Every method raises the port-level errors of application.errors, never HTTP or driver
errors; InvalidGrant is the OAuth server's refusal of a code or a refresh token.
"""

from __future__ import annotations

from typing import Protocol

import attrs

from domain.accounts import TokenPair


@attrs.define(frozen=True)
class SellerProfile:
    """Who a token belongs to (GET /users/me, §3)."""

    user_id: int
    nickname: str
    site_id: str
    email: str | None = None


class OAuthGateway(Protocol):
    """The OAuth 2.0 side of MercadoLibre (§1)."""

    def authorization_url(self, site_id: str, state: str, code_challenge: str) -> str:
        """The consent page of the site's authorization host (§1.1), with PKCE S256 (§1.4).
        Raises UnknownSite."""
        ...

    async def exchange_code(self, code: str, code_verifier: str) -> TokenPair:
        """Trade an authorization code for a token pair (§1.2). Raises InvalidGrant. Not
        idempotent: a code works once."""
        ...

    async def refresh(self, refresh_token: str) -> TokenPair:
        """Trade a refresh token for a new pair (§1.3). The old refresh token is dead
        afterwards, so the caller must store the new pair before anything else. Raises
        InvalidGrant. Never retried blindly: a lost answer would burn the token."""
        ...

    async def profile(self, access_token: str) -> SellerProfile:
        """The token owner's profile (§3), for an account that is not stored yet."""
        ...


class AccessTokenSource(Protocol):
    """Where the gateway gets an account's access token (the token vault)."""

    async def access_token(self, account_id: int) -> str:
        """A valid access token, refreshed first if it expires soon. Raises
        ReauthorizationRequired, NotFound, LockTimeout."""
        ...

    async def renew_rejected(self, account_id: int, rejected_token: str) -> str:
        """MercadoLibre answered 401 to `rejected_token`: refresh unless another process
        already did, and return the token to retry with."""
        ...
