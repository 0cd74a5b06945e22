from __future__ import annotations

from collections.abc import Iterable

from adapters.memory.repositories.base import InMemoryRepository, page_of
from adapters.memory.store import (
    ORDERS,
    SHIPMENTS,
)
from application.queries import (
    OrderQuery,
    Page,
)
from domain.orders import Order
from domain.shipments import Shipment


class InMemoryOrderRepository(InMemoryRepository):
    async def get(self, order_id: int) -> Order:
        return self._get(ORDERS, order_id, "order")

    async def find(self, order_id: int) -> Order | None:
        return self._find(ORDERS, order_id)

    async def upsert(self, orders: Iterable[Order]) -> None:
        for order in orders:
            self._require_account(order.account_id)
            self._staged.put(ORDERS, order.id, order)

    async def search(self, query: OrderQuery) -> Page[Order]:
        def matches(order: Order) -> bool:
            return (
                (query.account_id is None or order.account_id == query.account_id)
                and (query.status is None or order.status == query.status)
                and (query.created_from is None or order.date_created >= query.created_from)
                and (query.created_to is None or order.date_created <= query.created_to)
            )

        found = [order for order in self._staged.values(ORDERS) if matches(order)]
        found.sort(key=lambda order: (order.date_created, order.id), reverse=True)
        return page_of(found, query.paging)


class InMemoryShipmentRepository(InMemoryRepository):
    async def get(self, shipment_id: int) -> Shipment:
        return self._get(SHIPMENTS, shipment_id, "shipment")

    async def find(self, shipment_id: int) -> Shipment | None:
        return self._find(SHIPMENTS, shipment_id)

    async def upsert(self, shipments: Iterable[Shipment]) -> None:
        for shipment in shipments:
            self._require_account(shipment.account_id)
            self._staged.put(SHIPMENTS, shipment.id, shipment)
