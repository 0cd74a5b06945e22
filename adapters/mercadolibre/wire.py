"""MercadoLibre's JSON shapes, as far as the gateway reads them.

Only the fields the gateway uses are declared; the converter ignores the rest
(mercadolibre-api.md preamble: the real API adds fields all the time).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import attrs


@attrs.define(frozen=True)
class TokenAnswer:
    """§1.2 / §1.3: the token endpoint's answer. No refresh_token without the
    offline_access scope."""

    access_token: str = attrs.field(repr=False)
    expires_in: int
    refresh_token: str | None = attrs.field(default=None, repr=False)
    scope: str = ""
    user_id: int | None = None
    token_type: str = "bearer"


@attrs.define(frozen=True)
class UserAnswer:
    """§3: GET /users/me (private shape); ids exceed Int32 (§0.3)."""

    id: int
    nickname: str
    site_id: str
    email: str | None = None


# --- Items (§4) --------------------------------------------------------------------------
#
# Ids that exceed Int32 (variation ids, §4.6; seller ids, §0.3) are plain ints. Prices are
# Decimals built from str() of the JSON number (converter.py), never float arithmetic.


@attrs.define(frozen=True)
class AttributeAnswer:
    """An attribute or an attribute combination (§4.1, §4.6). Either value may be null,
    and so may the id of an older listing's free-text combination (it has a `name`)."""

    id: str | None = None
    value_id: str | None = None
    value_name: str | None = None
    name: str | None = None


@attrs.define(frozen=True)
class PictureAnswer:
    """§4.1 / §4.8: `{id, url, secure_url, size, ...}`."""

    id: str | None = None
    url: str | None = None
    secure_url: str | None = None


@attrs.define(frozen=True)
class VariationAnswer:
    """§4.6. `attributes` (with SELLER_SKU) only comes with `include_attributes=all`."""

    id: int
    price: Decimal | None = None
    available_quantity: int = 0
    sold_quantity: int = 0
    attribute_combinations: list[AttributeAnswer] = attrs.Factory(list)
    picture_ids: list[str] = attrs.Factory(list)
    attributes: list[AttributeAnswer] = attrs.Factory(list)
    seller_custom_field: str | None = None


@attrs.define(frozen=True)
class ShippingAnswer:
    mode: str = "not_specified"
    free_shipping: bool = False
    local_pick_up: bool = False
    logistic_type: str | None = None


@attrs.define(frozen=True)
class ItemAnswer:
    """§4.1: GET /items/{id}, one body of a multiget, or the answer of POST/PUT /items."""

    id: str
    seller_id: int
    title: str
    category_id: str
    price: Decimal
    currency_id: str
    available_quantity: int = 0
    sold_quantity: int = 0
    status: str = "active"
    sub_status: list[str] = attrs.Factory(list)
    condition: str = "not_specified"
    listing_type_id: str = "gold_special"
    buying_mode: str = "buy_it_now"
    permalink: str | None = None
    thumbnail: str | None = None
    pictures: list[PictureAnswer] = attrs.Factory(list)
    variations: list[VariationAnswer] = attrs.Factory(list)
    attributes: list[AttributeAnswer] = attrs.Factory(list)
    shipping: ShippingAnswer = attrs.Factory(ShippingAnswer)
    seller_custom_field: str | None = None
    video_id: str | None = None
    health: float | None = None
    tags: list[str] = attrs.Factory(list)
    date_created: datetime | None = None
    last_updated: datetime | None = None
    parent_item_id: str | None = None


@attrs.define(frozen=True)
class VariationStockAnswer:
    id: int
    available_quantity: int = 0


@attrs.define(frozen=True)
class StockAnswer:
    """A multiget body trimmed to the stock fields (§0.3 `attributes=`, §4.11)."""

    id: str
    available_quantity: int = 0
    status: str = "active"
    sub_status: list[str] = attrs.Factory(list)
    variations: list[VariationStockAnswer] = attrs.Factory(list)


@attrs.define(frozen=True)
class ItemStateAnswer:
    """GET /items/{id}?attributes=id,status,sub_status: where a deletion stands (§4.4)."""

    id: str
    status: str = "active"
    sub_status: list[str] = attrs.Factory(list)


@attrs.define(frozen=True)
class MultigetEntry:
    """§4.11: one `{code, body}` of GET /items?ids=; `body` is an item or an error body."""

    code: int
    body: Any = None


@attrs.define(frozen=True)
class PagingAnswer:
    total: int = 0
    limit: int | None = None


@attrs.define(frozen=True)
class ScanAnswer:
    """§4.11: a page of GET /users/{id}/items/search?search_type=scan."""

    paging: PagingAnswer = attrs.Factory(PagingAnswer)
    results: list[str] = attrs.Factory(list)
    scroll_id: str | None = None


@attrs.define(frozen=True)
class DescriptionAnswer:
    """§4.7: `{text, plain_text, last_updated, date_created, snapshot}`."""

    plain_text: str = ""


# §4.12: a goal's `completed` is false or null while it is open and, once met, the time
# it was met (a timestamp); some answers say `true`.
Completion = bool | datetime | None


@attrs.define(frozen=True)
class HealthGoalAnswer:
    """§4.12: one goal. `data` (details that vary by goal) is not read."""

    id: str
    name: str | None = None
    progress: float = 0.0
    progress_max: float | None = None
    apply: bool = True
    completed: Completion = None


@attrs.define(frozen=True)
class HealthAnswer:
    """§4.12: GET /items/{id}/health."""

    item_id: str | None = None
    health: float | None = None
    level: str | None = None
    goals: list[HealthGoalAnswer] = attrs.Factory(list)


@attrs.define(frozen=True)
class PredictionAnswer:
    """§4.9: one entry of the domain_discovery answer."""

    category_id: str | None = None
    category_name: str = ""
    domain_id: str = ""
    domain_name: str = ""


# --- Categories (§4.9, §4.10) ------------------------------------------------------------


@attrs.define(frozen=True)
class CategoryRefAnswer:
    id: str
    name: str = ""


@attrs.define(frozen=True)
class CategorySettingsAnswer:
    """§4.9 `settings`: only what a listing must keep."""

    listing_allowed: bool = False
    buying_modes: list[str] = attrs.Factory(list)
    currencies: list[str] = attrs.Factory(list)
    item_conditions: list[str] = attrs.Factory(list)
    immediate_payment: str | None = None
    max_title_length: int | None = None
    max_description_length: int | None = None
    max_pictures_per_item: int | None = None
    max_pictures_per_item_var: int | None = None
    max_variations_allowed: int | None = None
    minimum_price: Decimal | None = None
    status: str | None = None


@attrs.define(frozen=True)
class CategoryAnswer:
    """§4.9: GET /categories/{id}."""

    id: str
    name: str = ""
    path_from_root: list[CategoryRefAnswer] = attrs.Factory(list)
    children_categories: list[CategoryRefAnswer] = attrs.Factory(list)
    settings: CategorySettingsAnswer = attrs.Factory(CategorySettingsAnswer)
    # The domain is in settings.catalog_domain on real answers; read it leniently.
    domain_id: str | None = None


@attrs.define(frozen=True)
class AttributeValueAnswer:
    id: str | None = None
    name: str = ""


@attrs.define(frozen=True)
class UnitAnswer:
    id: str
    name: str = ""


@attrs.define(frozen=True)
class CategoryAttributeAnswer:
    """§4.1 attribute schema. `tags` is an object of flags (`{"required": true}`); older
    answers sent a list of names, so it is read as it comes and normalised."""

    id: str
    name: str = ""
    value_type: str = "string"
    tags: Any = None
    relevance: int | None = None
    values: list[AttributeValueAnswer] = attrs.Factory(list)
    allowed_units: list[UnitAnswer] = attrs.Factory(list)
    default_unit: str | None = None
    value_max_length: int | None = None


@attrs.define(frozen=True)
class ListingTypeAnswer:
    id: str
    name: str = ""


@attrs.define(frozen=True)
class AvailableListingTypesAnswer:
    """§4.10: GET /users/{id}/available_listing_types?category_id=."""

    category_id: str | None = None
    available: list[ListingTypeAnswer] = attrs.Factory(list)
