from __future__ import annotations

from collections.abc import Iterable

import attrs

from adapters.memory.repositories.base import InMemoryRepository, page_of
from adapters.memory.store import ORDERS, PACKS, SHIPMENTS
from application.queries import OrderQuery, Page
from domain.answer_rules import normalise
from domain.orders import Order, Pack
from domain.shipments import Shipment


class InMemoryOrderRepository(InMemoryRepository):
    async def get(self, order_id: int) -> Order:
        return self._get(ORDERS, order_id, "order")

    async def find(self, order_id: int) -> Order | None:
        return self._find(ORDERS, order_id)

    async def find_many(self, order_ids: Iterable[int]) -> dict[int, Order]:
        found = {order_id: self._find(ORDERS, order_id) for order_id in set(order_ids)}
        return {order_id: order for order_id, order in found.items() if order is not None}

    async def upsert(self, orders: Iterable[Order]) -> None:
        for order in orders:
            self._require_account(order.account_id)
            self._staged.put(ORDERS, order.id, order)

    async def search(self, query: OrderQuery) -> Page[Order]:
        text = normalise(query.text) if query.text else None

        def shipment_status(order: Order) -> str | None:
            if order.shipping_id is None:
                return None
            shipment = self._staged.get(SHIPMENTS, order.shipping_id)
            return None if shipment is None else shipment.status.value

        def matches(order: Order) -> bool:
            return (
                (query.account_id is None or order.account_id == query.account_id)
                and (query.account_ids is None or order.account_id in query.account_ids)
                and (query.status is None or order.status == query.status)
                and (query.created_from is None or order.date_created >= query.created_from)
                and (query.created_to is None or order.date_created <= query.created_to)
                and (query.pack_id is None or order.pack_id == query.pack_id)
                and (not query.tag or query.tag in order.tags)
                and (text is None or text in order.search_text)
                and (
                    query.shipment_status is None or shipment_status(order) == query.shipment_status
                )
            )

        found = [order for order in self._staged.values(ORDERS) if matches(order)]
        found.sort(key=lambda order: (order.date_created, order.id), reverse=True)
        page = page_of(found, query.paging)
        # Listed orders carry no raw JSON, as on SQL (the port says why).
        return attrs.evolve(page, items=[attrs.evolve(o, raw={}) for o in page.items])


class InMemoryShipmentRepository(InMemoryRepository):
    async def get(self, shipment_id: int) -> Shipment:
        return self._get(SHIPMENTS, shipment_id, "shipment")

    async def find(self, shipment_id: int) -> Shipment | None:
        return self._find(SHIPMENTS, shipment_id)

    async def find_many(self, shipment_ids: Iterable[int]) -> dict[int, Shipment]:
        found = {i: self._find(SHIPMENTS, i) for i in set(shipment_ids)}
        return {i: shipment for i, shipment in found.items() if shipment is not None}

    async def upsert(self, shipments: Iterable[Shipment]) -> None:
        for shipment in shipments:
            self._require_account(shipment.account_id)
            self._staged.put(SHIPMENTS, shipment.id, shipment)


class InMemoryPackRepository(InMemoryRepository):
    async def get(self, pack_id: int) -> Pack:
        return self._get(PACKS, pack_id, "pack")

    async def find(self, pack_id: int) -> Pack | None:
        return self._find(PACKS, pack_id)

    async def upsert(self, packs: Iterable[Pack]) -> None:
        for pack in packs:
            self._require_account(pack.account_id)
            self._staged.put(PACKS, pack.id, pack)
