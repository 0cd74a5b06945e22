"""The two Marketplace implementations of the contract suite, each with a harness that
seeds the same starting state: a seller of ours with orders and questions made at moments
the test chooses, and notifications MercadoLibre gave up delivering (§9.5)."""

from __future__ import annotations

import asyncio
import itertools
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import aiohttp

from adapters.mercadolibre import AccountCalls, AiohttpMarketplace
from adapters.system.clock import ManualClock
from application.ports.marketplace import Marketplace
from application.ports.oauth import SellerProfile
from domain.notifications import Notification
from sandbox.testing import RunningSandbox
from tests.contracts.sandbox_sellers import SandboxSellers, gateway_client
from tests.fakes import FakeMarketplace, order_body, question_body
from tests.helpers import free_port

# §4.2's official example, with stock enough for every order a test places.
ITEM = {
    "title": "Item de test - No Ofertar",
    "category_id": "MLA3530",
    "price": 350,
    "currency_id": "ARS",
    "available_quantity": 1000,
    "buying_mode": "buy_it_now",
    "condition": "new",
    "listing_type_id": "gold_special",
    "pictures": [{"source": "http://mla-s2-p.mlstatic.com/968521-MLA20805195516_072016-O.jpg"}],
    "attributes": [{"id": "BRAND", "value_name": "Marca del producto"}],
}


class MarketplaceWorld(Protocol):
    marketplace: Marketplace
    account_id: int
    seller: SellerProfile
    application_id: int

    def now(self) -> datetime: ...

    async def advance(self, seconds: float) -> None:
        """MercadoLibre's clock moves on."""
        ...

    async def order(self) -> int:
        """A paid order of the seller's item, made now; its id."""
        ...

    async def foreign_order(self) -> int:
        """A paid order of another seller; its id."""
        ...

    async def question(self) -> int:
        """A buyer's question on the seller's item, asked now; its id."""
        ...

    async def answer(self, question_id: int) -> None: ...

    async def lose(self, topic: str, count: int) -> list[str]:
        """`count` changes on `topic` (orders_v2 or items) whose notifications
        MercadoLibre gives up delivering; the resources of the notifications lost (a
        change may be notified more than once)."""
        ...


class SandboxMarketplaceWorld:
    """AiohttpMarketplace on the sandbox, for a new seller with one item on sale; orders
    and questions come from the sandbox's events, lost notifications from a callback URL
    nobody listens on (one attempt each)."""

    def __init__(self, sandbox: RunningSandbox, sellers: SandboxSellers) -> None:
        self.sandbox = sandbox
        self.sellers = sellers
        self.application_id = int(sandbox.config.client_id)
        self.marketplace: AiohttpMarketplace
        self.account_id: int
        self.seller: SellerProfile
        self.item_id: str

    @classmethod
    async def start(
        cls, sandbox: RunningSandbox, session: aiohttp.ClientSession
    ) -> SandboxMarketplaceWorld:
        world = cls(sandbox, SandboxSellers(sandbox))
        world.marketplace = AiohttpMarketplace(
            AccountCalls(gateway_client(sandbox, session), world.sellers)
        )
        world.account_id, user = await world.sellers.new_seller("MLA")
        world.seller = SellerProfile(user["id"], user["nickname"], user["site_id"])
        world.item_id = await world._item(world.account_id)
        return world

    async def _item(self, account_id: int) -> str:
        item = await self.sellers.call(account_id, "POST", "/items", json=ITEM)
        assert isinstance(item, dict)
        return str(item["id"])

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.sandbox.state.clock.now(), UTC)

    async def advance(self, seconds: float) -> None:
        self.sandbox.advance_clock(seconds)

    async def order(self) -> int:
        order = await self.sandbox.event(
            "order", seller_id=self.seller.user_id, item_id=self.item_id
        )
        return int(order["id"])

    async def foreign_order(self) -> int:
        account_id, user = await self.sellers.new_seller("MLA")
        item_id = await self._item(account_id)
        order = await self.sandbox.event("order", seller_id=user["id"], item_id=item_id)
        return int(order["id"])

    async def question(self) -> int:
        question = await self.sandbox.event(
            "question", seller_id=self.seller.user_id, item_id=self.item_id
        )
        return int(question["id"])

    async def answer(self, question_id: int) -> None:
        answer = {"question_id": question_id, "text": "Sí, hay stock."}
        await self.sellers.call(self.account_id, "POST", "/answers", json=answer)

    async def lose(self, topic: str, count: int) -> list[str]:
        admin = self.sandbox.admin
        await admin("DELETE", "/deliveries")
        unheard = f"http://127.0.0.1:{free_port()}/notifications"
        await admin(
            "PATCH", "/config", {"callback_url": unheard, "max_attempts": 1, "topics": [topic]}
        )
        try:
            for n in range(count):
                if topic == "items":
                    await self.sandbox.event(
                        "item", seller_id=self.seller.user_id, item_id=self.item_id, price=400 + n
                    )
                else:
                    await self.order()
            await self.sandbox.wait_for_deliveries(count, topic=topic, outcome="lost")
            # A paid order is notified more than once (created, then paid: §9.2, any
            # change is notified); wait for every attempt to end.
            deadline = time.monotonic() + 5
            while await self.sandbox.deliveries(topic=topic, outcome="pending"):
                assert time.monotonic() < deadline, "notifications still pending"
                await asyncio.sleep(0.02)
        finally:
            await admin("PATCH", "/config", {"callback_url": None, "max_attempts": 8})
        lost = await self.sandbox.deliveries(topic=topic, outcome="lost")
        return [delivery["resource"] for delivery in lost]


_ids = itertools.count(2_000_000_001)
START = datetime(2026, 11, 27, 12, tzinfo=UTC)


class FakeMarketplaceWorld:
    """FakeMarketplace, seeded as the use-case tests seed it: order and question bodies
    added, notifications lost with `lose`."""

    def __init__(self) -> None:
        self.clock = ManualClock(START)
        self.application_id = 1000000000000001
        self.marketplace = FakeMarketplace(self.clock, self.application_id)
        self.account_id = 1
        self.seller = SellerProfile(202593498, "TETE2870021", "MLA")
        self.marketplace.connect(self.account_id, self.seller)
        self.item_id = "MLA1000000001"

    def now(self) -> datetime:
        return self.clock.now()

    async def advance(self, seconds: float) -> None:
        self.clock.advance(seconds)

    async def order(self) -> int:
        order_id = next(_ids)
        self.marketplace.add_order(order_body(order_id, self.seller.user_id, self.now()))
        return order_id

    async def foreign_order(self) -> int:
        order_id = next(_ids)
        self.marketplace.add_order(order_body(order_id, self.seller.user_id + 1, self.now()))
        return order_id

    async def question(self) -> int:
        question_id = next(_ids)
        body = question_body(question_id, self.seller.user_id, self.now(), buyer_id=5001)
        self.marketplace.add_question(body)
        return question_id

    async def answer(self, question_id: int) -> None:
        body: dict[str, Any] = self.marketplace.bodies[f"/questions/{question_id}"]
        answer = {
            "text": "Sí, hay stock.",
            "status": "ACTIVE",
            "date_created": body["date_created"],
        }
        body.update(status="ANSWERED", answer=answer)

    async def lose(self, topic: str, count: int) -> list[str]:
        resources = []
        for _ in range(count):
            resource = (
                f"/items/{self.item_id}" if topic == "items" else f"/orders/{await self.order()}"
            )
            now = self.now()
            self.marketplace.lose(
                Notification(
                    str(uuid.uuid4()),
                    topic,
                    resource,
                    self.seller.user_id,
                    self.application_id,
                    sent=now,
                    received=now - timedelta(milliseconds=20),
                )
            )
            resources.append(resource)
        return resources
