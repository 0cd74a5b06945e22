from __future__ import annotations

import attrs

from application.ports.unit_of_work import UnitOfWork
from domain.inventory import StockLevel
from domain.listings import (
    Listing,
)


@attrs.define(frozen=True)
class ListingWithStock:
    """A listing as stored and its stock levels (one per variation, or one for the
    item): what every use case that reads or changes one listing returns."""

    listing: Listing
    stock: tuple[StockLevel, ...]


async def with_stock(uow: UnitOfWork, listing: Listing) -> ListingWithStock:
    return ListingWithStock(listing, tuple(await uow.inventory.for_item(listing.item_id)))
