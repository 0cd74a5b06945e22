"""The MercadoLibre gateway for listings (mercadolibre-api.md §4), as the use cases see it.

Errors as for application.ports.marketplace.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Protocol

import attrs

from domain.listings import (
    Attribute,
    Condition,
    Listing,
    ListingStatus,
    Picture,
    Shipping,
    Variation,
)
from domain.money import Money


@attrs.define(frozen=True)
class ItemIdPage:
    """One page of a seller's item ids from a scan (§4.11); `scroll_id` None at the end."""

    item_ids: tuple[str, ...]
    total: int
    scroll_id: str | None


@attrs.define(frozen=True)
class ItemIdWindow:
    """One page of a seller's item ids from an offset search (§4.11), from `offset` of
    `total`."""

    item_ids: tuple[str, ...]
    total: int
    offset: int


# §4.11: offset paging serves offset+limit up to 1000, pages of at most 100 [INF].
SEARCH_MAX_OFFSET = 1000
SEARCH_MAX_LIMIT = 100


def check_search_window(offset: int, limit: int) -> None:
    """ValueError for a page offset paging does not serve (§4.11): a caller's bug, found
    before any call."""
    if not 1 <= limit <= SEARCH_MAX_LIMIT:
        raise ValueError(f"a search page holds 1 to {SEARCH_MAX_LIMIT} ids, not {limit}")
    if offset < 0 or offset + limit > SEARCH_MAX_OFFSET:
        raise ValueError(
            f"offset paging serves offset + limit up to {SEARCH_MAX_OFFSET}, "
            f"not {offset} + {limit} (§4.11)"
        )


@attrs.define(frozen=True)
class StockSnapshot:
    """What MercadoLibre shows as available, per listing and per variation (§4.1, §4.6)."""

    item_id: str
    available_quantity: int
    status: str
    variations: tuple[tuple[int, int], ...] = ()  # (variation id, available quantity)


@attrs.define(frozen=True)
class NewListing:
    """Everything needed to publish a listing (§4.2); validated by the use case first."""

    site_id: str
    title: str
    category_id: str
    price: Money
    available_quantity: int
    condition: Condition = Condition.NEW
    listing_type_id: str = "gold_special"
    buying_mode: str = "buy_it_now"
    pictures: tuple[Picture, ...] = ()
    description: str | None = None
    shipping: Shipping | None = None
    variations: tuple[Variation, ...] = ()
    attributes: tuple[Attribute, ...] = ()
    video_id: str | None = None
    seller_sku: str | None = None


@attrs.define(frozen=True)
class VariationChange:
    """One entry of the `variations` of a PUT /items/{id} (§4.6), carrying only what
    changes; None means "leave as is".

    An existing variation is named by `id`; `{"id"}` alone keeps it exactly as
    MercadoLibre has it, stock included. That is how a PUT keeps the variations it does
    not change (MercadoLibre deletes the ones left out) without sending back a stored
    available_quantity that sales may have lowered since. A new variation has no id and
    carries what §4.6 requires: attribute_combinations, price, available_quantity and
    picture_ids.
    """

    id: int | None = None
    attribute_combinations: tuple[Attribute, ...] | None = None
    price: Money | None = None
    available_quantity: int | None = None
    picture_ids: tuple[str, ...] | None = None
    seller_sku: str | None = None

    @classmethod
    def new(cls, variation: Variation) -> VariationChange:
        return cls(
            None,
            variation.attribute_combinations,
            variation.price,
            variation.available_quantity,
            variation.picture_ids,
            variation.seller_sku,
        )

    @property
    def keeps_as_is(self) -> bool:
        """An existing variation named by id alone: nothing of it changes."""
        return self.id is not None and all(
            getattr(self, f.name) is None for f in attrs.fields(type(self)) if f.name != "id"
        )


@attrs.define(frozen=True)
class ListingChanges:
    """A PUT /items/{id} (§4.3). None means "leave as is". `variations`, when given, is the
    complete set to keep: MercadoLibre deletes the variations a PUT leaves out (§4.6). A
    Variation entry is sent whole; a VariationChange sends only what it names."""

    title: str | None = None
    price: Money | None = None
    available_quantity: int | None = None
    pictures: tuple[Picture, ...] | None = None
    attributes: tuple[Attribute, ...] | None = None
    variations: tuple[Variation | VariationChange, ...] | None = None
    shipping: Shipping | None = None
    video_id: str | None = None
    status: ListingStatus | None = None

    @property
    def is_empty(self) -> bool:
        return all(getattr(self, f.name) is None for f in attrs.fields(type(self)))


@attrs.define(frozen=True)
class RelistedVariation:
    """One variation of a closed listing to publish again, with its price and the
    quantity MercadoLibre will show."""

    id: int
    price: Money
    quantity: int


@attrs.define(frozen=True)
class Relist:
    """POST /items/{id}/relist (§4.3: a closed listing is only relisted): the listing
    type, and `price` and `quantity` for a listing without variations, or the
    `variations` to publish again (those left out are not)."""

    listing_type_id: str
    price: Money | None = None
    quantity: int | None = None
    variations: tuple[RelistedVariation, ...] = ()


@attrs.define(frozen=True)
class HealthGoal:
    """One goal of a listing's quality (§4.12); `completed_at` is when it was met, when
    MercadoLibre says so."""

    id: str
    name: str
    progress: float
    completed: bool
    completed_at: datetime | None = None


@attrs.define(frozen=True)
class ListingHealth:
    """Listing quality (§4.12): 0..1 with the goals still open."""

    item_id: str
    health: float | None
    level: str | None
    goals: tuple[HealthGoal, ...] = ()


@attrs.define(frozen=True)
class CategoryPrediction:
    """One answer of the category predictor (§4.9), most likely first."""

    category_id: str
    category_name: str
    domain_id: str
    domain_name: str


class ListingGateway(Protocol):
    """Listings of a connected account on MercadoLibre."""

    async def scan_item_ids(
        self, account_id: int, seller_id: int, scroll_id: str | None = None, limit: int = 100
    ) -> ItemIdPage:
        """The next page of a scan over all the seller's items (§4.11: `search_type=scan`,
        at most 100 per page, the scroll lives 5 minutes). Raises ScrollExpired when
        MercadoLibre no longer knows the scroll."""
        ...

    async def recently_updated_item_ids(
        self, account_id: int, seller_id: int, offset: int = 0, limit: int = 50
    ) -> ItemIdWindow:
        """A page of the seller's live item ids, the most recently changed first (§4.11:
        `orders=last_updated_desc`, offset paging). ValueError, before any call, for a
        `limit` outside 1..100 or an `offset + limit` beyond the 1000 that offset paging
        serves. Forbidden for another seller's items. Idempotent."""
        ...

    async def get_listings(self, account_id: int, item_ids: Sequence[str]) -> dict[str, Listing]:
        """Multiget of at most 20 ids (§4.11), asking only for the fields the local copy
        keeps. Ids MercadoLibre does not return (404, deleted) are absent from the result.
        Idempotent."""
        ...

    async def get_stock(self, account_id: int, item_ids: Sequence[str]) -> dict[str, StockSnapshot]:
        """Multiget of at most 20 ids with only the stock fields. Idempotent."""
        ...

    async def get_listing(self, account_id: int, item_id: str) -> Listing:
        """One listing with its description. Raises NotFound."""
        ...

    async def get_description(self, account_id: int, item_id: str) -> str | None:
        """The listing's description as plain text (§4.7), or None when it has none; what
        `get_listing` adds to the item, for listings read by a multiget. Idempotent."""
        ...

    async def create_listing(self, account_id: int, listing: NewListing) -> Listing:
        """POST /items, then the description (§4.2, §4.7). Raises ValidationFailed with
        MercadoLibre's causes. Not idempotent; counts against the listing quota."""
        ...

    async def validate_listing(self, account_id: int, listing: NewListing) -> None:
        """POST /items/validate (§4.2 dry run): returns when MercadoLibre would publish
        the listing as is; ValidationFailed with every cause it names otherwise.
        Publishes nothing; idempotent."""
        ...

    async def update_listing(
        self, account_id: int, item_id: str, changes: ListingChanges
    ) -> Listing:
        """PUT /items/{id} (§4.3) and return the listing as MercadoLibre now has it.
        Retries the optimistic-locking 409 after a pause (§2.5). Idempotent."""
        ...

    async def set_stock(
        self,
        account_id: int,
        item_id: str,
        quantities: Mapping[int | None, int],
        variation_ids: Sequence[int] = (),
    ) -> None:
        """Change only stock with a PUT (§4.3, §4.6): `available_quantity` (key None) for
        a listing without variations; otherwise every variation in `variation_ids` is
        sent by id (MercadoLibre deletes the ones a PUT leaves out) with the new quantity
        of those in `quantities`. Idempotent; rides out the 409 like update_listing.
        ValueError (a caller's bug, checked before any call) when the keys of
        `quantities` do not fit `variation_ids`: callers check them against a fresh
        `get_stock` first."""
        ...

    async def set_description(self, account_id: int, item_id: str, text: str) -> None:
        """Create or replace the plain-text description (§4.7). Idempotent."""
        ...

    async def delete_listing(self, account_id: int, item_id: str) -> None:
        """Close, then mark deleted (§4.4), riding out the 409 between the two steps.
        Idempotent: an item already closed or deleted is fine."""
        ...

    async def relist_listing(self, account_id: int, item_id: str, relist: Relist) -> Listing:
        """Publish a closed listing again: MercadoLibre answers a NEW listing, with a new
        item id, whose `relisted_from` is `item_id` (its parent_item_id, §4.1); the closed
        one stays closed. Not idempotent (each call publishes one more listing): never
        repeated after an ambiguous failure. NotFound; ValidationFailed with
        MercadoLibre's causes (a listing that is not closed, or deleted, is refused)."""
        ...

    async def listing_health(self, account_id: int, item_id: str) -> ListingHealth:
        """§4.12. Raises NotFound."""
        ...

    async def predict_category(
        self, account_id: int, site_id: str, title: str, limit: int = 4
    ) -> list[CategoryPrediction]:
        """The category predictor (§4.9), called with a connected account's token (it
        only identifies the application). Raises ValidationFailed for a bad site or an
        empty title."""
        ...
