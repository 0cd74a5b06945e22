from __future__ import annotations

from urllib.parse import urlencode

from adapters.mercadolibre.client import MercadoLibreClient
from adapters.mercadolibre.converter import structure
from adapters.mercadolibre.wire import TokenAnswer, UserAnswer
from application.errors import Unavailable
from application.ports.clock import Clock
from application.ports.oauth import SellerProfile
from domain.accounts import TokenPair
from domain.errors import InvalidValue
from domain.sites import site

TOKEN_PATH = "/oauth/token"


class AiohttpOAuthGateway:
    """OAuthGateway over HTTP (mercadolibre-api.md §1).

    The token endpoint takes its parameters form-encoded in the body, never in the
    query (§1.2). Neither exchange is idempotent: a code works once and a refresh token
    is single use (§1.3), so both are POSTs the client retries only when MercadoLibre
    surely did not process them (a 429, or a connection never established). A refresh
    whose answer was lost raises Unavailable instead of being sent again, which would
    burn the token the lost answer replaced.
    """

    def __init__(
        self,
        client: MercadoLibreClient,
        *,
        client_id: str,
        client_secret: str,
        redirect_uri: str,
        clock: Clock,
        auth_url: str | None = None,
    ) -> None:
        self._client = client
        self._client_id = client_id
        self._client_secret = client_secret
        self._redirect_uri = redirect_uri
        self._clock = clock
        self._auth_url = auth_url.rstrip("/") if auth_url else None

    def authorization_url(self, site_id: str, state: str, code_challenge: str) -> str:
        """The site's consent page (§1.1), or `{auth_url}/authorization` when MELI_AUTH_URL
        points somewhere else (the sandbox); PKCE with S256 (§1.4)."""
        page = site(site_id).authorization_url
        if self._auth_url is not None:
            page = f"{self._auth_url}/authorization"
        query = urlencode(
            {
                "response_type": "code",
                "client_id": self._client_id,
                "redirect_uri": self._redirect_uri,
                "state": state,
                "code_challenge": code_challenge,
                "code_challenge_method": "S256",
            }
        )
        return f"{page}?{query}"

    async def exchange_code(self, code: str, code_verifier: str) -> TokenPair:
        return await self._token(
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": self._redirect_uri,
                "code_verifier": code_verifier,
            },
            secrets=(code, code_verifier),
        )

    async def refresh(self, refresh_token: str) -> TokenPair:
        return await self._token(
            {"grant_type": "refresh_token", "refresh_token": refresh_token},
            secrets=(refresh_token,),
        )

    async def profile(self, access_token: str) -> SellerProfile:
        response = await self._client.request("GET", "/users/me", token=access_token)
        user = structure(response.body, UserAnswer, "GET /users/me")
        return SellerProfile(user.id, user.nickname, user.site_id, user.email)

    async def _token(self, form: dict[str, str], secrets: tuple[str, ...]) -> TokenPair:
        response = await self._client.request(
            "POST",
            TOKEN_PATH,
            form={**form, "client_id": self._client_id, "client_secret": self._client_secret},
            idempotent=False,
            secrets=(*secrets, self._client_secret),
        )
        answer = structure(response.body, TokenAnswer, f"POST {TOKEN_PATH}")
        try:
            # §1.2: the lifetime is whatever expires_in says, never a constant.
            return TokenPair.issued(
                access_token=answer.access_token,
                refresh_token=answer.refresh_token,
                expires_in=answer.expires_in,
                now=self._clock.now(),
                scope=answer.scope,
                user_id=answer.user_id,
            )
        except InvalidValue as error:
            raise Unavailable(
                f"MercadoLibre answered POST {TOKEN_PATH} with an unusable token: {error}"
            ) from None
