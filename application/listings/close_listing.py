from __future__ import annotations

from application.accounts.usable import usable_account
from application.errors import Conflict
from application.listings.views import ListingWithStock, with_stock
from application.listings.written import stored_after_write
from application.ports.listing_gateway import ListingChanges, ListingGateway
from application.ports.unit_of_work import UnitOfWorkFactory
from domain.listings import Listing, ListingStatus


class CloseListing:
    """Close a listing without deleting it (§4.3: `{"status":"closed"}`; closed is final
    but can be relisted, RelistListing). The local copy keeps it, closed.

    Idempotent: a listing the local copy already has closed is answered as it is, without
    calling MercadoLibre; one MercadoLibre already shows closed is stored as such. A
    listing removed from MercadoLibre (deleted) is a Conflict."""

    def __init__(self, uow: UnitOfWorkFactory, listings: ListingGateway) -> None:
        self._uow = uow
        self._listings = listings

    async def __call__(self, item_id: str) -> ListingWithStock:
        async with self._uow() as uow:
            stored = await uow.listings.get(item_id)
            await usable_account(uow, stored.account_id)
            if stored.removed_at is not None:
                raise Conflict(
                    f"{item_id} was removed from MercadoLibre on "
                    f"{stored.removed_at.isoformat()}: there is nothing left to close"
                )
            if stored.status is ListingStatus.CLOSED:
                return await with_stock(uow, stored)
        current = await self._listings.get_listing(stored.account_id, item_id)
        closed = current
        if current.status is not ListingStatus.CLOSED:
            closed = await self._listings.update_listing(
                stored.account_id, item_id, ListingChanges(status=ListingStatus.CLOSED)
            )
        return await stored_after_write(self._listings, stored.account_id, closed, self._store)

    async def _store(self, listing: Listing) -> ListingWithStock:
        async with self._uow() as uow:
            await uow.listings.upsert([listing])
            result = await with_stock(uow, listing)
            await uow.commit()
        return result
