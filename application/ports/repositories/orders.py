"""Stored orders and shipments. Repository conventions: see
application.ports.repositories.accounts.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from application.queries import (
    OrderQuery,
    Page,
)
from domain.orders import Order
from domain.shipments import Shipment


class OrderRepository(Protocol):
    async def get(self, order_id: int) -> Order: ...

    async def find(self, order_id: int) -> Order | None: ...

    async def upsert(self, orders: Iterable[Order]) -> None: ...

    async def search(self, query: OrderQuery) -> Page[Order]:
        """Orders matching the query, newest `date_created` first; `created_from` and
        `created_to` are both inclusive."""
        ...


class ShipmentRepository(Protocol):
    async def get(self, shipment_id: int) -> Shipment: ...

    async def find(self, shipment_id: int) -> Shipment | None: ...

    async def upsert(self, shipments: Iterable[Shipment]) -> None: ...
