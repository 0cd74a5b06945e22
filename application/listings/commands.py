"""What callers ask of listings: the commands of the listing use cases."""

from __future__ import annotations

from decimal import Decimal

import attrs


@attrs.define(frozen=True)
class VariationInput:
    """A variation as a caller describes it; `id` names an existing one."""

    attribute_combinations: tuple[tuple[str, str], ...] = ()  # (attribute id, value name)
    price: Decimal | None = None
    available_quantity: int | None = None
    picture_ids: tuple[str, ...] = ()
    seller_sku: str | None = None
    id: int | None = None


@attrs.define(frozen=True)
class CreateListingCommand:
    account_id: int
    title: str
    category_id: str
    price: Decimal
    available_quantity: int
    condition: str = "new"
    listing_type_id: str = "gold_special"
    buying_mode: str = "buy_it_now"
    currency_id: str | None = None
    pictures: tuple[str, ...] = ()  # URLs or MercadoLibre picture ids
    description: str | None = None
    shipping_mode: str | None = None
    free_shipping: bool = False
    local_pick_up: bool = False
    variations: tuple[VariationInput, ...] = ()
    attributes: tuple[tuple[str, str], ...] = ()  # (attribute id, value name)
    video_id: str | None = None
    seller_sku: str | None = None
    safety_stock: int | None = None


@attrs.define(frozen=True)
class UpdateListingCommand:
    """Only the fields given change. Variations left out are KEPT: unlike MercadoLibre's
    PUT, a caller never deletes a variation by forgetting it (§4.6). Quantities are the
    seller's counts, written like a stock update (safety stock kept back)."""

    item_id: str
    title: str | None = None
    price: Decimal | None = None
    available_quantity: int | None = None
    pictures: tuple[str, ...] | None = None
    attributes: tuple[tuple[str, str], ...] | None = None
    variations: tuple[VariationInput, ...] | None = None
    description: str | None = None
    video_id: str | None = None
    shipping_mode: str | None = None
    free_shipping: bool | None = None
