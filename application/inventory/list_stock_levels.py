from __future__ import annotations

from application.ports.unit_of_work import UnitOfWorkFactory
from application.queries import InventoryLine, InventoryQuery, Page


class ListStockLevels:
    """The stock view: the seller's count, the safety stock and what MercadoLibre shows
    (publishable) per listing and variation, from the local copy."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, query: InventoryQuery) -> Page[InventoryLine]:
        async with self._uow() as uow:
            return await uow.inventory.search_levels(query)
