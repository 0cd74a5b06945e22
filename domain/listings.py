"""Listings (MercadoLibre items) with variations, pictures and their status machine.

Rules follow mercadolibre-api.md §4: statuses and sub-statuses (§4.5), stock at zero
pauses with `out_of_stock` and a restock reactivates (§4.3), `closed` is final (§4.3),
variations with unique attribute combinations (§4.6).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum

import attrs

from domain.common import aware, non_negative_int, text_within
from domain.errors import InvalidValue
from domain.lifecycle import Lifecycle
from domain.money import Money
from domain.sites import site

MAX_VARIATIONS = 100  # §4.6; some categories allow 250 through their settings.
DEFAULT_MAX_TITLE_LENGTH = 60  # category settings.max_title_length (§4.2)
OUT_OF_STOCK = "out_of_stock"
PAUSED_BY_SELLER = "paused_by_seller"
# A title is one line; a description is plain text with tabs and line breaks. Neither
# may hold any other control character (and PostgreSQL's text cannot hold NUL at all).
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
_CONTROL_CHARACTERS_BUT_LAYOUT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class ListingStatus(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    CLOSED = "closed"
    UNDER_REVIEW = "under_review"
    INACTIVE = "inactive"
    PAYMENT_REQUIRED = "payment_required"
    NOT_YET_ACTIVE = "not_yet_active"
    PROGRAMMED = "programmed"
    PENDING = "pending"


_S = ListingStatus
LISTING_LIFECYCLE: Lifecycle[ListingStatus] = Lifecycle(
    "listing",
    {
        _S.NOT_YET_ACTIVE: {_S.ACTIVE, _S.PAUSED, _S.CLOSED, _S.UNDER_REVIEW},
        _S.PROGRAMMED: {_S.ACTIVE, _S.CLOSED},
        _S.PAYMENT_REQUIRED: {_S.ACTIVE, _S.CLOSED},
        _S.PENDING: {_S.ACTIVE, _S.CLOSED},
        _S.ACTIVE: {_S.PAUSED, _S.CLOSED, _S.UNDER_REVIEW},
        _S.PAUSED: {_S.ACTIVE, _S.CLOSED, _S.UNDER_REVIEW},
        _S.UNDER_REVIEW: {_S.ACTIVE, _S.PAUSED, _S.INACTIVE, _S.CLOSED},
        _S.INACTIVE: {_S.ACTIVE, _S.CLOSED},
        _S.CLOSED: set(),
    },
)


class Condition(StrEnum):
    NEW = "new"
    USED = "used"
    NOT_SPECIFIED = "not_specified"


@attrs.define(frozen=True)
class Attribute:
    """An attribute, or one attribute of a variation's combination (§4.1, §4.6). Older
    listings have free-text combinations that MercadoLibre keeps with a `name` and a null
    `id` (`{"id": null, "name": "Tamanho", "value_name": "30 ml"}`): such an attribute
    has no id, never the text "None", and is known by its name."""

    id: str | None
    value_name: str | None = None
    value_id: str | None = None
    name: str | None = None

    def __attrs_post_init__(self) -> None:
        if self.id is None:
            if not self.name:
                raise InvalidValue("attributes.id", "is required for an attribute without a name")
        elif not self.id:
            raise InvalidValue("attributes.id", "must not be empty")
        if self.value_name is None and self.value_id is None:
            raise InvalidValue(f"attributes.{self.key}", "needs a value_name or a value_id")

    @property
    def key(self) -> str:
        """What tells this attribute from the others of a combination: its id, or for a
        free-text one its name."""
        return self.id if self.id is not None else f"name:{self.name}"


@attrs.define(frozen=True)
class Picture:
    """A picture as MercadoLibre stores it (`id`, `url`) or as a caller sends it (`source`)."""

    id: str | None = None
    url: str | None = None
    source: str | None = None

    def __attrs_post_init__(self) -> None:
        if not (self.id or self.url or self.source):
            raise InvalidValue("pictures", "each picture needs an id, a url or a source")


@attrs.define(frozen=True)
class Shipping:
    mode: str = "not_specified"
    free_shipping: bool = False
    local_pick_up: bool = False
    logistic_type: str | None = None


def _unique_combination(values: tuple[Attribute, ...]) -> tuple[tuple[str, str | None], ...]:
    return tuple(sorted((a.key, a.value_id or a.value_name) for a in values))


@attrs.define(frozen=True)
class Variation:
    """One variation of a listing; its attribute combination is its identity (§4.6)."""

    attribute_combinations: tuple[Attribute, ...] = attrs.field(converter=tuple)
    price: Money
    available_quantity: int = attrs.field(validator=non_negative_int)
    sold_quantity: int = attrs.field(default=0, validator=non_negative_int)
    id: int | None = None
    picture_ids: tuple[str, ...] = attrs.field(default=(), converter=tuple)
    seller_sku: str | None = None

    def __attrs_post_init__(self) -> None:
        if not self.attribute_combinations:
            raise InvalidValue("variations.attribute_combinations", "must not be empty")

    @property
    def combination_key(self) -> tuple[tuple[str, str | None], ...]:
        return _unique_combination(self.attribute_combinations)


def check_variations(variations: Iterable[Variation], maximum: int = MAX_VARIATIONS) -> None:
    """All variations use the same attributes and no combination repeats (§4.6)."""
    variations = tuple(variations)
    if len(variations) > maximum:
        raise InvalidValue("variations", f"Variations should not exceed max size of {maximum}")
    seen: set[tuple[tuple[str, str | None], ...]] = set()
    attribute_sets = {tuple(sorted(a.key for a in v.attribute_combinations)) for v in variations}
    if len(attribute_sets) > 1:
        raise InvalidValue("variations", "every variation must combine the same attributes")
    for variation in variations:
        if variation.combination_key in seen:
            raise InvalidValue("variations", "attribute combinations must not repeat")
        seen.add(variation.combination_key)


def _with(values: tuple[str, ...], extra: str) -> tuple[str, ...]:
    return values if extra in values else (*values, extra)


def _without(values: tuple[str, ...], *removed: str) -> tuple[str, ...]:
    return tuple(v for v in values if v not in removed)


def has_control_characters(text: str, *, multiline: bool = False) -> bool:
    """Whether `text` holds a control character; `multiline` allows tabs and line breaks
    (\\t, \\n, \\r), as a description may have."""
    pattern = _CONTROL_CHARACTERS_BUT_LAYOUT if multiline else _CONTROL_CHARACTERS
    return pattern.search(text) is not None


def check_title(title: str, maximum: int = DEFAULT_MAX_TITLE_LENGTH) -> str:
    text_within("title", title, maximum)
    if has_control_characters(title):
        raise InvalidValue("title", "must not contain control characters")
    return title


@attrs.define
class Listing:
    """The local copy of one MercadoLibre item of a connected seller."""

    item_id: str
    account_id: int
    seller_id: int
    title: str
    category_id: str
    price: Money
    available_quantity: int = attrs.field(validator=non_negative_int)
    status: ListingStatus = ListingStatus.ACTIVE
    sold_quantity: int = attrs.field(default=0, validator=non_negative_int)
    sub_status: tuple[str, ...] = attrs.field(default=(), converter=tuple)
    condition: Condition = Condition.NEW
    listing_type_id: str = "gold_special"
    buying_mode: str = "buy_it_now"
    permalink: str | None = None
    thumbnail: str | None = None
    pictures: tuple[Picture, ...] = attrs.field(default=(), converter=tuple)
    variations: tuple[Variation, ...] = attrs.field(default=(), converter=tuple)
    attributes: tuple[Attribute, ...] = attrs.field(default=(), converter=tuple)
    shipping: Shipping = attrs.field(factory=Shipping)
    description: str | None = None
    video_id: str | None = None
    seller_sku: str | None = None
    health: float | None = None
    tags: tuple[str, ...] = attrs.field(default=(), converter=tuple)
    date_created: datetime | None = attrs.field(default=None, validator=aware)
    last_updated: datetime | None = attrs.field(default=None, validator=aware)
    # Set when a sync no longer finds the item on MercadoLibre (deleted or gone).
    removed_at: datetime | None = attrs.field(default=None, validator=aware)
    # The closed listing this one relisted (MercadoLibre's parent_item_id).
    relisted_from: str | None = None

    def __attrs_post_init__(self) -> None:
        listing_site = site(self.item_id[:3])
        if not listing_site.owns_item_id(self.item_id):
            raise InvalidValue("item_id", f"{self.item_id!r} is not a MercadoLibre item id")
        if not self.category_id.startswith(listing_site.id):
            raise InvalidValue("category_id", f"must be a category of site {listing_site.id}")
        # Some categories list in US dollars on every site (real estate, vehicles, §4.2).
        if self.price.currency_id not in (listing_site.currency_id, "USD"):
            raise InvalidValue(
                "price",
                f"{listing_site.id} lists in {listing_site.currency_id}, not "
                f"{self.price.currency_id}",
            )
        check_variations(self.variations)

    @property
    def site_id(self) -> str:
        return self.item_id[:3]

    @property
    def is_final(self) -> bool:
        return LISTING_LIFECYCLE.is_final(self.status)

    @property
    def total_quantity(self) -> int:
        """Stock across variations when there are any, as MercadoLibre sums it (§4.6)."""
        if self.variations:
            return sum(v.available_quantity for v in self.variations)
        return self.available_quantity

    def _move(self, target: ListingStatus) -> None:
        self.status = LISTING_LIFECYCLE.check(self.status, target)

    def pause(self) -> None:
        self._move(ListingStatus.PAUSED)
        self.sub_status = _with(_without(self.sub_status, OUT_OF_STOCK), PAUSED_BY_SELLER)

    def activate(self) -> None:
        if self.total_quantity == 0:
            raise InvalidValue(
                "available_quantity", "Is not possible to activate an item without stock."
            )
        self._move(ListingStatus.ACTIVE)
        self.sub_status = _without(self.sub_status, OUT_OF_STOCK, PAUSED_BY_SELLER)

    def close(self) -> None:
        self._move(ListingStatus.CLOSED)

    def set_quantity(self, quantity: int, variation_id: int | None = None) -> None:
        """Set stock; zero pauses with out_of_stock, a restock reactivates (§4.3).

        A listing the seller paused stays paused after a restock (`paused_by_seller`).
        """
        non_negative_int(self, attrs.fields(Listing).available_quantity, quantity)
        if self.is_final:
            raise InvalidValue("status", "a closed listing cannot change its stock")
        if variation_id is None:
            if self.variations:
                raise InvalidValue("variation_id", "this listing has variations; name one")
            self.available_quantity = quantity
        else:
            self.variations = tuple(
                attrs.evolve(v, available_quantity=quantity) if v.id == variation_id else v
                for v in self._require_variation(variation_id)
            )
            self.available_quantity = self.total_quantity
        self._follow_stock()

    def _require_variation(self, variation_id: int) -> tuple[Variation, ...]:
        if not any(v.id == variation_id for v in self.variations):
            raise InvalidValue(
                "variation_id", f"{variation_id} is not a variation of {self.item_id}"
            )
        return self.variations

    def _follow_stock(self) -> None:
        if self.total_quantity == 0 and self.status is ListingStatus.ACTIVE:
            self.status = ListingStatus.PAUSED
            self.sub_status = _with(self.sub_status, OUT_OF_STOCK)
        elif (
            self.total_quantity > 0
            and self.status is ListingStatus.PAUSED
            and OUT_OF_STOCK in self.sub_status
            and PAUSED_BY_SELLER not in self.sub_status
        ):
            self.status = ListingStatus.ACTIVE
            self.sub_status = _without(self.sub_status, OUT_OF_STOCK)

    def mark_removed(self, now: datetime) -> None:
        self.removed_at = now

    def variation(self, variation_id: int) -> Variation:
        for candidate in self.variations:
            if candidate.id == variation_id:
                return candidate
        raise InvalidValue("variation_id", f"{variation_id} is not a variation of {self.item_id}")
