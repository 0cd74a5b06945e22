"""A PUT /items/{id} on a listing in memory, with MercadoLibre's rules (§4.3, §4.6), for
FakeListingGateway."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import attrs

from application.errors import FieldProblem, ValidationFailed
from domain.errors import DomainError, InvalidValue
from domain.listings import Attribute, Listing, ListingStatus, Picture, Variation
from domain.money import Money

OUT_OF_STOCK = "out_of_stock"
# §4.6: what a new variation must carry; the price defaults to the item's, as on the
# sandbox [INF].
NEW_VARIATION_FIELDS = ("attribute_combinations", "available_quantity", "picture_ids")


def not_updatable(listing: Listing) -> ValidationFailed:
    """§4.3: a closed item is final; MercadoLibre refuses any PUT but `deleted`."""
    reason = f"Cannot update item {listing.item_id} [status:{listing.status.value}]"
    return ValidationFailed([FieldProblem("request", reason, "field_not_updatable")])


def apply_put(listing: Listing, body: dict[str, Any], new_variation_id: Callable[[], int]) -> None:
    """Apply the body as MercadoLibre does, all or nothing: when it refuses the body
    (ValidationFailed), the listing is as it was."""
    if listing.status is ListingStatus.CLOSED:
        raise not_updatable(listing)
    draft = attrs.evolve(listing)
    _apply(draft, body, new_variation_id)
    for field in attrs.fields(Listing):
        setattr(listing, field.name, getattr(draft, field.name))


def _apply(listing: Listing, body: dict[str, Any], new_variation_id: Callable[[], int]) -> None:
    currency_id = listing.price.currency_id
    if "title" in body and body["title"] != listing.title and listing.sold_quantity:
        reason = "The title cannot be modified on an item with sales."
        raise ValidationFailed([FieldProblem("item.title", reason)])
    if "title" in body:
        listing.title = body["title"]
    if "price" in body:
        listing.price = Money.of(Decimal(str(body["price"])), currency_id)
    if "video_id" in body:
        listing.video_id = body["video_id"]
    if "pictures" in body:
        listing.pictures = tuple(
            Picture(id=p["id"]) if "id" in p else Picture(source=p["source"])
            for p in body["pictures"]
        )
    if "attributes" in body:
        # Attributes sent replace those of their id; the others stay.
        given = {a["id"]: _attribute(a) for a in body["attributes"]}
        kept = [a for a in listing.attributes if a.id not in given]
        listing.attributes = (*kept, *given.values())
    if "shipping" in body:
        shipping = body["shipping"]
        listing.shipping = attrs.evolve(
            listing.shipping,
            mode=shipping["mode"],
            free_shipping=shipping["free_shipping"],
            local_pick_up=shipping["local_pick_up"],
            logistic_type=shipping.get("logistic_type", listing.shipping.logistic_type),
        )
    if "variations" in body:
        listing.variations = _variations(listing, body["variations"], new_variation_id)
        listing.available_quantity = listing.total_quantity
        _follow_stock(listing)
    elif "available_quantity" in body:
        try:
            listing.set_quantity(body["available_quantity"])
        except DomainError as error:
            problem = FieldProblem("item.available_quantity", str(error))
            raise ValidationFailed([problem]) from error
    if "status" in body:
        _move(listing, ListingStatus(body["status"]))
    listing.last_updated = datetime.now(UTC)


def _attribute(entry: dict[str, Any]) -> Attribute:
    return Attribute(entry["id"], entry.get("value_name"), entry.get("value_id"))


def _variations(
    listing: Listing, entries: list[dict[str, Any]], new_variation_id: Callable[[], int]
) -> tuple[Variation, ...]:
    """§4.6: the whole set; an entry with an id changes only what it carries, one
    without is new, and the variations left out are gone."""
    currency_id = listing.price.currency_id
    by_id = {v.id: v for v in listing.variations}
    kept = []
    for n, entry in enumerate(entries):
        where = f"item.variations[{n}]"
        if "id" in entry:
            if entry["id"] not in by_id:
                reason = f"Variation {entry['id']} does not belong to this item."
                raise ValidationFailed([FieldProblem(f"{where}.id", reason)])
            variation = by_id[entry["id"]]
        else:
            missing = [f for f in NEW_VARIATION_FIELDS if entry.get(f) in (None, [], "")]
            if missing:
                raise ValidationFailed([FieldProblem(f"{where}.{f}", "required") for f in missing])
            variation = Variation((Attribute("?", "?"),), listing.price, 0, id=new_variation_id())
        changes: dict[str, Any] = {}
        if "attribute_combinations" in entry:
            changes["attribute_combinations"] = tuple(
                _attribute(a) for a in entry["attribute_combinations"]
            )
        if "price" in entry:
            changes["price"] = Money.of(Decimal(str(entry["price"])), currency_id)
        if "available_quantity" in entry:
            changes["available_quantity"] = entry["available_quantity"]
        if "picture_ids" in entry:
            changes["picture_ids"] = tuple(entry["picture_ids"])
        for attribute in entry.get("attributes", ()):
            if attribute["id"] == "SELLER_SKU":
                changes["seller_sku"] = attribute["value_name"]
        kept.append(attrs.evolve(variation, **changes))
    return tuple(kept)


def _follow_stock(listing: Listing) -> None:
    """§4.3: stock at zero pauses the item (out_of_stock); a restock reactivates one
    paused that way."""
    if listing.total_quantity == 0 and listing.status is ListingStatus.ACTIVE:
        listing.status = ListingStatus.PAUSED
        listing.sub_status = (*listing.sub_status, OUT_OF_STOCK)
    elif listing.total_quantity > 0 and OUT_OF_STOCK in listing.sub_status:
        listing.sub_status = tuple(s for s in listing.sub_status if s != OUT_OF_STOCK)
        if listing.status is ListingStatus.PAUSED:
            listing.status = ListingStatus.ACTIVE


def _move(listing: Listing, target: ListingStatus) -> None:
    try:
        if target is ListingStatus.PAUSED:
            listing.pause()
        elif target is ListingStatus.ACTIVE:
            listing.activate()
        elif target is ListingStatus.CLOSED:
            listing.close()
        else:
            raise InvalidValue("status", f"a PUT cannot set {target.value}")
    except DomainError as error:
        raise ValidationFailed([FieldProblem("item.status", str(error))]) from error
