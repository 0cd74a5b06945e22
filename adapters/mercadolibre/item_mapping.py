"""MercadoLibre item JSON <-> the domain's Listing (mercadolibre-api.md §4).

Reading is tolerant: attributes without a value are dropped, unknown conditions become
`not_specified`, an unknown status becomes `inactive` with one warning per value (see
`listing_status`). What the Listing itself refuses (an item id, category or currency of
the wrong site, repeated variation combinations) becomes Unavailable naming the item,
so that a catalogue sync reports the one item instead of crashing on it.

Writing builds exactly MercadoLibre's body: prices as JSON numbers at the currency's
precision, SELLER_SKU as an attribute (§4.6), pictures as `{source}` or `{id}` (§4.8).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

import attrs

from adapters.mercadolibre.converter import structure
from adapters.mercadolibre.errors import translate
from adapters.mercadolibre.wire import (
    AttributeAnswer,
    HealthAnswer,
    ItemAnswer,
    MultigetEntry,
    PictureAnswer,
    StockAnswer,
    VariationAnswer,
)
from application.errors import FieldProblem, Unavailable, ValidationFailed
from application.ports.listing_gateway import (
    HealthGoal,
    ListingChanges,
    ListingHealth,
    NewListing,
    Relist,
    StockSnapshot,
    VariationChange,
)
from application.storable import MAX_ITEM_ID
from domain.errors import DomainError
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
from domain.sites import site, site_of_item

log = logging.getLogger(__name__)

SELLER_SKU = "SELLER_SKU"
DELETED = "deleted"  # §4.4 / §4.5: the sub_status of a deleted item.
# The status an unknown status value maps to: not selling, and not final, so that the
# next sync with a known value simply overwrites it.
UNKNOWN_STATUS_FALLBACK = ListingStatus.INACTIVE
_CONDITIONS = {c.value: c for c in Condition}


# -- reading ----------------------------------------------------------------------------


@functools.lru_cache(maxsize=64)
def listing_status(value: str) -> ListingStatus:
    """The ListingStatus of a MercadoLibre status (§4.5).

    MercadoLibre adds values now and then; an unknown one maps to `inactive` (not
    selling, not final) and is logged once per process, not once per item of a sync.
    """
    try:
        return ListingStatus(value)
    except ValueError:
        log.warning(
            "MercadoLibre sent the unknown item status %r; keeping such listings as %r",
            value,
            UNKNOWN_STATUS_FALLBACK.value,
        )
        return UNKNOWN_STATUS_FALLBACK


def is_deleted(sub_status: Iterable[str]) -> bool:
    """§4.4: a deleted item still answers GET for a while, as closed + `deleted`."""
    return DELETED in sub_status


def to_attribute(answer: AttributeAnswer) -> Attribute | None:
    """None for an attribute that carries no value at all (§4.1 shows such entries) or
    neither an id nor a name. A free-text combination of an older listing has a name and
    a null id (§4.6): it keeps no id, never the text "None"."""
    if answer.value_id is None and answer.value_name is None:
        return None
    if answer.id is None and not answer.name:
        return None
    return Attribute(answer.id, answer.value_name, answer.value_id, answer.name)


def to_attributes(answers: Iterable[AttributeAnswer]) -> tuple[Attribute, ...]:
    return tuple(a for a in map(to_attribute, answers) if a is not None)


def sku_of(attributes: Iterable[AttributeAnswer], custom_field: str | None) -> str | None:
    """The SELLER_SKU attribute, else `seller_custom_field` (§4.6: they are separate
    fields; sellers use one or the other)."""
    for attribute in attributes:
        if attribute.id == SELLER_SKU and attribute.value_name:
            return attribute.value_name
    return custom_field or None


def to_picture(answer: PictureAnswer) -> Picture | None:
    url = answer.secure_url or answer.url
    if not (answer.id or url):
        return None
    return Picture(id=answer.id, url=url)


def to_variation(answer: VariationAnswer, item_price: Decimal, currency_id: str) -> Variation:
    price = item_price if answer.price is None else answer.price
    return Variation(
        attribute_combinations=to_attributes(answer.attribute_combinations),
        price=Money.of(price, currency_id),
        available_quantity=answer.available_quantity,
        sold_quantity=answer.sold_quantity,
        id=answer.id,
        picture_ids=answer.picture_ids,
        seller_sku=sku_of(answer.attributes, answer.seller_custom_field),
    )


def multiget_bodies(body: Any, ids: Sequence[str]) -> Iterator[tuple[str, Any]]:
    """(item id, item body) of each found entry of a multiget answer (§4.11:
    `[{code, body}]` in request order). 404 and 410 entries are left out: the item is
    not there. Any other failed entry raises its port error (e.g. 403 -> Forbidden),
    naming the id asked for at that position."""
    entries = structure(body, list[MultigetEntry], "GET /items?ids=")
    for position, entry in enumerate(entries):
        asked = ids[position] if position < len(ids) else "?"
        if entry.code in (404, 410):
            continue
        if not 200 <= entry.code < 300:
            raise translate(entry.code, entry.body, "GET", f"/items/{asked}")
        item_id = entry.body.get("id", asked) if isinstance(entry.body, Mapping) else asked
        yield str(item_id), entry.body


def relisted_from(parent_item_id: str | None) -> str | None:
    """§4.1 `parent_item_id`, kept only when it is an item id the database can hold: what
    else MercadoLibre might send there is no link to follow."""
    if not parent_item_id or len(parent_item_id) > MAX_ITEM_ID:
        return None
    try:
        site_of_item(parent_item_id)
    except DomainError:
        return None
    return parent_item_id


def to_listing(answer: ItemAnswer, account_id: int, description: str | None = None) -> Listing:
    """The Listing of an item answer; Unavailable naming the item if the answer breaks
    one of the Listing's rules."""
    try:
        currency_id = answer.currency_id
        return Listing(
            item_id=answer.id,
            account_id=account_id,
            seller_id=answer.seller_id,
            title=answer.title,
            category_id=answer.category_id,
            price=Money.of(answer.price, currency_id),
            available_quantity=answer.available_quantity,
            status=listing_status(answer.status),
            sold_quantity=answer.sold_quantity,
            sub_status=answer.sub_status,
            condition=_CONDITIONS.get(answer.condition, Condition.NOT_SPECIFIED),
            listing_type_id=answer.listing_type_id,
            buying_mode=answer.buying_mode,
            permalink=answer.permalink or None,
            thumbnail=answer.thumbnail or None,
            pictures=tuple(p for p in map(to_picture, answer.pictures) if p is not None),
            variations=tuple(to_variation(v, answer.price, currency_id) for v in answer.variations),
            attributes=to_attributes(answer.attributes),
            shipping=Shipping(
                mode=answer.shipping.mode,
                free_shipping=answer.shipping.free_shipping,
                local_pick_up=answer.shipping.local_pick_up,
                logistic_type=answer.shipping.logistic_type,
            ),
            description=description,
            video_id=answer.video_id,
            seller_sku=sku_of(answer.attributes, answer.seller_custom_field),
            health=answer.health,
            tags=answer.tags,
            date_created=answer.date_created,
            last_updated=answer.last_updated,
            relisted_from=relisted_from(answer.parent_item_id),
        )
    except DomainError as error:
        raise Unavailable(
            f"MercadoLibre item {answer.id} cannot be kept as a listing: {error}"
        ) from error


def to_stock(answer: StockAnswer) -> StockSnapshot:
    return StockSnapshot(
        item_id=answer.id,
        available_quantity=answer.available_quantity,
        status=answer.status,
        variations=tuple((v.id, v.available_quantity) for v in answer.variations),
    )


def to_health(answer: HealthAnswer, item_id: str) -> ListingHealth:
    """§4.12. Goals that do not apply to the item are left out; a goal's progress is
    the share done, 0..1 (MercadoLibre counts `progress` out of `progress_max`). A met
    goal carries `completed` as the time it was met (or `true`) and counts as done."""
    goals = []
    for goal in answer.goals:
        if not goal.apply:
            continue
        met_at = goal.completed if isinstance(goal.completed, datetime) else None
        completed = goal.completed is True or met_at is not None
        progress = goal.progress
        if goal.progress_max:
            progress = progress / goal.progress_max
        goals.append(
            HealthGoal(
                id=goal.id,
                name=goal.name or goal.id,
                progress=1.0 if completed else min(1.0, max(0.0, progress)),
                completed=completed,
                completed_at=met_at,
            )
        )
    return ListingHealth(
        item_id=answer.item_id or item_id,
        health=answer.health,
        level=answer.level,
        goals=tuple(goals),
    )


# -- writing ----------------------------------------------------------------------------


def price_number(money: Money) -> int | float:
    """A JSON number at the currency's precision: whole amounts as integers (COP 150000,
    ARS 350), others as the float whose shortest repr is the Decimal (1234.57)."""
    amount = money.amount
    if amount == amount.to_integral_value():
        return int(amount)
    return float(amount)


def attribute_body(attribute: Attribute) -> dict[str, Any]:
    """`{id, value_id?, value_name?}`; a free-text combination without an id goes back
    by its name, as MercadoLibre keeps it (§4.6)."""
    body: dict[str, Any] = (
        {"id": attribute.id} if attribute.id is not None else {"name": attribute.name}
    )
    if attribute.value_id is not None:
        body["value_id"] = attribute.value_id
    if attribute.value_name is not None:
        body["value_name"] = attribute.value_name
    return body


def attributes_body(attributes: Iterable[Attribute], seller_sku: str | None) -> list[dict]:
    """The attributes, with SELLER_SKU set to `seller_sku` when one is given (§4.6)."""
    result = [attribute_body(a) for a in attributes if seller_sku is None or a.id != SELLER_SKU]
    if seller_sku is not None:
        result.append({"id": SELLER_SKU, "value_name": seller_sku})
    return result


def picture_body(picture: Picture) -> dict[str, str]:
    """§4.8: an uploaded or stored picture by `id`, anything else by `source`."""
    if picture.id:
        return {"id": picture.id}
    return {"source": picture.source or picture.url or ""}


def shipping_body(shipping: Shipping) -> dict[str, Any]:
    body: dict[str, Any] = {
        "mode": shipping.mode,
        "free_shipping": shipping.free_shipping,
        "local_pick_up": shipping.local_pick_up,
    }
    if shipping.logistic_type is not None:
        body["logistic_type"] = shipping.logistic_type
    return body


def variation_body(variation: Variation) -> dict[str, Any]:
    """§4.6: an existing variation carries its `id`, a new one does not. Pictures are
    sent only when there are some: an existing variation keeps its own otherwise, and
    MercadoLibre names the missing field of a new one."""
    body: dict[str, Any] = {}
    if variation.id is not None:
        body["id"] = variation.id
    body["attribute_combinations"] = [attribute_body(a) for a in variation.attribute_combinations]
    body["price"] = price_number(variation.price)
    body["available_quantity"] = variation.available_quantity
    if variation.picture_ids:
        body["picture_ids"] = list(variation.picture_ids)
    if variation.seller_sku is not None:
        body["attributes"] = [{"id": SELLER_SKU, "value_name": variation.seller_sku}]
    return body


def variation_change_body(change: VariationChange) -> dict[str, Any]:
    """§4.6: only what the change names. An existing variation sent as `{"id"}` alone is
    kept as MercadoLibre has it, its stock included (see VariationChange)."""
    body: dict[str, Any] = {}
    if change.id is not None:
        body["id"] = change.id
    if change.attribute_combinations is not None:
        body["attribute_combinations"] = [attribute_body(a) for a in change.attribute_combinations]
    if change.price is not None:
        body["price"] = price_number(change.price)
    if change.available_quantity is not None:
        body["available_quantity"] = change.available_quantity
    if change.picture_ids:
        body["picture_ids"] = list(change.picture_ids)
    if change.seller_sku is not None:
        body["attributes"] = [{"id": SELLER_SKU, "value_name": change.seller_sku}]
    return body


def _variation_entry(variation: Variation | VariationChange) -> dict[str, Any]:
    if isinstance(variation, VariationChange):
        return variation_change_body(variation)
    return variation_body(variation)


def _check_currency(money: Money, site_id: str, field: str) -> None:
    expected = site(site_id).currency_id
    if money.currency_id != expected:
        raise ValidationFailed(
            [FieldProblem(field, f"{site_id} lists in {expected}, not {money.currency_id}")],
            message="the listing cannot be sent to MercadoLibre",
        )


def new_listing_body(listing: NewListing) -> dict[str, Any]:
    """§4.2: the POST /items body. The description is not in it: the docs say to add it
    afterwards through its own resource (§4.7). Raises ValidationFailed when a price is
    not in the site's currency."""
    try:
        currency_id = site(listing.site_id).currency_id
    except DomainError as error:
        raise ValidationFailed([FieldProblem("site_id", str(error))]) from error
    _check_currency(listing.price, listing.site_id, "price")
    for n, variation in enumerate(listing.variations):
        _check_currency(variation.price, listing.site_id, f"variations[{n}].price")
    body: dict[str, Any] = {
        "title": listing.title,
        "category_id": listing.category_id,
        "price": price_number(listing.price),
        "currency_id": currency_id,
        "available_quantity": listing.available_quantity,
        "buying_mode": listing.buying_mode,
        "condition": listing.condition.value,
        "listing_type_id": listing.listing_type_id,
    }
    if listing.pictures:
        body["pictures"] = [picture_body(p) for p in listing.pictures]
    attributes = attributes_body(listing.attributes, listing.seller_sku)
    if attributes:
        body["attributes"] = attributes
    if listing.variations:
        body["variations"] = [variation_body(v) for v in listing.variations]
    if listing.shipping is not None:
        body["shipping"] = shipping_body(listing.shipping)
    if listing.video_id is not None:
        body["video_id"] = listing.video_id
    return body


def relist_body(relist: Relist) -> dict[str, Any]:
    """The body of POST /items/{id}/relist (§4.3)."""
    body: dict[str, Any] = {"listing_type_id": relist.listing_type_id}
    if relist.variations:
        body["variations"] = [
            {"id": v.id, "price": price_number(v.price), "quantity": v.quantity}
            for v in relist.variations
        ]
        return body
    if relist.price is None or relist.quantity is None:
        raise ValueError("a relist without variations needs a price and a quantity")
    body["price"] = price_number(relist.price)
    body["quantity"] = relist.quantity
    return body


def changes_body(changes: ListingChanges, site_id: str) -> dict[str, Any]:
    """§4.3: the PUT /items/{id} body with only the fields that change. `variations` is
    the complete set to keep (§4.6): MercadoLibre deletes the ones a PUT leaves out.
    Prices travel without their currency, so one not in the site's currency is
    ValidationFailed here rather than a wrong price there."""
    if changes.price is not None:
        _check_currency(changes.price, site_id, "price")
    for n, variation in enumerate(changes.variations or ()):
        if variation.price is not None:
            _check_currency(variation.price, site_id, f"variations[{n}].price")
    body: dict[str, Any] = {}
    if changes.title is not None:
        body["title"] = changes.title
    if changes.price is not None:
        body["price"] = price_number(changes.price)
    if changes.available_quantity is not None:
        body["available_quantity"] = changes.available_quantity
    if changes.pictures is not None:
        body["pictures"] = [picture_body(p) for p in changes.pictures]
    if changes.attributes is not None:
        body["attributes"] = [attribute_body(a) for a in changes.attributes]
    if changes.variations is not None:
        body["variations"] = [_variation_entry(v) for v in changes.variations]
    if changes.shipping is not None:
        body["shipping"] = shipping_body(changes.shipping)
    if changes.video_id is not None:
        body["video_id"] = changes.video_id
    if changes.status is not None:
        body["status"] = changes.status.value
    return body


# -- answers that leave out what was sent ---------------------------------------------


def _same_combination(sent: Sequence[Attribute], answered: Sequence[Attribute]) -> bool:
    """Whether an answered combination is the one sent: MercadoLibre fills in the
    value_id of a value sent by name, so each attribute matches on either."""
    if len(sent) != len(answered):
        return False
    by_key = {a.key: a for a in answered}
    for attribute in sent:
        other = by_key.get(attribute.key)
        if other is None:
            return False
        same_id = attribute.value_id is not None and attribute.value_id == other.value_id
        same_name = (
            attribute.value_name is not None
            and other.value_name is not None
            and attribute.value_name.casefold() == other.value_name.casefold()
        )
        if not (same_id or same_name):
            return False
    return True


def with_sent_skus(listing: Listing, sent: Sequence[Variation | VariationChange]) -> Listing:
    """The listing with the SKUs of the variations sent filled in where the answer has
    none: POST and PUT /items answer variations without their `attributes` (§4.6:
    those come only with include_attributes=all), so SELLER_SKU would be lost."""
    if not sent or all(v.seller_sku for v in listing.variations):
        return listing
    by_id = {v.id: v.seller_sku for v in sent if v.id is not None and v.seller_sku}
    new = [v for v in sent if v.id is None and v.seller_sku and v.attribute_combinations]
    variations = []
    for variation in listing.variations:
        sku = variation.seller_sku or by_id.get(variation.id)
        if sku is None:
            match = next(
                (
                    v
                    for v in new
                    if _same_combination(
                        v.attribute_combinations or (), variation.attribute_combinations
                    )
                ),
                None,
            )
            sku = match.seller_sku if match is not None else None
        variations.append(attrs.evolve(variation, seller_sku=sku))
    return attrs.evolve(listing, variations=tuple(variations))
