from __future__ import annotations

from typing import Any

from adapters.mercadolibre.client import MeliResponse, MercadoLibreClient, Params
from adapters.mercadolibre.converter import structure
from adapters.mercadolibre.listings import ListingCalls
from adapters.mercadolibre.realtime import RealtimeCalls
from adapters.mercadolibre.wire import UserAnswer
from application.errors import Unauthorized
from application.ports.oauth import AccessTokenSource, SellerProfile


class AiohttpMarketplace(ListingCalls, RealtimeCalls):
    """Marketplace over HTTP: calls made on behalf of a connected account.

    Every call goes through `_call`, which takes the account's token from the
    AccessTokenSource and, on a 401, asks it to renew that token and tries once more
    (§2.2: key on the status, refresh once, retry once); a second 401 is Unauthorized.
    Retrying after a 401 is safe for any method: MercadoLibre processed nothing. The
    resource methods only build the path, call `_get` / `_send`, and structure the
    answer with the MercadoLibre converter.
    """

    def __init__(self, client: MercadoLibreClient, tokens: AccessTokenSource) -> None:
        self._client = client
        self._tokens = tokens

    async def seller_profile(self, account_id: int) -> SellerProfile:
        """§3: GET /users/me with the account's token."""
        body = await self._get(account_id, "/users/me")
        user = structure(body, UserAnswer, "GET /users/me")
        return SellerProfile(user.id, user.nickname, user.site_id, user.email)

    async def _get(self, account_id: int, path: str, params: Params | None = None) -> Any:
        return (await self._call(account_id, "GET", path, params=params)).body

    async def _send(
        self,
        account_id: int,
        method: str,
        path: str,
        body: Any,
        *,
        idempotent: bool | None = None,
    ) -> Any:
        response = await self._call(account_id, method, path, json_body=body, idempotent=idempotent)
        return response.body

    async def _call(
        self,
        account_id: int,
        method: str,
        path: str,
        *,
        params: Params | None = None,
        json_body: Any = None,
        idempotent: bool | None = None,
    ) -> MeliResponse:
        token = await self._tokens.access_token(account_id)
        try:
            return await self._client.request(
                method, path, token=token, params=params, json_body=json_body, idempotent=idempotent
            )
        except Unauthorized:
            token = await self._tokens.renew_rejected(account_id, token)
        return await self._client.request(
            method, path, token=token, params=params, json_body=json_body, idempotent=idempotent
        )
