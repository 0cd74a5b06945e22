"""Keeping the local copy of each seller's listings in step with MercadoLibre."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

from application.errors import NotFound
from application.ports.clock import Clock
from application.ports.marketplace import ListingGateway
from application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from domain.inventory import StockLevel
from domain.listings import Listing

log = logging.getLogger(__name__)


def observed_stock_levels(
    listings: Iterable[Listing],
    existing: dict[str, list[StockLevel]],
    safety_stock: int,
    now: datetime,
) -> list[StockLevel]:
    """Stock levels for listings seen on MercadoLibre that have none locally yet.

    A level that exists is the seller's own count and is left alone (the inventory sync
    reconciles it). A new one starts from what MercadoLibre shows plus the safety stock,
    so that what we would publish equals what is published.
    """
    created = []
    for listing in listings:
        known = {level.variation_id for level in existing.get(listing.item_id, ())}
        slots = (
            [(v.id, v.available_quantity) for v in listing.variations]
            if listing.variations
            else [(None, listing.available_quantity)]
        )
        for variation_id, available in slots:
            if variation_id in known:
                continue
            created.append(
                StockLevel(
                    item_id=listing.item_id,
                    variation_id=variation_id,
                    quantity=available + safety_stock,
                    safety_stock=safety_stock,
                    updated_at=now,
                )
            )
    return created


async def store_observed(
    uow: UnitOfWork, listings: list[Listing], safety_stock: int, now: datetime
) -> tuple[int, int]:
    """Upsert listings as MercadoLibre shows them; return (created, updated)."""
    if not listings:
        return 0, 0
    ids = [listing.item_id for listing in listings]
    known = await uow.listings.find_many(ids)
    await uow.listings.upsert(listings)
    levels = await uow.inventory.for_items(ids)
    await uow.inventory.upsert(observed_stock_levels(listings, levels, safety_stock, now))
    created = sum(1 for item_id in ids if item_id not in known)
    return created, len(ids) - created


class SyncListing:
    """Bring one listing up to date (after an `items` notification, §9.3)."""

    def __init__(
        self, uow: UnitOfWorkFactory, listings: ListingGateway, clock: Clock, safety_stock: int = 0
    ) -> None:
        self._uow = uow
        self._listings = listings
        self._clock = clock
        self._safety_stock = safety_stock

    async def __call__(self, account_id: int, item_id: str) -> Listing | None:
        """The listing as now stored, or None if MercadoLibre no longer has it (it is
        then marked removed). Idempotent."""
        try:
            listing = await self._listings.get_listing(account_id, item_id)
        except NotFound:
            async with self._uow() as uow:
                await uow.listings.mark_removed([item_id], self._clock.now())
                await uow.commit()
            log.info("listing %s is gone from MercadoLibre; marked removed", item_id)
            return None
        async with self._uow() as uow:
            await store_observed(uow, [listing], self._safety_stock, self._clock.now())
            await uow.commit()
        return listing
