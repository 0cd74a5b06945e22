"""Where items live: demo items generated on demand, and stored documents for every item
that was created or changed. Nothing here knows about HTTP."""

from __future__ import annotations

import copy
import random
import re
from typing import Any

from sandbox.clock import SimulatedClock, iso
from sandbox.demo import (
    CREATED_BASE,
    DELETED,
    STATUS_CODES,
    DemoCatalogue,
    SellerListings,
    demo_status,
)
from sandbox.item_shape import seller_skus

ITEM_ID = re.compile(r"^([A-Z]{3})(\d{1,12})$")
DEMO_SKU = re.compile(r"^SKU-(\d+)-(\d{7})(?:-\d+)?$")
DEMO_CUSTOM_FIELD = re.compile(r"^CF-(\d+)-(\d{7})$")


def status_code(item: dict[str, Any]) -> int:
    if "deleted" in (item.get("sub_status") or ()):
        return DELETED
    return STATUS_CODES.get(item["status"], STATUS_CODES["inactive"])


class ItemStore:
    def __init__(self, demo: DemoCatalogue, clock: SimulatedClock, seed: int) -> None:
        self.demo = demo
        self.clock = clock
        self._rng = random.Random(f"{seed}:ids")
        self.listings: dict[int, SellerListings] = {}
        self.documents: dict[str, dict[str, Any]] = {}
        self.descriptions: dict[str, dict[str, Any]] = {}
        self._created: dict[str, tuple[int, int]] = {}
        self._custom_field_index: dict[str, set[str]] = {}
        self._sku_index: dict[str, set[str]] = {}
        self._next_number = CREATED_BASE + self._rng.randrange(0, 1_000_000) * 10
        self._next_variation = 900_000_000_000 + self._rng.randrange(0, 1_000_000) * 100
        # §2.5: time of the last successful PUT per item, for the optimistic lock.
        self.last_put: dict[str, float] = {}
        # §4.3: items whose listing type PUT already changed (allowed once).
        self.listing_type_changed: set[str] = set()
        # §4.8: pictures uploaded through /pictures/items/upload, by id.
        self.uploads: dict[str, dict[str, Any]] = {}

    # -- sellers ------------------------------------------------------------------------

    def add_seller(self, user_id: int, site_id: str, demo_count: int = 0) -> SellerListings:
        # Sellers are never removed, so the count numbers them.
        listings = self.demo.listings_for(user_id, site_id, len(self.listings), demo_count)
        self.listings[user_id] = listings
        return listings

    def listings_of(self, user_id: int, site_id: str) -> SellerListings:
        """The seller's listings, opened on the first item of a seller without demo items."""
        if user_id not in self.listings:
            return self.add_seller(user_id, site_id)
        return self.listings[user_id]

    # -- lookup -------------------------------------------------------------------------

    def locate(self, item_id: str) -> tuple[SellerListings, int] | None:
        if item_id in self._created:
            user_id, position = self._created[item_id]
            return self.listings[user_id], position
        match = ITEM_ID.match(item_id)
        if not match:
            return None
        site_id, number = match.group(1), int(match.group(2))
        for listings in self.listings.values():
            if listings.site_id == site_id and listings.demo_count:
                position = listings.demo_position(number)
                if position is not None:
                    return listings, position
        return None

    def get(self, item_id: str) -> dict[str, Any] | None:
        """A copy of the item as stored, or None. Changing it changes nothing."""
        document = self.documents.get(item_id)
        if document is not None:
            return copy.deepcopy(document)
        located = self.locate(item_id)
        if located is None:
            return None
        return self.demo.build(*located)

    # -- writes -------------------------------------------------------------------------

    def save(self, item: dict[str, Any]) -> None:
        """Store a changed item and keep the search facets and SKU indexes in step."""
        item_id = item["id"]
        previous = self.documents.get(item_id)
        if previous is not None:
            self._unindex(previous)
        now = self.clock.now()
        item["last_updated"] = iso(now)
        self.documents[item_id] = copy.deepcopy(item)
        self._index(item)
        located = self.locate(item_id)
        if located is not None:
            listings, position = located
            listings.statuses[position] = status_code(item)
            listings.touch(item_id, now)

    def insert(self, item: dict[str, Any]) -> None:
        """Store a newly created item at the end of its seller's listings."""
        listings = self.listings_of(item["seller_id"], item["site_id"])
        position = listings.size
        listings.created.append(item["id"])
        listings.statuses.append(status_code(item))
        self._created[item["id"]] = (item["seller_id"], position)
        self.save(item)

    def _index(self, item: dict[str, Any]) -> None:
        field = item.get("seller_custom_field")
        if field:
            self._custom_field_index.setdefault(field, set()).add(item["id"])
        for sku in seller_skus(item):
            self._sku_index.setdefault(sku, set()).add(item["id"])

    def _unindex(self, item: dict[str, Any]) -> None:
        field = item.get("seller_custom_field")
        if field:
            self._custom_field_index.get(field, set()).discard(item["id"])
        for sku in seller_skus(item):
            self._sku_index.get(sku, set()).discard(item["id"])

    # -- SKU lookups (§4.11 sku= and seller_sku= filters) --------------------------------

    def positions_with_sku(
        self, listings: SellerListings, value: str, *, seller_sku: bool
    ) -> list[int]:
        """Positions of the seller's items whose seller_custom_field (or SELLER_SKU)
        equals `value`, in listing order."""
        index = self._sku_index if seller_sku else self._custom_field_index
        ids = set(index.get(value, ()))
        pattern = DEMO_SKU if seller_sku else DEMO_CUSTOM_FIELD
        match = pattern.match(value)
        if match and int(match.group(1)) == listings.ordinal + 1:
            position = int(match.group(2))
            if position < listings.demo_count:
                demo_id = listings.item_id(position)
                # A stored document overrides the demo value; the index holds it.
                if demo_id not in self.documents:
                    ids.add(demo_id)
        positions = []
        for item_id in ids:
            located = self.locate(item_id)
            if located is not None and located[0] is listings:
                positions.append(located[1])
        return sorted(positions)

    # -- facts for filters without building items -----------------------------------------

    def facts(self, listings: SellerListings, position: int) -> tuple[list[str], str]:
        """(sub_status, listing_type_id) of a position, cheaply for demo items."""
        document = self.documents.get(listings.item_id(position))
        if document is not None:
            return document.get("sub_status") or [], document["listing_type_id"]
        _, sub_status = demo_status(position)
        return sub_status, "gold_pro" if position % 3 == 1 else "gold_special"

    # -- descriptions (§4.7) ------------------------------------------------------------

    def description(self, item_id: str) -> dict[str, Any] | None:
        if item_id in self.descriptions:
            return copy.deepcopy(self.descriptions[item_id])
        located = self.locate(item_id)
        if located is None or item_id in self._created:
            return None
        listings, position = located
        if not self.demo.has_description(position):
            return None
        text = self.demo.description_text(listings, position)
        created = self.demo.build(listings, position)["date_created"]
        return description_json(item_id, text, created, created)

    def has_description(self, item_id: str) -> bool:
        if item_id in self.descriptions:
            return True
        if item_id in self._created:
            return False
        located = self.locate(item_id)
        return located is not None and self.demo.has_description(located[1])

    def set_description(self, item_id: str, text: str) -> dict[str, Any]:
        existing = self.description(item_id)
        now = iso(self.clock.now())
        created = existing["date_created"] if existing else now
        self.descriptions[item_id] = description_json(item_id, text, created, now)
        return copy.deepcopy(self.descriptions[item_id])

    # -- identifiers --------------------------------------------------------------------

    def new_item_id(self, site_id: str) -> str:
        self._next_number += self._rng.randrange(1, 40)
        return f"{site_id}{self._next_number}"

    def new_variation_id(self) -> int:
        self._next_variation += self._rng.randrange(1, 90)
        return self._next_variation

    def new_picture_id(self, site_id: str) -> str:
        rng = self._rng
        month = iso(self.clock.now())
        return (
            f"{rng.randrange(600000, 999999)}-{site_id}{rng.randrange(10**10, 10**11)}"
            f"_{month[5:7]}{month[:4]}"
        )


def description_json(item_id: str, text: str, created: str, updated: str) -> dict[str, Any]:
    """§4.7: `{text, plain_text, last_updated, date_created, snapshot}`."""
    return {
        "text": "",
        "plain_text": text,
        "last_updated": updated,
        "date_created": created,
        "snapshot": {
            "url": f"http://descriptions.mlstatic.com/D-{item_id}.jpg?hash=0_0",
            "width": 0,
            "height": 0,
            "status": "",
        },
    }
