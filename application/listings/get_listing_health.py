from __future__ import annotations

from application.errors import (
    Conflict,
)
from application.inventory.states import final_state
from application.ports.listing_gateway import (
    ListingGateway,
    ListingHealth,
)
from application.ports.unit_of_work import UnitOfWorkFactory


class GetListingHealth:
    """A listing's quality score (§4.12). MercadoLibre scores only live listings: a
    closed or removed one is a Conflict naming its state, read from the local copy,
    and MercadoLibre is not called."""

    def __init__(self, uow: UnitOfWorkFactory, listings: ListingGateway) -> None:
        self._uow = uow
        self._listings = listings

    async def __call__(self, item_id: str) -> ListingHealth:
        async with self._uow() as uow:
            stored = await uow.listings.get(item_id)
        state = final_state(stored)
        if state is not None:
            raise Conflict(f"{state}: a closed or removed listing has no health (§4.12)")
        return await self._listings.listing_health(stored.account_id, item_id)
