"""The two MessageGateway implementations of the contract suite, each with a harness that
seeds the same starting state: a seller of ours with a paid sale whose conversation is
open, and what buyers, MercadoLibre's agent and moderation do outside the service."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Protocol

import aiohttp

from adapters.mercadolibre import AccountCalls, AiohttpMessageGateway
from adapters.system.clock import ManualClock
from application.ports.message_gateway import MessageGateway
from sandbox.testing import RunningSandbox
from tests.contracts.marketplace_worlds import ITEM
from tests.contracts.sandbox_sellers import SandboxSellers, gateway_client
from tests.fakes.messages import FakeMessageGateway

START = datetime(2026, 11, 27, 12, tzinfo=UTC)


class MessageWorld(Protocol):
    gateway: MessageGateway
    account_id: int
    seller_id: int

    async def sale(self) -> tuple[int, int]:
        """A new paid sale of the seller: (its conversation's pack id, the buyer)."""
        ...

    async def foreign_sale(self) -> int:
        """Another seller's sale: its conversation's pack id."""
        ...

    async def buyer_writes(self, pack_id: int, text: str) -> str:
        """The buyer writes to the seller; the message id."""
        ...

    async def agent_writes(self, pack_id: int, text: str) -> str:
        """MercadoLibre's country agent writes; the conversation becomes the agent's."""
        ...

    async def block(self, pack_id: int, reason: str | None) -> None:
        """The conversation is blocked for `reason`, or the block lifted (None)."""
        ...

    async def seller_messages_held(self, pack_id: int) -> list[str]:
        """The texts of the seller's messages MercadoLibre holds, oldest first."""
        ...


class SandboxMessageWorld:
    def __init__(self, sandbox: RunningSandbox, sellers: SandboxSellers) -> None:
        self.sandbox = sandbox
        self.sellers = sellers
        self.gateway: AiohttpMessageGateway
        self.account_id: int
        self.seller_id: int
        self.item_id: str

    @classmethod
    async def start(
        cls, sandbox: RunningSandbox, session: aiohttp.ClientSession
    ) -> SandboxMessageWorld:
        world = cls(sandbox, SandboxSellers(sandbox))
        world.gateway = AiohttpMessageGateway(
            AccountCalls(gateway_client(sandbox, session), world.sellers)
        )
        world.account_id, user = await world.sellers.new_seller("MLA")
        world.seller_id = user["id"]
        world.item_id = await world._item(world.account_id)
        return world

    async def _item(self, account_id: int) -> str:
        item = await self.sellers.call(account_id, "POST", "/items", json=ITEM)
        assert isinstance(item, dict)
        return str(item["id"])

    async def sale(self) -> tuple[int, int]:
        order = await self.sandbox.event(
            "order", seller_id=self.seller_id, item_id=self.item_id, logistic_type="cross_docking"
        )
        return int(order["pack_id"] or order["id"]), int(order["buyer"]["id"])

    async def foreign_sale(self) -> int:
        account_id, user = await self.sellers.new_seller("MLA")
        item_id = await self._item(account_id)
        order = await self.sandbox.event("order", seller_id=user["id"], item_id=item_id)
        return int(order["pack_id"] or order["id"])

    async def buyer_writes(self, pack_id: int, text: str) -> str:
        message = await self.sandbox.event(
            "message", seller_id=self.seller_id, pack_id=pack_id, text=text
        )
        return str(message["id"])

    async def agent_writes(self, pack_id: int, text: str) -> str:
        message = await self.sandbox.event(
            "message", seller_id=self.seller_id, pack_id=pack_id, text=text, **{"from": "agent"}
        )
        return str(message["id"])

    async def block(self, pack_id: int, reason: str | None) -> None:
        await self.sandbox.event(
            "message", seller_id=self.seller_id, pack_id=pack_id, blocked=reason
        )

    async def seller_messages_held(self, pack_id: int) -> list[str]:
        conversation = self.sandbox.state.market.messaging.conversation(str(pack_id))
        return [m.text for m in conversation.messages if m.from_id == self.seller_id]


_packs = itertools.count(2_000_000_500_001)


class FakeMessageWorld:
    def __init__(self) -> None:
        self.clock = ManualClock(START)
        self.gateway = FakeMessageGateway(self.clock)
        self.account_id = 1
        self.seller_id = 202593498
        self.gateway.connect(self.account_id, self.seller_id)
        self._buyers = itertools.count(300_000_001)

    async def sale(self) -> tuple[int, int]:
        pack_id, buyer = next(_packs), next(self._buyers)
        self.gateway.open(pack_id, self.seller_id, buyer)
        return pack_id, buyer

    async def foreign_sale(self) -> int:
        pack_id = next(_packs)
        self.gateway.open(pack_id, self.seller_id + 1, next(self._buyers))
        return pack_id

    async def buyer_writes(self, pack_id: int, text: str) -> str:
        self.clock.advance(1)
        return self.gateway.write(pack_id, text)

    async def agent_writes(self, pack_id: int, text: str) -> str:
        self.clock.advance(1)
        return self.gateway.write(pack_id, text, agent=True)

    async def block(self, pack_id: int, reason: str | None) -> None:
        self.gateway.block(pack_id, reason)

    async def seller_messages_held(self, pack_id: int) -> list[str]:
        return [m["text"] for m in self.gateway.sent(pack_id)]
