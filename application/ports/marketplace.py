"""The MercadoLibre gateway, as the use cases see it.

Every method raises the port-level errors of application.errors, never HTTP or driver
errors: NotFound, ValidationFailed (with MercadoLibre's causes), Unauthorized, Forbidden,
RateLimited / QuotaExhausted, Unavailable, InvalidGrant (OAuth only). Calls on behalf of
an account obtain its access token from an AccessTokenSource and retry once with a
renewed token after a 401 (mercadolibre-api.md §2.2).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Protocol

import attrs

from domain.accounts import TokenPair
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
from domain.notifications import Notification
from domain.resources import ResourceSnapshot


@attrs.define(frozen=True)
class SellerProfile:
    """Who a token belongs to (GET /users/me, §3)."""

    user_id: int
    nickname: str
    site_id: str
    email: str | None = None


class OAuthGateway(Protocol):
    """The OAuth 2.0 side of MercadoLibre (§1)."""

    def authorization_url(self, site_id: str, state: str, code_challenge: str) -> str:
        """The consent page of the site's authorization host (§1.1), with PKCE S256 (§1.4).
        Raises UnknownSite."""
        ...

    async def exchange_code(self, code: str, code_verifier: str) -> TokenPair:
        """Trade an authorization code for a token pair (§1.2). Raises InvalidGrant. Not
        idempotent: a code works once."""
        ...

    async def refresh(self, refresh_token: str) -> TokenPair:
        """Trade a refresh token for a new pair (§1.3). The old refresh token is dead
        afterwards, so the caller must store the new pair before anything else. Raises
        InvalidGrant. Never retried blindly: a lost answer would burn the token."""
        ...

    async def profile(self, access_token: str) -> SellerProfile:
        """The token owner's profile (§3), for an account that is not stored yet."""
        ...


class AccessTokenSource(Protocol):
    """Where the gateway gets an account's access token (the token vault)."""

    async def access_token(self, account_id: int) -> str:
        """A valid access token, refreshed first if it expires soon. Raises
        ReauthorizationRequired, NotFound, LockTimeout."""
        ...

    async def renew_rejected(self, account_id: int, rejected_token: str) -> str:
        """MercadoLibre answered 401 to `rejected_token`: refresh unless another process
        already did, and return the token to retry with."""
        ...


@attrs.define(frozen=True)
class MissedFeedPage:
    """One page of GET /missed_feeds (§9.5): the notifications MercadoLibre gave up
    delivering, read leniently like a live one (§9.2). `size` counts every message of the
    page, `unreadable` those that could not be read as a notification at all."""

    notifications: tuple[Notification, ...]
    size: int
    unreadable: int = 0


@attrs.define(frozen=True)
class SnapshotPage:
    """One page of a search whose results are kept as snapshots; `total` as MercadoLibre
    counts it (`paging.total`, or `total`)."""

    snapshots: tuple[ResourceSnapshot, ...]
    total: int


class Marketplace(Protocol):
    """Calls made on behalf of a connected account."""

    async def seller_profile(self, account_id: int) -> SellerProfile:
        """GET /users/me with the account's token (§3)."""
        ...

    # --- Real time (issue 7, mercadolibre-api.md §9) ---------------------------------

    async def fetch_resource(
        self, account_id: int, path: str, params: Mapping[str, str] | None = None
    ) -> ResourceSnapshot:
        """GET the resource a notification points at, with the account's token (§9.2:
        always re-read the resource). `path` carries no query string. Raises NotFound
        (gone), Forbidden (not the account's, §12.2), ValidationFailed (MercadoLibre
        refused the request, e.g. §8.4's 400 for an unknown message), and the transient
        errors. Idempotent."""
        ...

    async def missed_feeds(
        self,
        account_id: int,
        application_id: int,
        topic: str,
        site_id: str | None = None,
        offset: int = 0,
        limit: int = 100,
    ) -> MissedFeedPage:
        """GET /missed_feeds?app_id=&topic=[&site_id=]&offset=&limit= (§9.5), with the
        token of any seller who authorized the application; `topic=items` needs
        `site_id`. Idempotent."""
        ...

    async def search_order_snapshots(
        self,
        account_id: int,
        seller_id: int,
        updated_from: datetime,
        offset: int = 0,
        limit: int = 50,
    ) -> SnapshotPage:
        """GET /orders/search?seller=&order.date_last_updated.from=&sort=date_asc (§5.3),
        each order as a snapshot of /orders/{id}. Idempotent."""
        ...

    async def search_question_snapshots(
        self,
        account_id: int,
        seller_id: int,
        offset: int = 0,
        limit: int = 50,
        status: str | None = None,
    ) -> SnapshotPage:
        """GET /questions/search?seller_id=&api_version=4 newest first (§7), each question
        as a snapshot of /questions/{id}; offset + limit stay within 1000 (§4.11).
        Idempotent."""
        ...


# --- Listings (mercadolibre-api.md §4) -------------------------------------------------


@attrs.define(frozen=True)
class ItemIdPage:
    """One page of a seller's item ids from a scan (§4.11); `scroll_id` None at the end."""

    item_ids: tuple[str, ...]
    total: int
    scroll_id: str | None


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
class HealthGoal:
    id: str
    name: str
    progress: float
    completed: bool


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

    async def create_listing(self, account_id: int, listing: NewListing) -> Listing:
        """POST /items, then the description (§4.2, §4.7). Raises ValidationFailed with
        MercadoLibre's causes. Not idempotent; counts against the listing quota."""
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
