"""The message use cases on the in-memory adapters with FakeMessageGateway as
MercadoLibre (mercadolibre-api.md §8): one seller of ours with sales stored as the order
sync stores them, and their conversations on MercadoLibre's side."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any

from adapters.memory import InMemoryJobQueue, InMemoryStore, InMemoryUnitOfWork
from adapters.system.clock import ManualClock
from application.messages.get_conversation import GetConversation
from application.messages.list_unread import ListUnread
from application.messages.mark_read import MarkConversationRead
from application.messages.record_messages import RecordMessages
from application.messages.send_message import SendMessage
from application.messages.settle_message import SettleMessage
from application.messages.upload_attachment import UploadAttachment
from domain.accounts import Account
from domain.money import Money
from domain.orders import Buyer, Order, OrderItem, OrderStatus
from domain.shipments import Shipment, ShipmentStatus, ShippingMode
from tests.fakes import FakeMessageGateway

NOW = datetime(2026, 12, 1, 15, tzinfo=UTC)
SELLER = 202593498
BUYER = 5001


class MessageWorld:
    def __init__(self) -> None:
        self.clock = ManualClock(NOW)
        self.store = InMemoryStore()
        self.queue = InMemoryJobQueue()
        self.gateway = FakeMessageGateway(self.clock)
        self.get = GetConversation(self.uow, self.gateway)
        self.send = SendMessage(self.uow, self.gateway, self.clock)
        self.settle = SettleMessage(self.uow, self.gateway, self.clock)
        self.record = RecordMessages(self.gateway, self.clock)
        self.unread = ListUnread(self.uow, self.gateway)
        self.mark_read = MarkConversationRead(self.uow, self.gateway)
        self.upload = UploadAttachment(self.uow, self.gateway)
        self.account_id = 0
        self._ids = itertools.count(2_000_000_000_001)

    def uow(self) -> InMemoryUnitOfWork:
        return InMemoryUnitOfWork(self.store, self.queue)

    async def start(self) -> MessageWorld:
        async with self.uow() as uow:
            account = await uow.accounts.add(Account(SELLER, "MLA", "TIENDA_SUR"))
            await uow.commit()
        assert account.id is not None
        self.account_id = account.id
        self.gateway.connect(account.id, SELLER)
        return self

    async def sale(self, *, pack: bool = True, shipped: bool = False, **changes: Any) -> Order:
        """A paid sale stored (with its shipment), its conversation open on MercadoLibre."""
        order_id = next(self._ids)
        price = Money.of("1999.90", "ARS")
        shipment_id = order_id + 40_000_000_000
        order = Order(
            id=order_id,
            account_id=self.account_id,
            seller_id=SELLER,
            status=changes.pop("status", OrderStatus.PAID),
            items=(OrderItem("MLA1000000001", "Mate", 2, price),),
            total_amount=Money.of("3999.80", "ARS"),
            buyer=Buyer(BUYER, "COMPRADOR", "Ana"),
            date_created=self.clock.now(),
            shipping_id=shipment_id,
            pack_id=order_id + 10_000_000_000 if pack else None,
            **changes,
        )
        shipment = Shipment(
            shipment_id,
            self.account_id,
            ShipmentStatus.SHIPPED if shipped else ShipmentStatus.READY_TO_SHIP,
            ShippingMode.ME2,
            tracking_number="AR123" if shipped else None,
            raw={"tracking_url": "https://envios.example/AR123"} if shipped else {},
        )
        async with self.uow() as uow:
            await uow.orders.upsert([order])
            await uow.shipments.upsert([shipment])
            await uow.commit()
        self.gateway.open(order.pack_id or order.id, SELLER, BUYER)
        return order

    def held(self, order: Order) -> list[str]:
        return [m["text"] for m in self.gateway.sent(order.pack_id or order.id)]

    def posts(self) -> int:
        return sum(1 for name, _ in self.gateway.calls if name in ("send", "send_option"))
