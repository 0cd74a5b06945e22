"""The JSON shape of an item (§4.1) and the views of it that differ per caller."""

from __future__ import annotations

import copy
import re
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any

from sandbox.catalogue_data import SITES

PICTURE_HOST = "http2.mlstatic.com"
# §4.2: pictures given by source first point to a "processing-image" placeholder.
PROCESSING_IMAGE = "http://resources.mlstatic.com/frontend/statics/processing-image/1.0.0/O-ES.jpg"

# §4.1: fields a non-owner does not see.
OWNER_ONLY_FIELDS = ("initial_quantity", "channels")
# §4.1: in public reads available_quantity is one of these range buckets. Each bucket is
# the lower bound of the range the quantity falls in (1-49 -> 1, 50-99 -> 50, ...) [INF].
QUANTITY_BUCKETS = (50000, 5000, 500, 250, 200, 150, 100, 50, 1)


def bucket(quantity: int) -> int:
    for value in QUANTITY_BUCKETS:
        if quantity >= value:
            return value
    return 0


def picture_json(picture_id: str, *, processing: bool = False) -> dict[str, Any]:
    url = PROCESSING_IMAGE if processing else f"http://{PICTURE_HOST}/D_{picture_id}-O.jpg"
    return {
        "id": picture_id,
        "url": url,
        "secure_url": url.replace("http://", "https://", 1),
        "size": "500x500",
        "max_size": "1200x1200",
        "quality": "",
    }


def slug(title: str) -> str:
    plain = unicodedata.normalize("NFKD", title.lower()).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-")


def permalink(item_id: str, site_id: str, title: str) -> str:
    domain = SITES[site_id].permalink_domain
    number = item_id[3:]
    return f"https://articulo.{domain}/{site_id}-{number}-{slug(title)}-_JM"


def refresh_derived(item: dict[str, Any]) -> None:
    """Recompute the fields that follow from others (thumbnail, permalink, totals)."""
    pictures = item.get("pictures") or []
    first = pictures[0]["id"] if pictures else None
    item["thumbnail_id"] = first
    item["thumbnail"] = f"http://{PICTURE_HOST}/D_{first}-I.jpg" if first else ""
    item["permalink"] = permalink(item["id"], item["site_id"], item["title"])
    variations = item.get("variations") or []
    if variations:
        # §4.6: the item's stock is that of its variations; the listing shows the
        # highest variation price.
        item["available_quantity"] = sum(v["available_quantity"] for v in variations)
        item["sold_quantity"] = sum(v.get("sold_quantity", 0) for v in variations)
        item["price"] = max(v["price"] for v in variations)
        item["base_price"] = item["price"]


def attribute_value(attributes: Iterable[dict[str, Any]], attribute_id: str) -> str | None:
    for attribute in attributes or ():
        if attribute.get("id") == attribute_id:
            value = attribute.get("value_name")
            return None if value is None else str(value)
    return None


def seller_skus(item: dict[str, Any]) -> set[str]:
    """The SELLER_SKU values of an item and its variations (§4.6)."""
    skus = set()
    item_sku = attribute_value(item.get("attributes", ()), "SELLER_SKU")
    if item_sku:
        skus.add(item_sku)
    for variation in item.get("variations") or ():
        sku = attribute_value(variation.get("attributes", ()), "SELLER_SKU")
        if sku:
            skus.add(sku)
    return skus


def view(item: dict[str, Any], *, owner: bool, include_attributes: bool) -> dict[str, Any]:
    """The item as a caller sees it: §4.1 public reads bucket the stock and hide the
    owner-only fields; variation `attributes` appear only with include_attributes=all."""
    body = copy.deepcopy(item)
    variations = body.get("variations") or []
    if not include_attributes:
        for variation in variations:
            variation.pop("attributes", None)
    if not owner:
        for field in OWNER_ONLY_FIELDS:
            body.pop(field, None)
        body["available_quantity"] = bucket(body.get("available_quantity", 0))
        for variation in variations:
            variation["available_quantity"] = bucket(variation.get("available_quantity", 0))
    return body


def trim(body: Any, attributes: Sequence[str] | None) -> Any:
    """§0.3 `?attributes=a,b`: keep only the listed top-level fields."""
    if not attributes:
        return body
    if isinstance(body, dict):
        return {key: value for key, value in body.items() if key in attributes}
    if isinstance(body, list):
        return [trim(entry, attributes) for entry in body]
    return body


def seller_address(site_id: str) -> dict[str, Any]:
    country = SITES[site_id].country_id
    return {
        "city": {"id": f"T{country}xQ0FQ", "name": "Capital"},
        "state": {"id": f"{country}-C", "name": "Capital"},
        "country": {"id": country, "name": SITES[site_id].name},
        "search_location": None,
        "id": 1082391820,
    }


def new_item(
    *,
    item_id: str,
    site_id: str,
    seller_id: int,
    title: str,
    category_id: str,
    domain_id: str | None,
    price: float | int,
    currency_id: str,
    available_quantity: int,
    buying_mode: str,
    listing_type_id: str,
    condition: str,
    created_at: str,
    pictures: list[dict[str, Any]],
    attributes: list[dict[str, Any]],
    variations: list[dict[str, Any]],
    sale_terms: list[dict[str, Any]],
    shipping: dict[str, Any] | None = None,
    status: str = "active",
    sub_status: Sequence[str] = (),
    sold_quantity: int = 0,
    seller_custom_field: str | None = None,
    channels: Sequence[str] = ("marketplace",),
    tags: Sequence[str] = ("test_item", "immediate_payment", "cart_eligible"),
    video_id: str | None = None,
    stop_time: str = "2044-01-01T04:00:00.000Z",
) -> dict[str, Any]:
    """A full item document as GET /items/{id} returns it to its owner (§4.1)."""
    item: dict[str, Any] = {
        "id": item_id,
        "site_id": site_id,
        "title": title,
        "family_name": None,
        "seller_id": seller_id,
        "category_id": category_id,
        "user_product_id": f"{site_id}U{item_id[3:]}",
        "official_store_id": None,
        "price": price,
        "base_price": price,
        "original_price": None,
        "inventory_id": None,
        "currency_id": currency_id,
        "initial_quantity": available_quantity + sold_quantity,
        "available_quantity": available_quantity,
        "sold_quantity": sold_quantity,
        "sale_terms": sale_terms,
        "buying_mode": buying_mode,
        "listing_type_id": listing_type_id,
        "start_time": created_at,
        "historical_start_time": created_at,
        "stop_time": stop_time,
        "end_time": stop_time,
        "expiration_time": stop_time,
        "condition": condition,
        "permalink": "",
        "thumbnail_id": None,
        "thumbnail": "",
        "pictures": pictures,
        "video_id": video_id,
        "descriptions": [],
        "accepts_mercadopago": True,
        "non_mercado_pago_payment_methods": [],
        "shipping": shipping
        or {
            "mode": "not_specified",
            "methods": [],
            "tags": [],
            "dimensions": None,
            "local_pick_up": False,
            "free_shipping": False,
            "logistic_type": "not_specified",
            "store_pick_up": False,
        },
        "international_delivery_mode": "none",
        "seller_address": seller_address(site_id),
        "seller_contact": None,
        "location": {},
        "coverage_areas": [],
        "attributes": attributes,
        "listing_source": "",
        "variations": variations,
        "status": status,
        "sub_status": list(sub_status),
        "tags": list(tags),
        "warranty": None,
        "catalog_product_id": None,
        "domain_id": domain_id,
        "parent_item_id": None,
        "seller_custom_field": seller_custom_field,
        "deal_ids": [],
        "automatic_relist": False,
        "date_created": created_at,
        "last_updated": created_at,
        "total_listing_fee": None,
        "health": None,
        "catalog_listing": False,
        "item_relations": [],
        "channels": list(channels),
        "bundle": None,
    }
    refresh_derived(item)
    return item
