"""AiohttpMarketplace and the HTTP core against the sandbox over real HTTP on loopback:
tokens and the 401 retry, 429 storms, 5xx and dropped connections, error translation
(ref: mercadolibre-api.md §2, §3, §4.11, §12)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import pytest
from prometheus_client import CollectorRegistry

from adapters.local.ratelimit import LocalRateLimiter
from adapters.mercadolibre import (
    AccountCalls,
    AiohttpMarketplace,
    AiohttpOAuthGateway,
    MercadoLibreClient,
    RetryPolicy,
    create_session,
)
from adapters.metrics.gateway import GatewayMetrics
from adapters.system.clock import SystemClock
from application.errors import (
    FieldProblem,
    Forbidden,
    NotFound,
    Unauthorized,
    Unavailable,
    ValidationFailed,
)
from application.ports.rate_limiter import RateLimits
from sandbox.testing import RunningSandbox, running_sandbox

MLA_ITEM = {
    "title": "Item de test - No Ofertar",
    "category_id": "MLA3530",
    "price": 350,
    "currency_id": "ARS",
    "available_quantity": 10,
    "buying_mode": "buy_it_now",
    "condition": "new",
    "listing_type_id": "gold_special",
    "sale_terms": [
        {"id": "WARRANTY_TYPE", "value_name": "Garantía del vendedor"},
        {"id": "WARRANTY_TIME", "value_name": "90 días"},
    ],
    "pictures": [{"source": "http://mla-s2-p.mlstatic.com/968521-MLA20805195516_072016-O.jpg"}],
    "attributes": [
        {"id": "BRAND", "value_name": "Marca del producto"},
        {"id": "EAN", "value_name": "7898095297749"},
    ],
}
ACCOUNT = 7


class Recorder(list):
    async def __call__(self, seconds: float) -> None:
        self.append(seconds)


class FakeTokens:
    """An AccessTokenSource that counts its calls; `renew` says what renew_rejected does."""

    def __init__(self, token: str, renew: Callable[[], Awaitable[str]]) -> None:
        self.token = token
        self.renew = renew
        self.asked: list[int] = []
        self.rejected: list[tuple[int, str]] = []

    async def access_token(self, account_id: int) -> str:
        self.asked.append(account_id)
        return self.token

    async def renew_rejected(self, account_id: int, rejected_token: str) -> str:
        self.rejected.append((account_id, rejected_token))
        self.token = await self.renew()
        return self.token


@pytest.fixture
async def sandbox() -> AsyncIterator[RunningSandbox]:
    async with running_sandbox(rate_limit=0, optimistic_lock_window=0) as sb:
        yield sb


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    session = create_session()
    yield session
    await session.close()


@pytest.fixture
def sleeps() -> Recorder:
    return Recorder()


@pytest.fixture
def registry() -> CollectorRegistry:
    return CollectorRegistry()


@pytest.fixture
def client(sandbox, session, sleeps, registry) -> MercadoLibreClient:
    return MercadoLibreClient(
        session,
        LocalRateLimiter(RateLimits(per_second=0)),
        api_url=sandbox.url,
        retry=RetryPolicy(max_attempts=5),
        metrics=GatewayMetrics(registry),
        sleep=sleeps,
    )


@pytest.fixture
async def seller(sandbox) -> dict[str, Any]:
    """The first demo seller, with a fresh token pair."""
    seller = sandbox.sellers[0]
    return {**seller, "tokens": await sandbox.token_for(seller["id"])}


@pytest.fixture
def tokens(sandbox, seller) -> FakeTokens:
    async def reconnect() -> str:
        return (await sandbox.token_for(seller["id"]))["access_token"]

    return FakeTokens(seller["tokens"]["access_token"], reconnect)


@pytest.fixture
def marketplace(client, tokens) -> AiohttpMarketplace:
    return AiohttpMarketplace(AccountCalls(client, tokens))


async def admin(sandbox: RunningSandbox, method: str, path: str, body: Any = None) -> Any:
    async with aiohttp.ClientSession() as s, s.request(method, sandbox.url + path, json=body) as r:
        assert r.status < 300, await r.text()
        return await r.json()


async def calls(sandbox: RunningSandbox, route: str | None = None) -> int:
    stats = await admin(sandbox, "GET", "/_sandbox/stats")
    return stats["total"] if route is None else stats["calls"].get(route, 0)


async def fault(sandbox: RunningSandbox, **rule: Any) -> None:
    await admin(sandbox, "POST", "/_sandbox/faults", rule)


# -- seller_profile and the token source (§3, §2.2) ---------------------------------------


async def test_the_seller_profile_is_read_with_the_accounts_token(marketplace, seller, tokens):
    profile = await marketplace.seller_profile(ACCOUNT)
    assert (profile.user_id, profile.nickname, profile.site_id) == (
        seller["id"],
        seller["nickname"],
        seller["site_id"],
    )
    assert tokens.asked == [ACCOUNT]
    assert tokens.rejected == []


async def test_a_revoked_token_is_renewed_and_the_call_retried_once(
    marketplace, sandbox, seller, tokens
):
    """§2.2: key on 401, renew once, retry once."""
    rejected = tokens.token
    await admin(sandbox, "POST", "/_sandbox/tokens/revoke", {"user_id": seller["id"]})
    await admin(sandbox, "POST", "/_sandbox/stats/reset")
    profile = await marketplace.seller_profile(ACCOUNT)
    assert profile.user_id == seller["id"]
    assert tokens.rejected == [(ACCOUNT, rejected)]
    assert tokens.token != rejected
    assert await calls(sandbox, "GET /users/me") == 2


async def test_an_expired_token_is_renewed_with_the_refresh_token(client, sandbox, seller, session):
    """The vault's path: the token expired on the server (§1.2), renew_rejected refreshes
    it through the OAuth gateway (§1.3), the call goes through."""
    oauth = AiohttpOAuthGateway(
        client,
        client_id=sandbox.config.client_id,
        client_secret=sandbox.config.client_secret,
        redirect_uri=sandbox.config.redirect_uri,
        clock=SystemClock(),
    )
    refresh_token = seller["tokens"]["refresh_token"]

    async def refresh() -> str:
        return (await oauth.refresh(refresh_token)).access_token

    tokens = FakeTokens(seller["tokens"]["access_token"], refresh)
    await admin(sandbox, "POST", "/_sandbox/clock/advance", {"seconds": 21_601})
    profile = await AiohttpMarketplace(AccountCalls(client, tokens)).seller_profile(ACCOUNT)
    assert profile.user_id == seller["id"]
    assert len(tokens.rejected) == 1


async def test_a_second_401_is_unauthorized(client, sandbox, seller):
    async def still_bad() -> str:
        return "APP_USR-1000000000000001-010101-00000000000000000000000000000000-1"

    tokens = FakeTokens("not-a-token", still_bad)
    await admin(sandbox, "POST", "/_sandbox/stats/reset")
    with pytest.raises(Unauthorized, match="401 to GET /users/me"):
        await AiohttpMarketplace(AccountCalls(client, tokens)).seller_profile(ACCOUNT)
    assert len(tokens.rejected) == 1
    assert await calls(sandbox, "GET /users/me") == 2


# -- storms, server errors, drops (§2.4, §12.3) ----------------------------------------------


async def test_a_429_storm_is_ridden_out_honouring_retry_after(marketplace, sandbox, sleeps):
    await admin(sandbox, "PATCH", "/_sandbox/config", {"retry_after_header": True})
    await admin(sandbox, "POST", "/_sandbox/stats/reset")
    await fault(sandbox, path="/users/me", status=429, count=3)
    await marketplace.seller_profile(ACCOUNT)
    assert await calls(sandbox, "GET /users/me") == 4
    assert sleeps == [1.0, 1.0, 1.0]


async def test_the_sandbox_rate_limit_is_ridden_out_by_backoff(sandbox, session, tokens):
    """A real limit on the server (20 per second, no burst) and concurrent callers that do
    not pace themselves: 429s come back and the full-jitter backoff absorbs them."""
    await admin(sandbox, "PATCH", "/_sandbox/config", {"rate_limit": 20, "burst": 1})
    await admin(sandbox, "POST", "/_sandbox/stats/reset")
    client = MercadoLibreClient(
        session,
        LocalRateLimiter(RateLimits(per_second=0)),
        api_url=sandbox.url,
        retry=RetryPolicy(max_attempts=12, base=0.05, cap=0.4),
    )
    marketplace = AiohttpMarketplace(AccountCalls(client, tokens))
    profiles = await asyncio.gather(*(marketplace.seller_profile(ACCOUNT) for _ in range(8)))
    assert len(profiles) == 8
    assert await calls(sandbox, "GET /users/me") > 8


async def test_a_shared_limiter_at_the_servers_rate_sees_no_429(sandbox, session, tokens):
    """The same burst, paced by our own limiter at the sandbox's limit: not one 429."""
    await admin(sandbox, "PATCH", "/_sandbox/config", {"rate_limit": 20, "burst": 2})
    await admin(sandbox, "POST", "/_sandbox/stats/reset")
    client = MercadoLibreClient(
        session,
        # Under the server's rate: the two buckets do not start at the same moment, and
        # loopback jitter may bunch two calls together.
        LocalRateLimiter(RateLimits(per_second=15, burst=1)),
        api_url=sandbox.url,
        retry=RetryPolicy(max_attempts=1),
    )
    marketplace = AiohttpMarketplace(AccountCalls(client, tokens))
    await asyncio.gather(*(marketplace.seller_profile(ACCOUNT) for _ in range(8)))
    assert await calls(sandbox, "GET /users/me") == 8


async def test_server_errors_on_a_get_are_ridden_out(marketplace, sandbox, sleeps):
    await admin(sandbox, "POST", "/_sandbox/stats/reset")
    await fault(sandbox, path="/users/me", status=503, count=2)
    await marketplace.seller_profile(ACCOUNT)
    assert await calls(sandbox, "GET /users/me") == 3
    assert len(sleeps) == 2
    assert all(0 <= s <= 0.5 * 2**n for n, s in enumerate(sleeps))


async def test_dropped_connections_on_a_get_are_ridden_out(marketplace, sandbox):
    await admin(sandbox, "POST", "/_sandbox/stats/reset")
    await fault(sandbox, path="/users/me", drop=True, count=2)
    await marketplace.seller_profile(ACCOUNT)
    assert await calls(sandbox, "GET /users/me") == 3


async def test_a_get_that_keeps_failing_ends_unavailable(marketplace, sandbox):
    await admin(sandbox, "POST", "/_sandbox/stats/reset")
    await fault(sandbox, path="/users/me", status=500)
    with pytest.raises(Unavailable, match="after 5 attempts"):
        await marketplace.seller_profile(ACCOUNT)
    assert await calls(sandbox, "GET /users/me") == 5


async def test_a_post_is_not_retried_after_a_server_error(client, sandbox, seller, sleeps):
    """A POST /items that failed with 5xx may have created the item: never repeated."""
    await admin(sandbox, "POST", "/_sandbox/stats/reset")
    await fault(sandbox, path="/items", method="POST", status=503, count=1)
    token = seller["tokens"]["access_token"]
    with pytest.raises(Unavailable, match="not retried"):
        await client.request("POST", "/items", token=token, json_body=MLA_ITEM)
    assert await calls(sandbox, "POST /items") == 1
    assert sleeps == []


async def test_a_post_is_not_retried_after_a_dropped_connection(client, sandbox, seller):
    await admin(sandbox, "POST", "/_sandbox/stats/reset")
    await fault(sandbox, path="/items", method="POST", drop=True, count=1)
    token = seller["tokens"]["access_token"]
    with pytest.raises(Unavailable):
        await client.request("POST", "/items", token=token, json_body=MLA_ITEM)
    assert await calls(sandbox, "POST /items") == 1


async def test_a_post_marked_idempotent_is_retried(client, sandbox, seller):
    await admin(sandbox, "POST", "/_sandbox/stats/reset")
    await fault(sandbox, path="/items", method="POST", status=503, count=1)
    token = seller["tokens"]["access_token"]
    response = await client.request(
        "POST", "/items", token=token, json_body=MLA_ITEM, idempotent=True
    )
    assert response.status == 201
    assert response.body["id"].startswith("MLA")
    assert await calls(sandbox, "POST /items") == 2


async def test_a_post_is_retried_after_a_429(client, sandbox, seller):
    await admin(sandbox, "POST", "/_sandbox/stats/reset")
    await fault(sandbox, path="/items", method="POST", status=429, count=2)
    token = seller["tokens"]["access_token"]
    response = await client.request("POST", "/items", token=token, json_body=MLA_ITEM)
    assert response.status == 201
    assert await calls(sandbox, "POST /items") == 3


# -- errors translated (§2.1-§2.3, §12.2) -----------------------------------------------------


async def test_an_unknown_item_is_not_found(client, seller):
    with pytest.raises(NotFound, match="404 to GET /items/MLA1: Item with id MLA1 not found"):
        await client.request("GET", "/items/MLA1", token=seller["tokens"]["access_token"])


async def test_another_sellers_resource_is_forbidden(client, sandbox, seller):
    other = sandbox.sellers[1]["id"]
    with pytest.raises(Forbidden, match="The User ID must match"):
        await client.request(
            "GET", f"/users/{other}/items/search", token=seller["tokens"]["access_token"]
        )


async def test_validation_causes_name_their_fields(client, seller):
    """§2.1: one problem per cause, named by its first reference; MercadoLibre's message
    is kept."""
    body = {**MLA_ITEM, "price": -5}
    token = seller["tokens"]["access_token"]
    with pytest.raises(ValidationFailed) as caught:
        await client.request("POST", "/items", token=token, json_body=body)
    assert caught.value.problems == [
        FieldProblem("item.price", "The price must be greater than 0.", "item.price.invalid")
    ]
    assert str(caught.value).startswith("MercadoLibre refused POST /items: Validation error")


async def test_a_400_without_causes_is_a_validation_failure_of_the_request(client, seller):
    body = {**MLA_ITEM, "status": "active"}
    token = seller["tokens"]["access_token"]
    with pytest.raises(ValidationFailed) as caught:
        await client.request("POST", "/items", token=token, json_body=body)
    assert caught.value.problems == [
        FieldProblem(
            "request",
            "The fields [status] are invalid for requested call. (body.invalid_fields)",
            "body.invalid_fields",
        )
    ]


async def test_missing_fields_are_a_validation_failure(client, seller):
    with pytest.raises(ValidationFailed) as caught:
        await client.request(
            "POST", "/items", token=seller["tokens"]["access_token"], json_body={"title": "x"}
        )
    assert caught.value.problems[0].code == "body.required_fields"
    assert "category_id" in caught.value.problems[0].reason


async def test_a_partial_user_answer_says_what_is_missing(client, sandbox, seller):
    """§0.3 / §3: 206 with X-Content-Missing."""
    await fault(sandbox, path="/users/{user_id}", status=206, count=1)
    response = await client.request(
        "GET", f"/users/{seller['id']}", token=seller["tokens"]["access_token"]
    )
    assert response.partial
    assert response.missing == ("seller_reputation",)


# -- secrets and metrics ---------------------------------------------------------------------


async def test_no_token_reaches_an_error_message_or_a_log(
    marketplace, client, sandbox, seller, tokens, caplog
):
    caplog.set_level(logging.DEBUG)
    first = tokens.token
    token = seller["tokens"]["access_token"]
    messages = []
    for call in (
        lambda: client.request("GET", "/items/MLA1", token=token),
        lambda: client.request(
            "GET", f"/users/{sandbox.sellers[1]['id']}/items/search", token=token
        ),
        lambda: client.request("POST", "/items", token=token, json_body={"title": token}),
        lambda: client.request("GET", "/users/me", token=token + "x"),
    ):
        with pytest.raises(Exception) as caught:
            await call()
        messages.append(str(caught.value))
    await fault(sandbox, path="/users/me", status=503)
    with pytest.raises(Unavailable) as caught:
        await marketplace.seller_profile(ACCOUNT)
    messages.append(str(caught.value))
    await admin(sandbox, "DELETE", "/_sandbox/faults")
    await admin(sandbox, "POST", "/_sandbox/tokens/revoke", {"user_id": seller["id"]})
    await marketplace.seller_profile(ACCOUNT)
    assert tokens.token != first
    for text in [*messages, caplog.text]:
        for secret in (first, tokens.token, seller["tokens"]["refresh_token"]):
            assert secret not in text


async def test_calls_are_counted_by_family_method_and_status(marketplace, registry, sandbox):
    await fault(sandbox, path="/users/me", status=502, count=1)
    await marketplace.seller_profile(ACCOUNT)
    sample = registry.get_sample_value
    labels = {"family": "users", "method": "GET"}
    assert sample("meli_api_calls_total", {**labels, "status": "502"}) == 1
    assert sample("meli_api_calls_total", {**labels, "status": "200"}) == 1
    assert sample("meli_api_retries_total", {"family": "users", "reason": "server_error"}) == 1
