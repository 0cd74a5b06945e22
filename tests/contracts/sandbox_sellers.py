"""The sandbox side of the gateway contract suites (test_listing_gateway.py,
test_marketplace.py, test_oauth_gateway.py).

One sandbox per module (the `gateway_sandbox` fixture of conftest.py), shared by every
test of the module: each test works with sellers of its own, created through the admin
API, so tests never see each other's listings, orders or questions.
"""

from __future__ import annotations

import itertools
from typing import Any

import aiohttp

from adapters.local.ratelimit import LocalRateLimiter
from adapters.mercadolibre import MercadoLibreClient, RetryPolicy
from application.ports.rate_limiter import RateLimits
from sandbox.testing import RunningSandbox

# No rate limit, no optimistic-lock window (§2.5: the 409 has tests of its own in
# tests/integration), and no demo catalogue or sales: each test seeds what it reads.
SANDBOX_OPTIONS: dict[str, Any] = {
    "rate_limit": 0,
    "optimistic_lock_window": 0,
    "items_per_seller": 0,
    "orders_per_seller": 0,
    "questions_per_seller": 0,
}
_account_ids = itertools.count(1000)


async def no_wait(seconds: float) -> None:
    return None


def gateway_client(sandbox: RunningSandbox, session: aiohttp.ClientSession) -> MercadoLibreClient:
    return MercadoLibreClient(
        session,
        LocalRateLimiter(RateLimits(per_second=0)),
        api_url=sandbox.url,
        retry=RetryPolicy(max_attempts=2),
        sleep=no_wait,
    )


class SandboxSellers:
    """New sellers on the sandbox, each one an account of ours, and the AccessTokenSource
    the gateways take their tokens from (one authorization-code dance per account)."""

    def __init__(self, sandbox: RunningSandbox) -> None:
        self.sandbox = sandbox
        self.users: dict[int, dict[str, Any]] = {}
        self._tokens: dict[int, str] = {}

    async def new_seller(self, site_id: str = "MLA") -> tuple[int, dict[str, Any]]:
        """(our account id, the sandbox user `{id, nickname, site_id}`)."""
        user = await self.sandbox.admin("POST", "/users", {"site_id": site_id})
        account_id = next(_account_ids)
        self.users[account_id] = user
        return account_id, user

    async def access_token(self, account_id: int) -> str:
        if account_id not in self._tokens:
            answer = await self.sandbox.token_for(self.users[account_id]["id"])
            self._tokens[account_id] = answer["access_token"]
        return self._tokens[account_id]

    async def renew_rejected(self, account_id: int, rejected_token: str) -> str:
        self._tokens.pop(account_id, None)
        return await self.access_token(account_id)

    async def call(
        self, account_id: int, method: str, path: str, **request: Any
    ) -> dict[str, Any] | list[Any]:
        """A raw API call as the account's seller (for what no gateway under test does);
        answers the JSON body, raises on an error status."""
        headers = {"Authorization": f"Bearer {await self.access_token(account_id)}"}
        async with (
            aiohttp.ClientSession() as http,
            http.request(method, self.sandbox.url + path, headers=headers, **request) as response,
        ):
            body = await response.json()
            if response.status >= 400:
                raise RuntimeError(f"{method} {path} refused ({response.status}): {body}")
            return body  # type: ignore[no-any-return]
