from __future__ import annotations

from application.accounts.usable import usable_account
from application.errors import (
    Conflict,
    FieldProblem,
    ValidationFailed,
)
from application.listings.views import ListingWithStock, with_stock
from application.listings.written import stored_after_write
from application.ports.clock import Clock
from application.ports.listing_gateway import (
    ListingChanges,
    ListingGateway,
)
from application.ports.unit_of_work import UnitOfWorkFactory
from domain.listings import (
    Listing,
    ListingStatus,
)


class ChangeListingStatus:
    """Pause or reactivate a listing (§4.3: lowercase statuses; closed is final)."""

    def __init__(self, uow: UnitOfWorkFactory, listings: ListingGateway, clock: Clock) -> None:
        self._uow = uow
        self._listings = listings
        self._clock = clock

    async def __call__(self, item_id: str, status: ListingStatus) -> ListingWithStock:
        if status not in (ListingStatus.ACTIVE, ListingStatus.PAUSED):
            raise ValidationFailed([FieldProblem("status", "only active or paused")])
        async with self._uow() as uow:
            stored = await uow.listings.get(item_id)
            await usable_account(uow, stored.account_id)
        if stored.is_final or stored.removed_at is not None:
            raise Conflict(f"{item_id} is closed; a closed listing cannot change status")
        current = await self._listings.get_listing(stored.account_id, item_id)
        if current.is_final:
            raise Conflict(f"{item_id} is closed; a closed listing cannot be reactivated")
        if status is ListingStatus.ACTIVE and current.total_quantity == 0:
            raise ValidationFailed(
                [
                    FieldProblem(
                        "available_quantity", "Is not possible to activate an item without stock."
                    )
                ]
            )
        updated = current
        if current.status is not status:
            updated = await self._listings.update_listing(
                stored.account_id, item_id, ListingChanges(status=status)
            )
        return await stored_after_write(self._listings, stored.account_id, updated, self._store)

    async def _store(self, listing: Listing) -> ListingWithStock:
        async with self._uow() as uow:
            await uow.listings.upsert([listing])
            result = await with_stock(uow, listing)
            await uow.commit()
        return result
