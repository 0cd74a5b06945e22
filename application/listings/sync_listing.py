from __future__ import annotations

import logging

from application.errors import (
    Forbidden,
    NotFound,
)
from application.listings.observed import store_observed
from application.ports.clock import Clock
from application.ports.listing_gateway import ListingGateway
from application.ports.unit_of_work import UnitOfWorkFactory
from domain.listings import Listing

log = logging.getLogger(__name__)


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
        """The listing as MercadoLibre now has it, or None if it no longer has it (it is
        then marked removed). The description is read too (§4.7) and stored; when the
        item has none, the stored one is kept (descriptions cannot be deleted, §4.7, and
        the repository keeps a stored description over None). Idempotent.

        Raises Forbidden for another seller's listing: items are public (§4.1), so any
        token reads any item, and an unsigned notification (§9.6) naming one seller and
        another's item must neither copy it into the first's catalogue nor move it there.
        """
        async with self._uow() as uow:
            account = await uow.accounts.get(account_id)
        try:
            listing = await self._listings.get_listing(account_id, item_id)
        except NotFound:
            async with self._uow() as uow:
                stored = (await uow.listings.find_many([item_id])).get(item_id)
                if stored is not None and stored.account_id == account_id:
                    await uow.listings.mark_removed([item_id], self._clock.now())
                    log.info("listing %s is gone from MercadoLibre; marked removed", item_id)
                await uow.commit()
            return None
        if listing.seller_id != account.seller_id:
            raise Forbidden(
                f"{item_id} is seller {listing.seller_id}'s listing, not seller "
                f"{account.seller_id}'s (account {account_id}); not stored"
            )
        async with self._uow() as uow:
            await store_observed(uow, [listing], self._safety_stock, self._clock.now())
            await uow.commit()
        return listing
