"""Calls on behalf of a connected account: the one path every account call takes.

Each call takes the account's token from the AccessTokenSource and, on a 401, asks it to
renew that token and tries once more (§2.2: key on the status, refresh once, retry
once); a second 401 is Unauthorized. Retrying after a 401 is safe for any method:
MercadoLibre processed nothing. Below it, the client's rate limiter, retries and error
translation.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from adapters.mercadolibre.client import MeliResponse, MercadoLibreClient, Params, Upload
from application.errors import Unauthorized
from application.ports.oauth import AccessTokenSource


class AccountCalls:
    def __init__(self, client: MercadoLibreClient, tokens: AccessTokenSource) -> None:
        self.client = client
        self._tokens = tokens

    async def get(
        self,
        account_id: int,
        path: str,
        params: Params | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        """The body of GET `path` with the account's token."""
        return (await self.call(account_id, "GET", path, params=params, headers=headers)).body

    async def send(
        self,
        account_id: int,
        method: str,
        path: str,
        body: Any,
        *,
        idempotent: bool | None = None,
    ) -> Any:
        """The body of the answer to a write with a JSON body."""
        response = await self.call(account_id, method, path, json_body=body, idempotent=idempotent)
        return response.body

    async def call(
        self,
        account_id: int,
        method: str,
        path: str,
        *,
        params: Params | None = None,
        json_body: Any = None,
        upload: Upload | None = None,
        idempotent: bool | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> MeliResponse:
        token = await self._tokens.access_token(account_id)
        options: dict[str, Any] = {
            "params": params,
            "json_body": json_body,
            "upload": upload,
            "idempotent": idempotent,
            "headers": headers,
            "account_id": account_id,
        }
        try:
            return await self.client.request(method, path, token=token, **options)
        except Unauthorized:
            token = await self._tokens.renew_rejected(account_id, token)
        return await self.client.request(method, path, token=token, **options)
