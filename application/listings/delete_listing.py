from __future__ import annotations

import attrs

from application.accounts.usable import usable_account
from application.listings.views import ListingWithStock, with_stock
from application.listings.written import stored_after_write
from application.ports.clock import Clock
from application.ports.listing_gateway import (
    ListingGateway,
)
from application.ports.unit_of_work import UnitOfWorkFactory
from domain.listings import (
    Listing,
    ListingStatus,
)

DELETED = "deleted"  # §4.5: the sub_status of a deleted item, which stays closed (§4.4)


class DeleteListing:
    """Close, then delete (§4.4); the local copy is kept, marked removed.

    The copy stores what MercadoLibre then shows: status `closed`, sub_status
    `["deleted"]` (§4.4, §4.5). Idempotent: a listing already deleted is answered as
    stored, its first `removed_at` kept, and MercadoLibre is not called again.
    """

    def __init__(self, uow: UnitOfWorkFactory, listings: ListingGateway, clock: Clock) -> None:
        self._uow = uow
        self._listings = listings
        self._clock = clock

    async def __call__(self, item_id: str) -> ListingWithStock:
        async with self._uow() as uow:
            stored = await uow.listings.get(item_id)
            if stored.removed_at is not None and DELETED in stored.sub_status:
                return await with_stock(uow, stored)
            await usable_account(uow, stored.account_id)
        # Not deleted yet, or only marked removed by a sync (gone from a scan): make sure.
        # The gateway's delete is idempotent; one already gone or deleted costs a GET.
        await self._listings.delete_listing(stored.account_id, item_id)
        return await stored_after_write(self._listings, stored.account_id, stored, self._store)

    async def _store(self, listing: Listing) -> ListingWithStock:
        now = self._clock.now()
        async with self._uow() as uow:
            # Read again: a DELETE retried while this one was waiting on MercadoLibre may
            # have stored the removal; its time stands.
            current = await uow.listings.find(listing.item_id) or listing
            deleted = attrs.evolve(
                current,
                status=ListingStatus.CLOSED,
                sub_status=(DELETED,),
                removed_at=current.removed_at or now,
            )
            await uow.listings.upsert([deleted])
            result = await with_stock(uow, deleted)
            await uow.commit()
        return result
