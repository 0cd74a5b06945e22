"""Storing listings as MercadoLibre showed them: the shared step of every catalogue read.

An older copy never replaces a newer one; the stock MercadoLibre shows is adopted where
no newer request of the seller's is recorded.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime

import attrs

from application.ports.unit_of_work import UnitOfWork
from domain.inventory import StockLevel
from domain.listings import Listing


def _stock_slots(listing: Listing) -> list[tuple[int | None, int]]:
    """(variation id, quantity shown) of each stock the listing has: one per variation
    when it has variations, else one for the item (None); never both (§4.6)."""
    if listing.variations:
        return [(v.id, v.available_quantity) for v in listing.variations]
    return [(None, listing.available_quantity)]


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
        for variation_id, available in _stock_slots(listing):
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


def stale_stock_keys(
    listings: Iterable[Listing], existing: dict[str, list[StockLevel]]
) -> list[tuple[str, int | None]]:
    """The (item id, variation id) of stored levels for stock the listings no longer
    have: the item-level count of a listing that now has variations, the variations'
    counts of one that has none left, a variation deleted on MercadoLibre (§4.6)."""
    stale = []
    for listing in listings:
        slots = {variation_id for variation_id, _ in _stock_slots(listing)}
        stale.extend(
            (listing.item_id, level.variation_id)
            for level in existing.get(listing.item_id, ())
            if level.variation_id not in slots
        )
    return stale


def _older(listing: Listing, stored: Listing | None) -> bool:
    """Whether MercadoLibre changed the listing after `listing` was read (both times on
    MercadoLibre's clock): a sync's read overtaken by an update stored meanwhile."""
    return (
        stored is not None
        and stored.last_updated is not None
        and listing.last_updated is not None
        and listing.last_updated < stored.last_updated
    )


def _unchanged(listing: Listing, stored: Listing | None) -> bool:
    """Whether storing `listing` would leave the stored row as it is. Every field is
    compared (attrs eq), as the upsert writes every field, except that a copy without
    description keeps the stored one (multigets do not read it, §4.7). A stored
    `removed_at` counts as a change: the upsert clears it (the listing is back)."""
    if stored is None:
        return False
    if listing.description is None:
        listing = attrs.evolve(listing, description=stored.description)
    return listing == stored


@attrs.define(frozen=True)
class ObservedCounts:
    """What store_observed did with the copies it was given. A copy older than the
    stored listing is in none of the counts."""

    created: int = 0
    updated: int = 0  # stored, and something MercadoLibre shows changed
    unchanged: int = 0  # equal to the stored listing: not written


async def store_observed(
    uow: UnitOfWork, listings: list[Listing], safety_stock: int, now: datetime
) -> ObservedCounts:
    """Upsert listings as MercadoLibre shows them; return how many were created,
    updated, and unchanged (equal to the stored copy, so not written: most of a periodic
    sync's listings).

    Their stock levels take the listing's shape: a level for each stock it has that has
    none yet (observed_stock_levels), and none for stock it no longer has
    (stale_stock_keys; the ledger keeps their history). So once a listing has
    variations its stock is per variation only, and the other way round. A copy older
    than the stored one (by MercadoLibre's `last_updated`: a sync that read the listing
    just before a PUT stored a newer answer) is not stored at all, so it can neither
    undo the newer listing nor its levels.
    """
    if not listings:
        return ObservedCounts()
    ids = [listing.item_id for listing in listings]
    known = await uow.listings.find_many(ids)
    current = [listing for listing in listings if not _older(listing, known.get(listing.item_id))]
    # An id given twice is written as given: the upsert merges its copies in order.
    repeated = Counter(listing.item_id for listing in current)
    changed = [
        listing
        for listing in current
        if repeated[listing.item_id] > 1 or not _unchanged(listing, known.get(listing.item_id))
    ]
    await uow.listings.upsert(changed)
    # Every copy shapes the levels, unchanged ones too: a level may be missing still.
    levels = await uow.inventory.for_items([listing.item_id for listing in current])
    await uow.inventory.remove(stale_stock_keys(current, levels))
    await uow.inventory.upsert(observed_stock_levels(current, levels, safety_stock, now))
    created = sum(1 for listing in current if listing.item_id not in known)
    return ObservedCounts(created, len(changed) - created, len(current) - len(changed))
