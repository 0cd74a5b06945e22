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
from domain.orders import Order, Pack
from domain.shipments import Shipment


class OrderRepository(Protocol):
    """Orders with their lines and payments (§5.1), stored whole: an upsert replaces the
    order's lines and payments with the ones it carries."""

    async def get(self, order_id: int) -> Order: ...

    async def find(self, order_id: int) -> Order | None: ...

    async def find_many(self, order_ids: Iterable[int]) -> dict[int, Order]:
        """The stored ones among `order_ids`, by id."""
        ...

    async def upsert(self, orders: Iterable[Order]) -> None: ...

    async def search(self, query: OrderQuery) -> Page[Order]:
        """Orders matching the query, newest `date_created` first; `created_from` and
        `created_to` are both inclusive. The orders listed carry no raw JSON (`raw` is
        empty: a page would read and decode tens of kilobytes no list shows) but keep
        their timestamps' offsets; `get`, `find` and `find_many` read it whole, so never
        store back an order read here."""
        ...


class ShipmentRepository(Protocol):
    async def get(self, shipment_id: int) -> Shipment: ...

    async def find(self, shipment_id: int) -> Shipment | None: ...

    async def find_many(self, shipment_ids: Iterable[int]) -> dict[int, Shipment]:
        """The stored ones among `shipment_ids`, by id."""
        ...

    async def upsert(self, shipments: Iterable[Shipment]) -> None: ...


class PackRepository(Protocol):
    """Carts (§5.4)."""

    async def get(self, pack_id: int) -> Pack: ...

    async def find(self, pack_id: int) -> Pack | None: ...

    async def upsert(self, packs: Iterable[Pack]) -> None: ...
