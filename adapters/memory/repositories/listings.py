from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import attrs

from adapters.memory.repositories.base import InMemoryRepository, item_number, page_of
from adapters.memory.store import (
    LISTINGS,
    private_copy,
)
from application.queries import (
    ListingQuery,
    Page,
)
from domain.listings import Listing


class InMemoryListingRepository(InMemoryRepository):
    async def get(self, item_id: str) -> Listing:
        return self._get(LISTINGS, item_id, "listing")

    async def find(self, item_id: str) -> Listing | None:
        return self._find(LISTINGS, item_id)

    async def find_many(self, item_ids: Iterable[str]) -> dict[str, Listing]:
        found = {}
        for item_id in item_ids:
            listing = self._staged.get(LISTINGS, item_id)
            if listing is not None:
                found[item_id] = private_copy(listing)
        return found

    async def upsert(self, listings: Iterable[Listing]) -> None:
        for listing in listings:
            self._require_account(listing.account_id)
            stored = self._staged.get(LISTINGS, listing.item_id)
            if listing.description is None and stored is not None:
                listing = attrs.evolve(listing, description=stored.description)
            self._staged.put(LISTINGS, listing.item_id, listing)

    async def search(self, query: ListingQuery) -> Page[Listing]:
        needle = query.title.lower() if query.title else None

        def matches(listing: Listing) -> bool:
            return (
                (query.account_id is None or listing.account_id == query.account_id)
                and (query.status is None or listing.status == query.status)
                and (needle is None or needle in listing.title.lower())
                and (query.sku is None or listing.seller_sku == query.sku)
                and (query.include_removed or listing.removed_at is None)
                and (query.relisted_from is None or listing.relisted_from == query.relisted_from)
            )

        found = [listing for listing in self._staged.values(LISTINGS) if matches(listing)]
        found.sort(key=lambda item: (item_number(item.item_id), item.item_id), reverse=True)
        return page_of(found, query.paging)

    async def item_ids(self, account_id: int) -> set[str]:
        return {
            listing.item_id
            for listing in self._staged.values(LISTINGS)
            if listing.account_id == account_id and listing.removed_at is None
        }

    async def described(self, account_id: int) -> dict[str, datetime | None]:
        return {
            listing.item_id: listing.last_updated
            for listing in self._staged.values(LISTINGS)
            if listing.account_id == account_id and listing.description is not None
        }

    async def mark_removed(
        self,
        item_ids: Iterable[str],
        now: datetime,
        *,
        last_updated_before: datetime | None = None,
    ) -> int:
        def changed_since(listing: Listing) -> bool:
            return (
                last_updated_before is not None
                and listing.last_updated is not None
                and listing.last_updated >= last_updated_before
            )

        changed = 0
        for item_id in dict.fromkeys(item_ids):
            listing = self._staged.get(LISTINGS, item_id)
            if listing is not None and listing.removed_at is None and not changed_since(listing):
                self._staged.put(LISTINGS, item_id, attrs.evolve(listing, removed_at=now))
                changed += 1
        return changed
