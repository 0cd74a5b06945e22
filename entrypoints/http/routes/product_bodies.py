"""The bodies of the listing routes (what OpenAPI shows and the readers check) and how a
body becomes a use case's command."""

from __future__ import annotations

from decimal import Decimal

import attrs

from adapters.sql.types import AMOUNT_PRECISION, AMOUNT_SCALE
from application.errors import FieldProblem, ValidationFailed
from application.listings.commands import CreateListingCommand, VariationInput
from application.listings.validation import LISTING_TYPES, MAX_DESCRIPTION, MAX_PICTURES
from domain.inventory import MAX_QUANTITY
from domain.listings import Condition
from domain.sites import SITES
from entrypoints.http.endpoints import MAX_ID, limited

# MercadoLibre item ids: the site's id and the item number (§0.3).
ITEM_ID_PATTERN = f"^(?:{'|'.join(sorted(SITES))})[0-9]{{1,19}}$"
ITEM_ID_HINT = "MLA1234567890"
# Within what the amount column holds (NUMERIC(20, 2)): its largest power of ten, which
# the OpenAPI document writes exactly (a JSON number is a double).
MAX_PRICE = Decimal(10) ** (AMOUNT_PRECISION - AMOUNT_SCALE - 1)
SITE_IDS = tuple(sorted(SITES))


# Only the bound of what can be stored: a price must also be positive, which the use
# case checks with every other rule of a listing, so that one answer names every problem.
PRICE = {"maximum": MAX_PRICE}
QUANTITY = {"minimum": 0, "maximum": MAX_QUANTITY}


@attrs.define
class PictureBody:
    """A picture by URL (`source`) or by MercadoLibre picture id (`id`)."""

    source: str | None = None
    id: str | None = None


@attrs.define
class AttributeBody:
    id: str
    value_name: str


@attrs.define
class VariationBody:
    """A variation; with `id` it changes an existing one, without it adds one."""

    attribute_combinations: list[AttributeBody] = attrs.field(factory=list)
    price: Decimal | None = limited(None, **PRICE)
    available_quantity: int | None = limited(None, **QUANTITY)
    picture_ids: list[str] = limited(factory=list, max_items=MAX_PICTURES)
    seller_sku: str | None = limited(None, max_length=255)
    id: int | None = limited(None, minimum=1, maximum=MAX_ID)


@attrs.define
class ShippingBody:
    mode: str | None = limited(None, max_length=32)
    free_shipping: bool = False
    local_pick_up: bool = False


@attrs.define
class CreateProductBody:
    """A new listing. `available_quantity` is the seller's stock; MercadoLibre shows it
    minus the safety stock."""

    account_id: int = limited(minimum=1, maximum=MAX_ID)
    title: str = limited(min_length=1)
    category_id: str = limited(min_length=1, max_length=32)
    price: Decimal = limited(**PRICE)
    available_quantity: int = limited(**QUANTITY)
    condition: str = limited("new", enum=tuple(c.value for c in Condition))
    pictures: list[PictureBody] = limited(factory=list, max_items=MAX_PICTURES)
    description: str | None = limited(None, max_length=MAX_DESCRIPTION)
    shipping: ShippingBody | None = None
    variations: list[VariationBody] = attrs.field(factory=list)
    attributes: list[AttributeBody] = attrs.field(factory=list)
    listing_type_id: str = limited("gold_special", enum=tuple(sorted(LISTING_TYPES)))
    buying_mode: str = limited("buy_it_now", enum=("auction", "buy_it_now", "classified"))
    currency_id: str | None = limited(None, pattern=r"^[A-Z]{3}$", hint="ARS")
    video_id: str | None = limited(None, max_length=255)
    seller_sku: str | None = limited(None, max_length=255)
    safety_stock: int | None = limited(None, **QUANTITY)


@attrs.define
class UpdateProductBody:
    """Only the fields given change; variations left out are kept, never deleted."""

    title: str | None = limited(None, min_length=1)
    price: Decimal | None = limited(None, **PRICE)
    available_quantity: int | None = limited(None, **QUANTITY)
    pictures: list[PictureBody] | None = limited(None, max_items=MAX_PICTURES)
    attributes: list[AttributeBody] | None = None
    variations: list[VariationBody] | None = None
    description: str | None = limited(None, max_length=MAX_DESCRIPTION)
    video_id: str | None = limited(None, max_length=255)
    shipping: ShippingBody | None = None


@attrs.define
class StockBody:
    """The seller's stock for the listing, or for one of its variations."""

    quantity: int = limited(**QUANTITY)
    variation_id: int | None = limited(None, minimum=1, maximum=MAX_ID)
    safety_stock: int | None = limited(None, **QUANTITY)


@attrs.define
class AccountBody:
    account_id: int = limited(minimum=1, maximum=MAX_ID)


def pictures_of(pictures: list[PictureBody] | None) -> tuple[str, ...] | None:
    if pictures is None:
        return None
    result = []
    for index, picture in enumerate(pictures):
        value = picture.source or picture.id
        if not value:
            raise ValidationFailed([FieldProblem(f"pictures[{index}]", "needs source or id")])
        result.append(value)
    return tuple(result)


def pairs_of(attributes: list[AttributeBody] | None) -> tuple[tuple[str, str], ...] | None:
    if attributes is None:
        return None
    return tuple((a.id, a.value_name) for a in attributes)


def variations_of(variations: list[VariationBody] | None) -> tuple[VariationInput, ...] | None:
    if variations is None:
        return None
    return tuple(
        VariationInput(
            pairs_of(v.attribute_combinations) or (),
            v.price,
            v.available_quantity,
            tuple(v.picture_ids),
            v.seller_sku,
            v.id,
        )
        for v in variations
    )


def create_command(body: CreateProductBody) -> CreateListingCommand:
    shipping = body.shipping
    return CreateListingCommand(
        account_id=body.account_id,
        title=body.title,
        category_id=body.category_id,
        price=body.price,
        available_quantity=body.available_quantity,
        condition=body.condition,
        listing_type_id=body.listing_type_id,
        buying_mode=body.buying_mode,
        currency_id=body.currency_id,
        pictures=pictures_of(body.pictures) or (),
        description=body.description,
        shipping_mode=shipping.mode if shipping else None,
        free_shipping=shipping.free_shipping if shipping else False,
        local_pick_up=shipping.local_pick_up if shipping else False,
        variations=variations_of(body.variations) or (),
        attributes=pairs_of(body.attributes) or (),
        video_id=body.video_id,
        seller_sku=body.seller_sku,
        safety_stock=body.safety_stock,
    )
