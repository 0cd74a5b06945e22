"""FakeCategoryGateway: the CategoryGateway port over a few categories in memory, those
the tests use, as the sandbox serves them (mercadolibre-api.md §4.9, §4.1, §4.10).

It is held to the same contract suite as AiohttpCategoryGateway on the sandbox
(tests/contracts/test_category_gateway.py). FakeListingGateway's validate_listing reads
the same categories, so the two fakes agree on what a category requires.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from application.errors import FieldProblem, NotFound, ValidationFailed
from application.ports.category_gateway import (
    AttributeValue,
    Category,
    CategoryAttribute,
    CategoryRef,
    CategorySettings,
    Requirement,
)
from application.ports.listing_gateway import NewListing

R, REC, OPT = Requirement.REQUIRED, Requirement.RECOMMENDED, Requirement.OPTIONAL


def _settings(leaf: bool, max_variations: int = 100) -> CategorySettings:
    """§4.9: the limits of MLA3530 in the reference, as the sandbox serves them."""
    return CategorySettings(
        listing_allowed=leaf,
        buying_modes=("buy_it_now", "auction"),
        currencies=("ARS",),
        item_conditions=("new", "used", "not_specified"),
        immediate_payment="required",
        max_title_length=60,
        max_description_length=50_000,
        max_pictures_per_item=12,
        max_pictures_per_item_var=10,
        max_variations_allowed=max_variations,
        minimum_price=Decimal(100),
        status="enabled",
    )


def _common() -> tuple[CategoryAttribute, ...]:
    return (
        CategoryAttribute("BRAND", "Marca", "string", REC),
        CategoryAttribute("MODEL", "Modelo", "string", REC),
        CategoryAttribute(
            "ITEM_CONDITION",
            "Condición del ítem",
            "list",
            R,
            (
                AttributeValue("2230284", "Nuevo"),
                AttributeValue("2230581", "Usado"),
                AttributeValue("2230582", "Reacondicionado"),
            ),
            hidden=True,
            tags=("hidden", "required"),
        ),
        CategoryAttribute(
            "SELLER_SKU", "SKU", "string", OPT, hidden=True, tags=("hidden", "variation_attribute")
        ),
        CategoryAttribute("GTIN", "Código universal de producto", "string", REC),
    )


def _required(attribute: CategoryAttribute) -> CategoryAttribute:
    return CategoryAttribute(
        attribute.id,
        attribute.name,
        attribute.value_type,
        R,
        attribute.values,
        attribute.allowed_units,
        attribute.default_unit,
        attribute.value_max_length,
        attribute.allow_variations,
        attribute.hidden,
        attribute.read_only,
        tuple(sorted({*attribute.tags, "required"})),
    )


OTHERS_ROOT = CategoryRef("MLA1953", "Otras categorías")
CLOTHES_ROOT = CategoryRef("MLA1430", "Ropa y Accesorios")
OTHERS = CategoryRef("MLA3530", "Otros")
SNEAKERS = CategoryRef("MLA109027", "Zapatillas")

CATEGORIES: dict[str, Category] = {
    c.id: c
    for c in (
        Category(OTHERS_ROOT.id, OTHERS_ROOT.name, (OTHERS_ROOT,), (OTHERS,), _settings(False)),
        Category(
            CLOTHES_ROOT.id, CLOTHES_ROOT.name, (CLOTHES_ROOT,), (SNEAKERS,), _settings(False)
        ),
        Category(
            OTHERS.id,
            OTHERS.name,
            (OTHERS_ROOT, OTHERS),
            (),
            _settings(True),
            "MLA-UNCLASSIFIED_PRODUCTS",
        ),
        Category(
            SNEAKERS.id,
            SNEAKERS.name,
            (CLOTHES_ROOT, SNEAKERS),
            (),
            _settings(True, 250),
            "MLA-SNEAKERS",
        ),
    )
}

_COMMON = _common()
ATTRIBUTES: dict[str, tuple[CategoryAttribute, ...]] = {
    OTHERS_ROOT.id: (),
    CLOTHES_ROOT.id: (),
    OTHERS.id: _COMMON,
    SNEAKERS.id: (
        _required(_COMMON[0]),
        *_COMMON[1:],
        CategoryAttribute(
            "GENDER",
            "Género",
            "list",
            R,
            (
                AttributeValue("339666", "Hombre"),
                AttributeValue("339665", "Mujer"),
                AttributeValue("110461", "Sin género"),
            ),
            tags=("required",),
        ),
        CategoryAttribute(
            "COLOR",
            "Color",
            "list",
            REC,
            (AttributeValue("52049", "Negro"), AttributeValue("52055", "Blanco")),
            allow_variations=True,
            tags=("allow_variations", "defines_picture"),
        ),
        CategoryAttribute(
            "SIZE",
            "Talle",
            "string",
            REC,
            allow_variations=True,
            tags=("allow_variations",),
        ),
    ),
}
LISTING_TYPES = ("gold_pro", "gold_special", "free")  # §4.10: those in current use


class FakeCategoryGateway:
    """The categories above; `calls` counts each read, for the cache's tests."""

    def __init__(self) -> None:
        self.categories = dict(CATEGORIES)
        self.attributes = dict(ATTRIBUTES)
        self.calls: Counter[str] = Counter()

    def _category(self, category_id: str) -> Category:
        found = self.categories.get(category_id)
        if found is None:
            raise NotFound("category", category_id)
        return found

    async def get_category(self, account_id: int, category_id: str) -> Category:
        self.calls["get_category"] += 1
        return self._category(category_id)

    async def get_attributes(
        self, account_id: int, category_id: str
    ) -> tuple[CategoryAttribute, ...]:
        self.calls["get_attributes"] += 1
        self._category(category_id)
        return self.attributes.get(category_id, ())

    async def listing_types(
        self, account_id: int, seller_id: int, category_id: str
    ) -> tuple[str, ...]:
        self.calls["listing_types"] += 1
        self._category(category_id)
        return LISTING_TYPES


CATEGORY_INVALID = "item.category_id.invalid"  # §4.2
MISSING_REQUIRED = "item.attributes.missing_required"


def dry_run(listing: NewListing) -> None:
    """§4.2 POST /items/validate with the sandbox's category rules, for the categories
    above: an unknown or non-leaf category, a title over the category's limit, a required
    attribute missing (from the attributes and from some variation's combination;
    ITEM_CONDITION comes from `condition`). ValidationFailed with every cause."""
    category = CATEGORIES.get(listing.category_id)
    if category is None or not category.settings.listing_allowed:
        reason = f"Category {listing.category_id} does not exist."
        raise ValidationFailed([FieldProblem("item.category_id", reason, CATEGORY_INVALID)])
    problems = []
    limit = category.settings.max_title_length
    if limit is not None and len(listing.title.strip()) > limit:
        reason = f"The title must not exceed {limit} characters."
        problems.append(FieldProblem("item.title", reason, "item.title.length.invalid"))
    present = {a.id for a in listing.attributes} | {"ITEM_CONDITION"}
    if listing.variations:
        present |= set.intersection(
            *({a.id for a in v.attribute_combinations} for v in listing.variations)
        )
    missing = [
        a.id
        for a in ATTRIBUTES[category.id]
        if a.requirement is Requirement.REQUIRED and a.id not in present
    ]
    if missing:
        reason = f"The attributes [{', '.join(missing)}] are required for category {category.id}."
        problems.append(FieldProblem("item.attributes", reason, MISSING_REQUIRED))
    if problems:
        raise ValidationFailed(problems, "MercadoLibre refused POST /items/validate")
