from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from application.errors import ApplicationError, Forbidden
from application.listings.observed import store_observed
from application.listings.sync_listing import SyncListing
from application.ports.clock import Clock
from application.ports.listing_gateway import ListingGateway
from application.ports.unit_of_work import UnitOfWorkFactory
from domain.listings import Listing

log = logging.getLogger(__name__)

MULTIGET_SIZE = 20  # §4.11: at most 20 ids per multiget
CONCURRENT_READS = 8

# What became of one listing: as MercadoLibre has it now (stored), None when it no longer
# has it (marked removed), or the error that kept it from being read or stored.
Synced = Listing | None | ApplicationError


class SyncListings:
    """SyncListing for many listings of one account at once (a batch of `items`
    notifications, §9.3): one multiget per 20 ids (§4.11) and each description (§4.7),
    then everything stored in one unit of work. Each listing ends as it would alone,
    ownership included (SyncListing): another seller's listing is Forbidden and not
    stored; one MercadoLibre no longer has is marked removed. A multiget that fails as a
    whole (one item refused makes MercadoLibre refuse the call) is read again one
    listing at a time, so that one bad item is only its own error. Idempotent."""

    def __init__(
        self, uow: UnitOfWorkFactory, listings: ListingGateway, clock: Clock, safety_stock: int = 0
    ) -> None:
        self._uow = uow
        self._listings = listings
        self._clock = clock
        self._safety_stock = safety_stock
        self._one = SyncListing(uow, listings, clock, safety_stock)

    async def __call__(self, account_id: int, item_ids: Sequence[str]) -> dict[str, Synced]:
        async with self._uow() as uow:
            account = await uow.accounts.get(account_id)
        ids = list(dict.fromkeys(item_ids))
        slots = asyncio.Semaphore(CONCURRENT_READS)
        outcomes: dict[str, Synced | _Stored] = {}
        chunks = [ids[start : start + MULTIGET_SIZE] for start in range(0, len(ids), MULTIGET_SIZE)]

        async def read(chunk: list[str]) -> None:
            async with slots:
                try:
                    found = await self._listings.get_listings(account_id, chunk)
                except ApplicationError as error:
                    log.info(
                        "a multiget of %d listings failed (%s); one at a time", len(chunk), error
                    )
                    found = None
            if found is None:
                await asyncio.gather(
                    *(self._alone(account_id, item_id, outcomes) for item_id in chunk)
                )
                return
            for item_id in chunk:
                listing = found.get(item_id)
                if listing is None:
                    outcomes[item_id] = None
                elif listing.seller_id != account.seller_id:
                    outcomes[item_id] = Forbidden(
                        f"{item_id} is seller {listing.seller_id}'s listing, not seller "
                        f"{account.seller_id}'s (account {account_id}); not stored"
                    )
                else:
                    outcomes[item_id] = listing
            await asyncio.gather(
                *(
                    self._describe(account_id, listing, outcomes, slots)
                    for listing in found.values()
                    if outcomes.get(listing.item_id) is listing
                )
            )

        await asyncio.gather(*(read(chunk) for chunk in chunks))
        await self._store(account_id, outcomes)
        return {
            item_id: outcome.listing if isinstance(outcome, _Stored) else outcome
            for item_id in ids
            for outcome in [outcomes[item_id]]
        }

    async def _alone(
        self, account_id: int, item_id: str, outcomes: dict[str, Synced | _Stored]
    ) -> None:
        """Read, check and store one listing as SyncListing does; its outcome."""
        try:
            outcomes[item_id] = _Stored(await self._one(account_id, item_id))
        except ApplicationError as error:
            outcomes[item_id] = error

    async def _describe(
        self,
        account_id: int,
        listing: Listing,
        outcomes: dict[str, Synced | _Stored],
        slots: asyncio.Semaphore,
    ) -> None:
        async with slots:
            try:
                listing.description = await self._listings.get_description(
                    account_id, listing.item_id
                )
            except ApplicationError as error:
                outcomes[listing.item_id] = error

    async def _store(self, account_id: int, outcomes: dict[str, Synced | _Stored]) -> None:
        """Store the listings read (those SyncListing stored alone already are), and mark
        removed those MercadoLibre no longer has: in one unit of work."""
        fresh = [o for o in outcomes.values() if isinstance(o, Listing)]
        gone = [item_id for item_id, o in outcomes.items() if o is None]
        if fresh or gone:
            async with self._uow() as uow:
                if fresh:
                    await store_observed(uow, fresh, self._safety_stock, self._clock.now())
                if gone:
                    stored = await uow.listings.find_many(gone)
                    mine = [i for i, known in stored.items() if known.account_id == account_id]
                    if mine:
                        await uow.listings.mark_removed(mine, self._clock.now())
                        log.info(
                            "%d listings are gone from MercadoLibre; marked removed", len(mine)
                        )
                await uow.commit()


class _Stored:
    """A listing SyncListing read and stored alone (or None: gone, marked removed)."""

    def __init__(self, listing: Listing | None) -> None:
        self.listing = listing
