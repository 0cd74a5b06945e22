"""§6.1, §6.4, §6.5: shipments as the API shows them: GET /shipments/{id} in both of
its shapes, the sub-resources, and the shipping costs."""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from typing import Any

from sandbox.catalogue_data import SITES
from sandbox.clock import local_iso
from sandbox.orders import money
from sandbox.shipments import (
    METHODS,
    PRIVATE_ADDRESS_FIELDS,
    Shipment,
    address_of,
    dimensions_of,
    free_shipping,
    list_cost,
    method_name,
)
from sandbox.users import CITIES, User

# §6.1: the service id of the example's lead_time [INF: one for every shipment].
SERVICE_ID = 831
# §6.1 legacy shape [OBS]: the dates of status_history, each null until the shipment
# first reaches its status.
LEGACY_HISTORY_FIELDS = (
    "date_cancelled",
    "date_delivered",
    "date_first_visit",
    "date_handling",
    "date_not_delivered",
    "date_ready_to_ship",
    "date_shipped",
    "date_returned",
)


def shipment_json(shipment: Shipment, seller: User, buyer: User) -> dict[str, Any]:
    """§6.1, the shape GET /shipments/{id} answers with `x-format-new: true`."""
    site = shipment.site_id

    def date(value: float | None) -> str | None:
        return None if value is None else local_iso(value, site)

    height, width, length, weight = shipment.dimensions
    destination_address, receiver_name, receiver_phone = receiver(shipment, buyer)
    method = METHODS[shipment.method]
    created = shipment.date_created
    return {
        "id": shipment.id,
        "external_reference": None,
        "status": shipment.status,
        "substatus": shipment.substatus,
        "date_created": date(created),
        "last_updated": date(shipment.last_updated),
        "declared_value": shipment.declared_value,
        "dimensions": {"height": height, "width": width, "length": length, "weight": weight},
        "logistic": {
            "direction": "forward",
            "mode": shipment.mode,
            "type": shipment.logistic_type,
        },
        "source": {
            "site_id": site,
            "market_place": "MELI",
            "customer_id": None,
            "application_id": None,
        },
        "tracking_number": shipment.tracking_number,
        "tracking_method": tracking_method(shipment),
        "origin": {
            "type": "selling_address",
            "sender_id": shipment.seller_id,
            "node": None,
            "shipping_address": sender_address(seller),
            "snapshot": {"id": None, "version": None},
        },
        "destination": {
            "type": "buyer_address",
            "receiver_id": shipment.buyer_id,
            "receiver_name": receiver_name,
            "receiver_phone": receiver_phone,
            "comments": None,
            "shipping_address": destination_address,
        },
        "lead_time": {
            "option_id": shipment.option_id,
            "shipping_method": {
                "id": method["id"],
                "name": method_name(shipment.method, site),
                "type": method["type"],
                "deliver_to": "address",
            },
            "currency_id": shipment.currency_id,
            "cost": shipment.cost,
            "list_cost": shipment.list_cost,
            "cost_type": "free" if shipment.cost == 0 else "charged",
            "service_id": SERVICE_ID,
            "delivery_type": "estimated",
            "buffering": {"date": date(created + 3600) if shipment.status == "pending" else None},
            **delivery_estimates(shipment),
            "estimated_schedule_limit": {"date": None},
            "priority_class": {"id": None},
        },
        "items_types": ["new"],
        "snapshot_packing": None,
        "sibling": {
            "sibling_id": shipment.sibling_id,
            "reason": shipment.sibling_reason,
            "source": "seller" if shipment.sibling_id else None,
            "description": None,
            "date_created": date(shipment.sibling_date),
            "last_updated": date(shipment.sibling_date),
        },
        "priority_class": {"id": None},
        "quotation": None,
        "tags": ["test_shipment"],
    }


def legacy_shipment_json(shipment: Shipment, seller: User, buyer: User) -> dict[str, Any]:
    """§0.3, §6.1: the shape GET /shipments/{id} answers without `x-format-new: true`:
    `mode`, `logistic_type`, `status_history`, `shipping_option`, `sender_address` and
    `receiver_address` at the root. [OBS: the fields and their order are those of a
    captured answer; the values are the same shipment's as in the new shape.]"""
    site = shipment.site_id

    def date(value: float | None) -> str | None:
        return None if value is None else local_iso(value, site)

    address, receiver_name, receiver_phone = receiver(shipment, buyer)
    receiver_address = {"id": address.pop("address_id"), **address}
    receiver_address.update(receiver_name=receiver_name, receiver_phone=receiver_phone)
    status_history: dict[str, str | None] = dict.fromkeys(LEGACY_HISTORY_FIELDS)
    for status, _, at in shipment.history:
        field = f"date_{status}"
        if field in status_history and status_history[field] is None:
            status_history[field] = date(at)
    printed = next((at for _, sub, at in shipment.history if sub == "printed"), None)
    method = METHODS[shipment.method]
    return {
        "id": shipment.id,
        "mode": shipment.mode,
        "created_by": "receiver",
        "order_id": shipment.order_ids[0],
        "order_cost": shipment.declared_value,
        "base_cost": shipment.list_cost,
        "site_id": site,
        "status": shipment.status,
        "substatus": shipment.substatus,
        "status_history": status_history,
        "substatus_history": [
            {"date": date(at), "substatus": sub, "status": status}
            for status, sub, at in shipment.history
            if sub is not None
        ],
        "date_created": date(shipment.date_created),
        "last_updated": date(shipment.last_updated),
        "tracking_number": shipment.tracking_number,
        "tracking_method": tracking_method(shipment),
        "service_id": SERVICE_ID,
        "carrier_info": None,
        "sender_id": shipment.seller_id,
        "sender_address": sender_address(seller),
        "receiver_id": shipment.buyer_id,
        "receiver_address": receiver_address,
        "shipping_items": [
            {
                "id": line.item_id,
                "description": line.description,
                "quantity": line.quantity,
                "dimensions": "{:.1f}x{:.1f}x{:.1f},{:.1f}".format(*line.dimensions),
            }
            for line in shipment.lines
        ],
        "shipping_option": {
            "id": shipment.option_id,
            "shipping_method_id": method["id"],
            "name": method_name(shipment.method, site),
            "currency_id": shipment.currency_id,
            "list_cost": shipment.list_cost,
            "cost": shipment.cost,
            "delivery_type": "estimated",
            "estimated_schedule_limit": {"date": None},
            **delivery_estimates(shipment),
            "estimated_handling_limit": {"date": date(shipment.date_created + 86_400)},
        },
        "comments": None,
        "date_first_printed": date(printed),
        "market_place": "MELI",
        "return_details": None,
        "tags": ["test_shipment"],
        "delay": [],
        "type": "forward",
        "logistic_type": shipment.logistic_type,
        "application_id": None,
        "return_tracking_number": None,
        "cost_components": {
            "special_discount": 0,
            "loyal_discount": seller_discount(shipment),
            "compensation": 0,
            "gap_discount": 0,
            "ratio": 0,
        },
    }


def receiver(shipment: Shipment, buyer: User) -> tuple[dict[str, Any], str | None, str | None]:
    """The buyer's address, name and phone as the shipment shows them: §6.1, the address
    is hidden until the payment is confirmed; the phone is only for ME1 and custom."""
    address = address_of(buyer)
    name: str | None = f"{buyer.first_name} {buyer.last_name}"
    if not shipment.paid:
        for field in PRIVATE_ADDRESS_FIELDS:
            address[field] = None
        name = None
    with_phone = shipment.mode in ("me1", "custom") and shipment.paid
    return address, name, "011 4444-5555" if with_phone else None


def delivery_estimates(shipment: Shipment) -> dict[str, Any]:
    """The delivery promise, the same in both shapes [INF: the method's days after a day
    of handling; the limits two, three and five days later]."""
    site = shipment.site_id

    def date(value: float) -> str:
        return local_iso(value, site)

    days = METHODS[shipment.method]["days"]
    promise = shipment.date_created + (days + 1) * 86_400
    return {
        "estimated_delivery_time": {
            "type": "known_frame",
            "date": date(promise),
            "unit": "hour",
            "offset": {"date": date(promise), "shipping": days * 24},
            "time_frame": {"from": None, "to": None},
            "pay_before": None,
            "shipping": days * 24,
            "handling": 24,
            "schedule": None,
        },
        "estimated_delivery_limit": {"date": date(promise + 2 * 86_400), "offset": None},
        "estimated_delivery_final": {"date": date(promise + 5 * 86_400), "offset": None},
        "estimated_delivery_extended": {"date": date(promise + 3 * 86_400), "offset": None},
    }


def tracking_method(shipment: Shipment) -> str | None:
    if shipment.tracking_number is None:
        return None
    return "MEL Distribution" if shipment.mode == "me2" else "Correo"


def sender_address(seller: User) -> dict[str, Any]:
    state, city, zip_code = CITIES.get(
        seller.site_id, (f"{seller.site.country_id}-01", "Capital", "1000")
    )
    return {
        "address_line": "Test Address 123",
        "street_name": "Test Address",
        "street_number": "123",
        "zip_code": zip_code,
        "city": {"id": None, "name": city},
        "state": {"id": state, "name": city},
        "country": {"id": seller.site.country_id, "name": seller.site.name},
    }


def history_json(shipment: Shipment) -> list[dict[str, Any]]:
    """§6.4 `/history`: `[{status, substatus, date}]`, oldest first."""
    return [
        {"status": status, "substatus": substatus, "date": local_iso(at, shipment.site_id)}
        for status, substatus, at in shipment.history
    ]


def items_json(shipment: Shipment) -> list[dict[str, Any]]:
    """§6.4 `/items`: `[{item_id, description, quantity, variation_id, dimensions,
    order_id, sender_id}]`."""
    return [
        {
            "item_id": line.item_id,
            "description": line.description,
            "quantity": line.quantity,
            "variation_id": line.variation_id,
            "dimensions": {
                "height": line.dimensions[0],
                "width": line.dimensions[1],
                "length": line.dimensions[2],
                "weight": line.dimensions[3],
            },
            "order_id": line.order_id,
            "sender_id": shipment.seller_id,
        }
        for line in shipment.lines
    ]


def costs_json(shipment: Shipment) -> dict[str, Any]:
    """§6.4 `/costs`: the buyer pays `cost`, the seller the rest of the list price (free
    shipping) [INF: a flat 50 % seller discount on free shipping]; `save` is always 0."""
    seller_share = shipment.list_cost - shipment.cost
    discounts = []
    if seller_share:
        promoted = seller_discount(shipment)
        discounts.append({"rate": 0.5, "type": "loyal", "promoted_amount": promoted})
        seller_share = money(seller_share - promoted, shipment.currency_id)
    return {
        "gross_amount": shipment.list_cost,
        "receiver": {
            "user_id": shipment.buyer_id,
            "cost": shipment.cost,
            "compensation": 0,
            "save": 0,
            "discounts": [],
        },
        "senders": [
            {
                "user_id": shipment.seller_id,
                "cost": seller_share,
                "compensation": 0,
                "save": 0,
                "discounts": discounts,
            }
        ],
    }


def seller_discount(shipment: Shipment) -> float | int:
    """What MercadoLibre takes off the seller's share of free shipping [INF: 50 %]."""
    return money((shipment.list_cost - shipment.cost) * 0.5, shipment.currency_id)


def shipping_options_json(item: Mapping[str, Any], zip_code: str) -> dict[str, Any]:
    """§6.5 `GET /items/{id}/shipping_options?zip_code=`: the buyer's quote."""
    site = SITES[item["site_id"]]
    state, city, _ = CITIES.get(site.id, (f"{site.country_id}-01", "Capital", "1000"))
    weight = dimensions_of(item)[3]
    free = free_shipping(item)
    options = []
    for n, key in enumerate(("standard", "express")):
        method = METHODS[key]
        listed = list_cost(site.id, weight, key)
        cost = 0 if free and key == "standard" else listed
        options.append(
            {
                "id": 1_000_000_000 + zlib.crc32(f"{item['id']}:{zip_code}:{key}".encode()) % 10**9,
                "option_hash": f"{zlib.crc32(key.encode()):x}",
                "name": method_name(key, site.id),
                "currency_id": site.currency_id,
                "base_cost": listed,
                "list_cost": listed,
                "cost": cost,
                "tracks_shipments_status": True,
                "display": "recommended" if n == 0 else "always",
                "speed": {"shipping": method["days"] * 24, "handling": 24},
                "shipping_method_id": method["id"],
                "shipping_method_type": method["type"],
                "shipping_option_type": "address",
                "estimated_delivery_time": {
                    "type": "known_frame",
                    "unit": "hour",
                    "shipping": method["days"] * 24,
                    "handling": 24,
                    "time_frame": {"from": None, "to": None},
                    "pay_before": None,
                    "schedule": None,
                },
            }
        )
    return {
        "destination": {
            "zip_code": zip_code,
            "city": {"id": None, "name": city},
            "state": {"id": state, "name": city},
            "country": {"id": site.country_id, "name": site.name},
            "extended_attributes": {"owner_name": None, "zip_code_type": "address"},
        },
        "options": options,
        "custom_message": {"display_mode": None, "reason": ""},
    }


def free_shipping_json(site_id: str, weight: int, *, verbose: bool) -> dict[str, Any]:
    """§6.5 `GET /users/{id}/shipping_options/free`: what free shipping costs the
    seller [OBS shape]."""
    listed = list_cost(site_id, weight)
    coverage: dict[str, Any] = {
        "list_cost": listed,
        "currency_id": SITES[site_id].currency_id,
        "billable_weight": weight,
    }
    if verbose:
        currency_id = SITES[site_id].currency_id
        coverage["discount"] = {
            "rate": 0.5,
            "type": "loyal",
            "promoted_amount": money(listed * 0.5, currency_id),
        }
    return {"coverage": {"all_country": coverage}}
