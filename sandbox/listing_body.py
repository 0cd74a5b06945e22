"""Checks of a listing body as a whole, before any field rule (§2.1, §4.2, §4.3): the
fields a call accepts and their JSON types, the required fields, closed items."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from sandbox.errors import ApiError, api_error, cause
from sandbox.listing_fields import reject

JSON_TYPES = {bool: "Boolean", int: "Number", float: "Number", str: "String", list: "Array"}
# Field -> accepted JSON types. Null is accepted for every field.
FIELD_TYPES: dict[str, tuple[str, ...]] = {
    "title": ("String",),
    "category_id": ("String",),
    "price": ("Number",),
    "currency_id": ("String",),
    "available_quantity": ("Number",),
    "buying_mode": ("String",),
    "listing_type_id": ("String",),
    "condition": ("String",),
    "pictures": ("Array",),
    "attributes": ("Array",),
    "variations": ("Array",),
    "sale_terms": ("Array",),
    "shipping": ("Object",),
    "channels": ("Array",),
    "tags": ("Array",),
    "video_id": ("String",),
    "seller_custom_field": ("String",),
    "description": ("String", "Object"),
    "official_store_id": ("Number",),
    "site_id": ("String",),
    "warranty": ("String",),
    "accepts_mercadopago": ("Boolean",),
    "non_mercado_pago_payment_methods": ("Array",),
    "location": ("Object",),
    "seller_contact": ("Object",),
    "catalog_product_id": ("String",),
    "catalog_listing": ("Boolean",),
    "status": ("String",),
    "deleted": ("String", "Boolean"),
}
CREATE_FIELDS = frozenset(FIELD_TYPES) - {"status", "deleted"}
# §4.3: the description is its own resource (§4.7), so PUT refuses it.
UPDATE_FIELDS = frozenset(FIELD_TYPES) - {"description", "site_id"}
REQUIRED_FIELDS = (
    "title",
    "category_id",
    "price",
    "currency_id",
    "available_quantity",
    "buying_mode",
    "listing_type_id",
)


def json_type(value: Any) -> str:
    if value is None:
        return "Null"
    return JSON_TYPES.get(type(value), "Object")


def check_body(body: Any, allowed: frozenset[str]) -> dict[str, Any]:
    """The body-level checks of §2.1 that come before any field rule."""
    if not isinstance(body, dict):
        raise api_error(400, "bad_request", "The body must be a JSON object")
    if "exclusive_channel" in body:
        raise reject(
            "item.exclusive_channel.invalid",
            "Item attribute EXCLUSIVE_CHANNEL is no longer supported",  # §4.2
            "item.exclusive_channel",
        )
    unknown = [key for key in body if key not in allowed]
    if unknown:
        # §4.2: code body.invalid_fields with this message.
        fields = ", ".join(unknown)
        message = f"The fields [{fields}] are invalid for requested call."
        raise api_error(400, "body.invalid_fields", message)
    wrong = []
    for key, value in body.items():
        if value is not None and json_type(value) not in FIELD_TYPES[key]:
            shown = value if isinstance(value, str) else json.dumps(value)
            expected = FIELD_TYPES[key][0]
            wrong.append(
                f"invalid property type: [{key}] expected {expected} "
                f"but was {json_type(value)} value: {shown}"
            )
    if wrong:
        # §2.1 [DOC validador-de-publicaciones]: the list goes in `error`.
        raise api_error(400, "[" + ", ".join(wrong) + "]", "body.invalid_field_types")
    return body


def required_fields_error(missing: Iterable[str]) -> ApiError:
    """§2.1: missing body fields."""
    names = ", ".join(missing)
    detail = f"The body does not contains some or none of the following properties [{names}]"
    return api_error(
        400,
        "bad_request",
        "body.required_fields",
        [cause("body.required_fields", detail, ["body"])],
    )


def field_not_updatable(item: Mapping[str, Any]) -> ApiError:
    """§4.3: the answer to a change of a closed item."""
    has_bids = "true" if item.get("sold_quantity") else "false"
    message = f"Cannot update item {item['id']} [status:{item['status']}, has_bids:{has_bids}]"
    return api_error(400, "field_not_updatable", message)
