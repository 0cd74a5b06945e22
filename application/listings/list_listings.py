from __future__ import annotations

from application.ports.unit_of_work import UnitOfWorkFactory
from application.queries import ListingQuery, Page
from domain.listings import (
    Listing,
)


class ListListings:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, query: ListingQuery) -> Page[Listing]:
        async with self._uow() as uow:
            return await uow.listings.search(query)
