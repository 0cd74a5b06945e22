"""POST /items/{id}/relist: a closed item published again as a new item.

§4.3 says a closed item "cannot be reactivated, only relisted"; §4.1 shows the item's
`parent_item_id`. The rest follows MercadoLibre's page on relisting [INF, not in the
reference]: the body carries `listing_type_id` and either `price` and `quantity`, or the
`variations` to relist as `{id, price, quantity}`; the answer is the new item (201, as for
POST /items), whose `parent_item_id` names the closed one, which stays closed. Only a
closed item that is not deleted can be relisted; the new item starts with no sales, new
variation ids, and the old one's description.
"""

from __future__ import annotations

import copy
from typing import Any

from sandbox.catalogue_data import CURRENCIES
from sandbox.clock import iso
from sandbox.errors import api_error
from sandbox.item_shape import refresh_derived
from sandbox.listing_fields import Causes, FieldRules, is_number, plain_number, reject
from sandbox.users import User

RELIST_FIELDS = frozenset({"listing_type_id", "price", "quantity", "variations"})


def relist_item(state: Any, item_id: str, body: Any, owner: User) -> dict[str, Any]:
    """The new item as its owner reads it; 400 with causes for what cannot be relisted."""
    item = state.owned_item(item_id, owner.id)
    if item["status"] != "closed" or "deleted" in (item.get("sub_status") or []):
        raise reject(
            "item.relist.invalid",
            f"Item {item_id} cannot be relisted: only closed items can.",
            "item.status",
        )
    if not isinstance(body, dict):
        raise api_error(400, "bad_request", "The body must be a JSON object")
    unknown = [key for key in body if key not in RELIST_FIELDS]
    if unknown:
        # §4.2's code and message for fields a call does not take.
        message = f"The fields [{', '.join(unknown)}] are invalid for requested call."
        raise api_error(400, "body.invalid_fields", message)
    rules = state.rules
    fields = rules.fields
    category = state.catalogue.category(item["category_id"])
    settings = state.catalogue.settings(category)
    currency = CURRENCIES[item["currency_id"]]
    causes = Causes()
    listing_type = body.get("listing_type_id")
    fields.listing_type(listing_type, causes)
    new = copy.deepcopy(item)
    if item.get("variations"):
        relisted = _variations(body.get("variations"), item, currency, settings, causes)
        relisted = relisted if not causes else []
        for variation in relisted:
            variation["id"] = state.items.new_variation_id()
        new["variations"] = relisted
    else:
        price, quantity = body.get("price"), body.get("quantity")
        fields.price(price, currency, settings, causes)
        _quantity(quantity, "item.quantity", causes)
        if not causes:
            new["price"] = new["base_price"] = plain_number(price)
            new["available_quantity"] = int(quantity)
    causes.raise_if_any()
    now = iso(state.clock.now())
    new.update(
        id=state.items.new_item_id(item["site_id"]),
        listing_type_id=listing_type,
        status="active",
        sub_status=[],
        sold_quantity=0,
        parent_item_id=item_id,
        start_time=now,
        date_created=now,
        last_updated=now,
    )
    refresh_derived(new)
    new["initial_quantity"] = new["available_quantity"]
    state.items.insert(new)
    description = state.items.description(item_id)
    if description is not None:
        state.items.set_description(new["id"], description["plain_text"])
    state.market.listings.item_changed(new)
    return state.item_view(new, owner.id)


def _quantity(quantity: Any, reference: str, causes: Causes) -> None:
    if not is_number(quantity) or not float(quantity).is_integer() or quantity < 1:
        causes.add(
            "item.quantity.invalid", "quantity must be a whole number, 1 or more.", reference
        )


def _variations(
    given: Any, item: dict[str, Any], currency: Any, settings: Any, causes: Causes
) -> list[dict[str, Any]]:
    """The variations to relist, each `{id, price, quantity}` of one of the item's."""
    if not isinstance(given, list) or not given:
        causes.add(
            "item.variations.invalid",
            "An item with variations is relisted with the variations to relist.",
            "item.variations",
        )
        return []
    by_id = {v["id"]: v for v in item["variations"]}
    relisted = []
    for index, entry in enumerate(given):
        reference = f"item.variations[{index}]"
        if not isinstance(entry, dict) or entry.get("id") not in by_id:
            causes.add(
                "item.variations.id.invalid",
                f"Variation {entry.get('id') if isinstance(entry, dict) else entry} is not "
                f"a variation of item {item['id']}.",
                reference,
            )
            continue
        FieldRules.price(entry.get("price"), currency, settings, causes, f"{reference}.price")
        _quantity(entry.get("quantity"), f"{reference}.quantity", causes)
        variation = copy.deepcopy(by_id[entry["id"]])
        if is_number(entry.get("price")) and is_number(entry.get("quantity")):
            variation["price"] = plain_number(entry["price"])
            variation["available_quantity"] = int(entry["quantity"])
            variation["sold_quantity"] = 0
        relisted.append(variation)
    return relisted
