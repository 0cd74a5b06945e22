"""MercadoLibre's categories as a seller building a listing needs them (mercadolibre-api.md
§4.9, §4.1 attribute schema, §4.10 listing types).

Errors as for application.ports.marketplace: NotFound for a category MercadoLibre does not
know.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Protocol

import attrs


@attrs.define(frozen=True)
class CategoryRef:
    id: str
    name: str


@attrs.define(frozen=True)
class CategorySettings:
    """The `settings` of GET /categories/{id} (§4.9) that a listing must keep; None where
    MercadoLibre did not say."""

    listing_allowed: bool
    buying_modes: tuple[str, ...] = ()
    currencies: tuple[str, ...] = ()
    item_conditions: tuple[str, ...] = ()
    immediate_payment: str | None = None
    max_title_length: int | None = None
    max_description_length: int | None = None
    max_pictures_per_item: int | None = None
    max_pictures_per_item_var: int | None = None
    max_variations_allowed: int | None = None
    minimum_price: Decimal | None = None
    status: str | None = None


@attrs.define(frozen=True)
class Category:
    """One category (§4.9): where it sits (`path_from_root`, root first, itself last), its
    children (a listing goes only in a leaf: `settings.listing_allowed`), its settings."""

    id: str
    name: str
    path_from_root: tuple[CategoryRef, ...]
    children: tuple[CategoryRef, ...]
    settings: CategorySettings
    domain_id: str | None = None


class Requirement(StrEnum):
    """How much MercadoLibre asks for an attribute (§4.1, §4.2): `required` (tags
    `required` or `catalog_required`: a listing without it is refused), `recommended`
    (relevance 1, the main attributes, which the listing quality counts, §4.12), or
    `optional`."""

    REQUIRED = "required"
    RECOMMENDED = "recommended"
    OPTIONAL = "optional"


@attrs.define(frozen=True)
class AttributeValue:
    id: str
    name: str


@attrs.define(frozen=True)
class CategoryAttribute:
    """One entry of GET /categories/{id}/attributes (§4.1). `values` lists the allowed
    values of a `list` attribute (other types take free values); `allow_variations` marks
    the attributes a variation combines (§4.6)."""

    id: str
    name: str
    value_type: str
    requirement: Requirement
    values: tuple[AttributeValue, ...] = ()
    allowed_units: tuple[str, ...] = ()
    default_unit: str | None = None
    value_max_length: int | None = None
    allow_variations: bool = False
    hidden: bool = False
    read_only: bool = False
    tags: tuple[str, ...] = ()


class CategoryGateway(Protocol):
    """Category reads. They change rarely and are the same for every seller, so callers
    cache them (application.listings.category_reader)."""

    async def get_category(self, account_id: int, category_id: str) -> Category:
        """GET /categories/{id} (§4.9). NotFound for an unknown category. Idempotent."""
        ...

    async def get_attributes(
        self, account_id: int, category_id: str
    ) -> tuple[CategoryAttribute, ...]:
        """GET /categories/{id}/attributes (§4.1): empty for a category with none (a
        parent category). NotFound for an unknown category. Idempotent."""
        ...

    async def listing_types(
        self, account_id: int, seller_id: int, category_id: str
    ) -> tuple[str, ...]:
        """The listing types the seller may use in the category (§4.10,
        GET /users/{id}/available_listing_types?category_id=). NotFound for an unknown
        category. Idempotent."""
        ...
