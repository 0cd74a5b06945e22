"""Stored listings (MercadoLibre's items). Repository conventions: see
application.ports.repositories.accounts.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Protocol

from application.queries import (
    ListingQuery,
    Page,
)
from domain.listings import Listing


class ListingRepository(Protocol):
    async def get(self, item_id: str) -> Listing: ...

    async def find(self, item_id: str) -> Listing | None: ...

    async def find_many(self, item_ids: Iterable[str]) -> dict[str, Listing]:
        """The stored listings among `item_ids`, by id; missing ids are left out."""
        ...

    async def upsert(self, listings: Iterable[Listing]) -> None:
        """Insert or replace each listing by item id, in order (the last copy of an id
        wins). A listing whose description is None keeps the stored description: None
        means "not read" (multigets leave it out, §4.11; it is its own resource, §4.7),
        and MercadoLibre has no way to delete one (§4.7). Idempotent."""
        ...

    async def search(self, query: ListingQuery) -> Page[Listing]:
        """Listings matching the query, newest first by item id."""
        ...

    async def item_ids(self, account_id: int) -> set[str]:
        """Ids of the account's listings that are not marked removed."""
        ...

    async def described(self, account_id: int) -> dict[str, datetime | None]:
        """The account's listings whose description was read (stored, not None), with
        their MercadoLibre `last_updated`: what a catalogue sync need not read again
        (§4.7) unless MercadoLibre changed the listing since."""
        ...

    async def mark_removed(
        self,
        item_ids: Iterable[str],
        now: datetime,
        *,
        last_updated_before: datetime | None = None,
    ) -> int:
        """Mark listings as no longer on MercadoLibre; return how many changed. With
        `last_updated_before`, leave out listings whose MercadoLibre `last_updated` is that
        moment or later (one changed since was alive then); an unknown one does not count
        as later. Unknown ids and listings already removed are skipped. Idempotent."""
        ...
