from __future__ import annotations

from application.errors import (
    NotFound,
)
from application.listings.views import ListingWithStock, with_stock
from application.ports.unit_of_work import UnitOfWorkFactory


class GetListing:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, item_id: str) -> ListingWithStock:
        async with self._uow() as uow:
            listing = await uow.listings.find(item_id)
            if listing is None:
                raise NotFound("listing", item_id)
            return await with_stock(uow, listing)
