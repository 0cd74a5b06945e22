"""The gateway asks for the shapes it parses (ref: mercadolibre-api.md §0.3): every
shipment read carries `x-format-new: true` (§6.1) and every question read
`api_version=4` (§7). The sandbox answers the older shapes without them, so each test
checks both the request, in the sandbox's request log, and what came back."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from adapters.local.ratelimit import LocalRateLimiter
from adapters.mercadolibre import (
    AccountCalls,
    AiohttpMarketplace,
    AiohttpQuestionGateway,
    MercadoLibreClient,
    create_session,
)
from application.ports.rate_limiter import RateLimits
from sandbox.testing import RunningSandbox, running_sandbox

ACCOUNT = 7


class SellerTokens:
    """An AccessTokenSource for one sandbox seller."""

    def __init__(self, token: str) -> None:
        self.token = token

    async def access_token(self, account_id: int) -> str:
        return self.token

    async def renew_rejected(self, account_id: int, rejected_token: str) -> str:
        return self.token


@pytest.fixture
async def sandbox() -> AsyncIterator[RunningSandbox]:
    async with running_sandbox(rate_limit=0) as sb:
        yield sb


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    session = create_session()
    yield session
    await session.close()


@pytest.fixture
def seller_id(sandbox: RunningSandbox) -> int:
    return int(sandbox.sellers[0]["id"])


@pytest.fixture
async def marketplace(sandbox, session, seller_id) -> AiohttpMarketplace:
    token = (await sandbox.token_for(seller_id))["access_token"]
    client = MercadoLibreClient(
        session, LocalRateLimiter(RateLimits(per_second=0)), api_url=sandbox.url
    )
    return AiohttpMarketplace(AccountCalls(client, SellerTokens(token)))


async def requests_to(sandbox: RunningSandbox, path: str) -> list[dict[str, Any]]:
    return await sandbox.admin("GET", f"/requests?path={path}")  # type: ignore[no-any-return]


async def test_a_shipment_read_asks_for_the_new_shape(
    sandbox: RunningSandbox, marketplace: AiohttpMarketplace, seller_id: int
) -> None:
    """ref: mercadolibre-api.md §0.3, §6.1 (x-format-new: true; without it the legacy
    shape with status_history and sender/receiver_address at the root)."""
    order = await sandbox.event("order", seller_id=seller_id)
    path = f"/shipments/{order['shipping']['id']}"
    snapshot = await marketplace.fetch_resource(ACCOUNT, path)
    assert snapshot.body["origin"]["sender_id"] == seller_id
    assert {"logistic", "destination", "lead_time"} <= set(snapshot.body)
    assert not {"status_history", "sender_address", "shipping_option"} & set(snapshot.body)
    [request] = await requests_to(sandbox, path)
    assert request["headers"]["x-format-new"] == "true"


async def test_a_question_read_asks_for_version_4(
    sandbox: RunningSandbox, marketplace: AiohttpMarketplace, seller_id: int
) -> None:
    """ref: mercadolibre-api.md §0.3, §7 (GET /questions/{id}?api_version=4 has
    buyer_id; without it, `from: {id, answered_questions}`), whether or not the caller
    passed the parameter."""
    question = await sandbox.event("question", seller_id=seller_id)
    path = f"/questions/{question['id']}"
    for params in (None, {"api_version": "4"}):
        snapshot = await marketplace.fetch_resource(ACCOUNT, path, params)
        assert snapshot.body["buyer_id"] == question["buyer_id"]
        assert snapshot.body["from"] == {"id": question["buyer_id"]}
    logged = await requests_to(sandbox, path)
    assert [r["query"] for r in logged] == [{"api_version": "4"}] * 2


async def test_the_question_search_and_read_ask_for_version_4(
    sandbox: RunningSandbox, marketplace: AiohttpMarketplace, seller_id: int
) -> None:
    """ref: mercadolibre-api.md §0.3, §7 (GET /questions/search?api_version=4, offset and
    scan; GET /questions/{id}?api_version=4 has buyer_id)."""
    gateway = AiohttpQuestionGateway(marketplace._calls)
    page = await gateway.search(ACCOUNT, seller_id)
    assert page.questions and page.unreadable == ()
    for question in page.questions:
        assert "answered_questions" not in question.raw["from"]
        assert "tags" in question.raw and "suspected_spam" in question.raw
        assert question.buyer_id == question.raw["from"]["id"]
    scanned = await gateway.scan(ACCOUNT, seller_id, limit=3)
    assert len(scanned.questions) == 3 and scanned.scroll_id
    rest = await gateway.scan(ACCOUNT, seller_id, scroll_id=scanned.scroll_id, limit=100)
    assert len(scanned.questions) + len(rest.questions) == page.total
    one = await gateway.get(ACCOUNT, page.questions[0].id)
    assert one.raw["buyer_id"] == one.buyer_id and one.last_updated is not None
    requests = await requests_to(sandbox, "/questions/search")
    assert all(r["query"]["api_version"] == "4" for r in requests)
    assert requests[1]["query"]["search_type"] == "scan"
