"""JSON shapes of categories, their attributes and a listing's validation."""

from __future__ import annotations

from decimal import Decimal

import attrs

from application.listings.get_category import CategoryDetails
from application.listings.validate_listing import ListingValidation, ValidationProblem
from application.ports.category_gateway import CategoryAttribute


@attrs.define(frozen=True)
class CategoryRefView:
    id: str
    name: str


@attrs.define(frozen=True)
class CategorySettingsView:
    """What a listing in the category must keep (MercadoLibre's `settings`); null where
    MercadoLibre does not say."""

    listing_allowed: bool
    buying_modes: list[str]
    currencies: list[str]
    item_conditions: list[str]
    immediate_payment: str | None
    max_title_length: int | None
    max_description_length: int | None
    max_pictures_per_item: int | None
    max_pictures_per_item_var: int | None
    max_variations_allowed: int | None
    minimum_price: Decimal | None
    status: str | None


@attrs.define(frozen=True)
class CategoryView:
    """A category: `path_from_root` starts at the root and ends with the category;
    `listing_types` are those the account may use in it (empty where listing is not
    allowed: choose one of `children`)."""

    id: str
    name: str
    domain_id: str | None
    path_from_root: list[CategoryRefView]
    children: list[CategoryRefView]
    settings: CategorySettingsView
    listing_types: list[str]
    account_id: int


@attrs.define(frozen=True)
class AttributeValueView:
    id: str
    name: str


@attrs.define(frozen=True)
class CategoryAttributeView:
    """`requirement`: required (a listing without it is refused), recommended (a main
    attribute, counted by the listing's quality) or optional. `values` are the allowed
    values of a `list` attribute; `allow_variations` marks what variations combine."""

    id: str
    name: str
    value_type: str
    requirement: str
    values: list[AttributeValueView]
    allowed_units: list[str]
    default_unit: str | None
    value_max_length: int | None
    allow_variations: bool
    hidden: bool
    read_only: bool
    tags: list[str]


@attrs.define(frozen=True)
class CategoryAttributesView:
    category_id: str
    required: list[CategoryAttributeView]
    recommended: list[CategoryAttributeView]
    optional: list[CategoryAttributeView]


@attrs.define(frozen=True)
class ValidationProblemView:
    """`source`: local (this service's checks), category (the category's settings and
    attributes) or mercadolibre (its dry run)."""

    field: str
    reason: str
    source: str
    code: str | None


@attrs.define(frozen=True)
class ListingValidationView:
    """`valid`: nothing stands in the way of publishing this body with POST /products.
    `mercadolibre_checked`: MercadoLibre's dry run ran (only for a body that passes the
    local checks)."""

    valid: bool
    mercadolibre_checked: bool
    problems: list[ValidationProblemView]
    warnings: list[ValidationProblemView]


def category_view(details: CategoryDetails) -> CategoryView:
    category = details.category
    s = category.settings
    return CategoryView(
        id=category.id,
        name=category.name,
        domain_id=category.domain_id,
        path_from_root=[CategoryRefView(r.id, r.name) for r in category.path_from_root],
        children=[CategoryRefView(r.id, r.name) for r in category.children],
        settings=CategorySettingsView(
            s.listing_allowed,
            list(s.buying_modes),
            list(s.currencies),
            list(s.item_conditions),
            s.immediate_payment,
            s.max_title_length,
            s.max_description_length,
            s.max_pictures_per_item,
            s.max_pictures_per_item_var,
            s.max_variations_allowed,
            s.minimum_price,
            s.status,
        ),
        listing_types=list(details.listing_types),
        account_id=details.account_id,
    )


def _attribute_view(a: CategoryAttribute) -> CategoryAttributeView:
    return CategoryAttributeView(
        id=a.id,
        name=a.name,
        value_type=a.value_type,
        requirement=a.requirement.value,
        values=[AttributeValueView(v.id, v.name) for v in a.values],
        allowed_units=list(a.allowed_units),
        default_unit=a.default_unit,
        value_max_length=a.value_max_length,
        allow_variations=a.allow_variations,
        hidden=a.hidden,
        read_only=a.read_only,
        tags=list(a.tags),
    )


def attributes_view(
    category_id: str, attributes: tuple[CategoryAttribute, ...]
) -> CategoryAttributesView:
    groups: dict[str, list[CategoryAttributeView]] = {
        "required": [],
        "recommended": [],
        "optional": [],
    }
    for attribute in attributes:
        groups[attribute.requirement.value].append(_attribute_view(attribute))
    return CategoryAttributesView(
        category_id, groups["required"], groups["recommended"], groups["optional"]
    )


def _problem_view(p: ValidationProblem) -> ValidationProblemView:
    return ValidationProblemView(p.field, p.reason, p.source, p.code)


def validation_view(result: ListingValidation) -> ListingValidationView:
    return ListingValidationView(
        result.valid,
        result.mercadolibre_checked,
        [_problem_view(p) for p in result.problems],
        [_problem_view(p) for p in result.warnings],
    )
