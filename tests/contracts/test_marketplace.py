"""Marketplace contract (application/ports/marketplace.py): AiohttpMarketplace on the
sandbox over loopback, and FakeMarketplace, the fake the notification and reconciliation
tests drive. The resource a notification points at (mercadolibre-api.md §9.2) and the
missed feeds (§9.5); the order search has its own gateway (test_order_gateway.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
import pytest_asyncio

from application.errors import Forbidden, NotFound, ValidationFailed
from tests.contracts.marketplace_worlds import (
    FakeMarketplaceWorld,
    MarketplaceWorld,
    SandboxMarketplaceWorld,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest.fixture(params=[pytest.param("sandbox", marks=pytest.mark.sandbox), "fake"])
def implementation(request: pytest.FixtureRequest) -> tuple[str, object, object]:
    if request.param == "sandbox":
        sandbox = request.getfixturevalue("gateway_sandbox")
        return request.param, sandbox, request.getfixturevalue("gateway_session")
    return request.param, None, None


@pytest_asyncio.fixture(loop_scope="module")
async def world(implementation) -> AsyncIterator[MarketplaceWorld]:
    kind, sandbox, session = implementation
    if kind == "sandbox":
        yield await SandboxMarketplaceWorld.start(sandbox, session)
    else:
        yield FakeMarketplaceWorld()


async def test_the_seller_profile_is_the_accounts_seller(world):
    profile = await world.marketplace.seller_profile(world.account_id)
    assert (profile.user_id, profile.nickname, profile.site_id) == (
        world.seller.user_id,
        world.seller.nickname,
        "MLA",
    )


# -- the resource a notification points at (§9.2) --------------------------------------------


async def test_a_resource_is_read_whole_as_a_snapshot_of_its_path(world):
    order_id = await world.order()

    snapshot = await world.marketplace.fetch_resource(world.account_id, f"/orders/{order_id}")

    assert snapshot.path == f"/orders/{order_id}"
    assert snapshot.body["id"] == order_id and snapshot.body["status"] == "paid"
    assert snapshot.body["seller"]["id"] == world.seller.user_id
    assert snapshot.fetched_at.utcoffset() == timedelta(0)


async def test_a_resource_that_does_not_exist_is_not_found_and_anothers_is_forbidden(world):
    foreign = await world.foreign_order()
    with pytest.raises(NotFound):
        await world.marketplace.fetch_resource(world.account_id, "/orders/1")
    with pytest.raises(Forbidden):
        await world.marketplace.fetch_resource(world.account_id, f"/orders/{foreign}")


async def test_a_question_reads_whole_with_its_buyer(world):
    """§7: GET /questions/{id}?api_version=4 has buyer_id and last_updated."""
    question_id = await world.question()
    path = f"/questions/{question_id}"

    whole = await world.marketplace.fetch_resource(world.account_id, path, {"api_version": "4"})

    assert whole.path == path
    assert (whole.body["id"], whole.body["seller_id"], whole.body["status"]) == (
        question_id,
        world.seller.user_id,
        "UNANSWERED",
    )
    assert {"buyer_id", "last_updated"} <= set(whole.body)


# -- the missed feeds (§9.5) -----------------------------------------------------------------------


async def test_the_missed_feed_is_paged_until_an_empty_page(world):
    lost = await world.lose("orders_v2", 5)
    read = world.marketplace.missed_feeds

    pages = [await read(world.account_id, world.application_id, "orders_v2", None, 0, 2)]
    while pages[-1].size:
        offset = sum(page.size for page in pages)
        pages.append(
            await read(world.account_id, world.application_id, "orders_v2", None, offset, 2)
        )

    assert len(lost) >= 5 and len(pages) == -(-len(lost) // 2) + 1
    assert [page.size for page in pages[:-2]] == [2] * (len(pages) - 2)
    assert all(page.size == len(page.notifications) and page.unreadable == 0 for page in pages)
    found = [n for page in pages for n in page.notifications]
    assert sorted(n.resource for n in found) == sorted(lost)
    assert len({n.id for n in found}) == len(lost)
    for notification in found:
        assert (notification.topic, notification.user_id, notification.application_id) == (
            "orders_v2",
            world.seller.user_id,
            world.application_id,
        )
        assert notification.received is not None and notification.sent is not None


async def test_the_items_feed_is_read_per_site(world):
    lost = await world.lose("items", 3)
    read = world.marketplace.missed_feeds
    app = world.application_id

    here = await read(world.account_id, app, "items", "MLA")
    elsewhere = await read(world.account_id, app, "items", "MCO")
    orders = await read(world.account_id, app, "orders_v2")

    assert [n.resource for n in here.notifications] == lost
    assert {n.topic for n in here.notifications} == {"items"}
    assert (elsewhere.size, orders.size) == (0, 0)
    with pytest.raises(ValidationFailed):
        await read(world.account_id, app, "items")


async def test_the_missed_feed_is_the_applications_own_within_its_page_limit(world):
    read = world.marketplace.missed_feeds
    with pytest.raises(Forbidden):
        await read(world.account_id, world.application_id + 1, "orders_v2")
    for limit in (0, 101):
        with pytest.raises(ValidationFailed):
            await read(world.account_id, world.application_id, "orders_v2", None, 0, limit)
    assert (await read(world.account_id, world.application_id, "orders_v2", None, 0, 100)).size == 0
