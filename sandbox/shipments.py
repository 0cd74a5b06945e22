"""§6: Mercado Envíos shipments, their status machine, sub-resources and costs."""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from typing import Any

import attrs

from sandbox.catalogue import CURRENCIES, SITES
from sandbox.clock import local_iso
from sandbox.errors import ApiError, api_error, forbidden, not_found
from sandbox.orders import money
from sandbox.users import CITIES, User

# §6.2: GET /shipment_statuses, every status with its substatuses (the customs
# substatuses of `shipped` are left out).
SHIPMENT_STATUSES: dict[str, tuple[str, ...]] = {
    "to_be_agreed": (),
    "pending": (
        "cost_exceeded",
        "under_review",
        "reviewed",
        "fraudulent",
        "waiting_for_payment",
        "shipment_paid",
        "creating_route",
        "manufacturing",
        "buffered",
        "creating_shipping_order",
    ),
    "handling": (
        "regenerating",
        "waiting_for_label_generation",
        "invoice_pending",
        "waiting_for_return_confirmation",
        "return_confirmed",
        "manufacturing",
        "agency_unavailable",
    ),
    "ready_to_ship": (
        "ready_to_print",
        "invoice_pending",
        "printed",
        "in_pickup_list",
        "ready_for_pkl_creation",
        "ready_for_pickup",
        "ready_for_dropoff",
        "picked_up",
        "stale",
        "dropped_off",
        "delayed",
        "claimed_me",
        "waiting_for_last_mile_authorization",
        "rejected_in_hub",
        "in_transit",
        "in_warehouse",
        "ready_to_pack",
        "in_hub",
        "measures_ready",
        "waiting_for_carrier_authorization",
        "authorized_by_carrier",
        "in_packing_list",
        "in_plp",
        "on_hold",
        "packed",
        "on_route_to_pickup",
        "picking_up",
        "shipping_order_initialized",
        "looking_for_driver",
    ),
    "shipped": (
        "delayed",
        "waiting_for_withdrawal",
        "contact_with_carrier_required",
        "receiver_absent",
        "reclaimed",
        "not_localized",
        "forwarded_to_third",
        "soon_deliver",
        "refused_delivery",
        "bad_address",
        "changed_address",
        "negative_feedback",
        "need_review",
        "stale",
        "operator_intervention",
        "claimed_me",
        "retained",
        "out_for_delivery",
        "delivery_failed",
        "waiting_for_confirmation",
        "at_the_door",
        "buyer_edt_limit_stale",
        "delivery_blocked",
        "awaiting_tax_documentation",
        "dangerous_area",
        "buyer_rescheduled",
        "failover",
        "picked_up",
        "dropped_off",
    ),
    "delivered": ("damaged", "fulfilled_feedback", "no_action_taken", "double_refund", "inferred"),
    "not_delivered": (
        "returning_to_sender",
        "receiver_absent",
        "to_review",
        "destroyed",
        "waiting_for_withdrawal",
        "negative_feedback",
        "not_localized",
        "double_refund",
        "cancelled_measurement_exceeded",
        "returned_to_hub",
        "returned_to_agency",
        "picked_up_for_return",
        "claimed_me",
        "returning_to_warehouse",
        "returning_to_hub",
        "soon_to_be_returned",
        "return_failed",
        "in_storage",
        "pending_recovery",
        "agency_unavailable",
        "rejected_damaged",
        "refused_delivery",
        "refunded_by_delay",
        "delayed",
        "delayed_to_hub",
        "shipment_stopped",
        "awaiting_tax_documentation",
        "retained",
        "stolen",
        "returned",
        "confiscated",
        "damaged",
        "lost",
        "recovered",
        "returned_to_warehouse",
        "not_recovered",
        "detained_at_customs",
        "detained_at_origin",
        "unclaimed",
        "import_tax_rejected",
        "import_tax_expired",
        "rider_not_found",
    ),
    "not_verified": (),
    "closed": (),
    "error": (),
    "active": (),
    "not_specified": (),
    "stale_ready_to_ship": (),
    "stale_shipped": (),
    "cancelled": (
        "recovered",
        "label_expired",
        "cancelled_manually",
        "fraudulent",
        "return_expired",
        "return_session_expired",
        "unfulfillable",
        "closed_by_user",
        "pack_splitted",
        "shipped_outside_me",
        "shipped_outside_me_trusted",
        "inferred_shipped",
        "service_unavailable",
        "dismissed",
        "time_expired",
        "pack_partially_cancelled",
        "rejected_manually",
        "closed_store",
        "out_of_range",
    ),
}
FINAL_STATUSES = ("delivered", "not_delivered", "cancelled")
# §6.3: labels exist only for ME2 shipments of these logistic types.
LABEL_LOGISTIC_TYPES = ("drop_off", "xd_drop_off", "cross_docking", "self_service")
PRINTABLE_SUBSTATUSES = ("ready_to_print", "printed")
ME2_TYPES = (*LABEL_LOGISTIC_TYPES, "fulfillment")

Step = tuple[str, str | None]
WAITING_FOR_PAYMENT: Step = ("pending", "waiting_for_payment")


def happy_path(mode: str, logistic_type: str) -> tuple[Step, ...]:
    """The steps a shipment takes once paid [INF, after the history example of §6.2]:
    ME2 pending -> handling -> ready_to_ship (ready_to_print -> printed -> dropped off or
    picked up) -> shipped -> delivered; fulfillment leaves the warehouse; ME1 and custom
    shipments are moved by the seller and have no substatuses."""
    if mode == "me2" and logistic_type == "fulfillment":
        return (
            ("pending", "buffered"),
            ("ready_to_ship", "in_warehouse"),
            ("ready_to_ship", "packed"),
            ("shipped", "out_for_delivery"),
            ("delivered", None),
        )
    if mode == "me2":
        handed = "dropped_off" if logistic_type in ("drop_off", "xd_drop_off") else "picked_up"
        return (
            ("pending", "buffered"),
            ("handling", "waiting_for_label_generation"),
            ("ready_to_ship", "ready_to_print"),
            ("ready_to_ship", "printed"),
            ("ready_to_ship", handed),
            ("shipped", "out_for_delivery"),
            ("delivered", None),
        )
    return (
        ("pending", None),
        ("handling", None),
        ("ready_to_ship", None),
        ("shipped", None),
        ("delivered", None),
    )


# §6.5 shipping methods [INF: the ids of the §6.1 example and a common standard one].
METHODS = {
    "standard": {"id": 73328, "name": "Normal a domicilio", "type": "standard", "days": 3},
    "express": {"id": 510545, "name": "Express a domicilio", "type": "two_days", "days": 1},
}
PT_NAMES = {"standard": "Normal", "express": "Expresso"}
# Package dimensions by domain [INF], cm and grams; the sneakers ones are §6.1's example.
DIMENSIONS = {
    "CELLPHONES": (10, 18, 22, 450),
    "CELLPHONE_ACCESSORIES": (3, 10, 18, 120),
    "NOTEBOOKS": (8, 30, 42, 2500),
    "SNEAKERS": (14, 19, 38, 950),
    "T_SHIRTS": (4, 25, 30, 300),
}
DEFAULT_DIMENSIONS = (10, 20, 30, 500)
# Above this price (in US dollars) a listing ships free [INF: MercadoLibre makes free
# shipping mandatory above a threshold per site; one threshold for all].
FREE_SHIPPING_USD = 30
STREETS = (
    "Av. Corrientes",
    "Rua Augusta",
    "Av. Reforma",
    "Calle 72",
    "Av. Providencia",
    "Av. 18 de Julio",
)


def dimensions_of(item: Mapping[str, Any]) -> tuple[int, int, int, int]:
    domain = (item.get("domain_id") or "").split("-", 1)[-1]
    return DIMENSIONS.get(domain, DEFAULT_DIMENSIONS)


def shipping_profile(item: Mapping[str, Any]) -> tuple[str, str]:
    """(mode, logistic type) of a sale of `item`: the item's own shipping when it names
    one, else a stable draw from its id (most ME2, some ME1 and custom) [INF]."""
    shipping = item.get("shipping") or {}
    mode = shipping.get("mode")
    logistic_type = shipping.get("logistic_type")
    if mode == "me2" and logistic_type in ME2_TYPES:
        return "me2", logistic_type
    if mode == "me1":
        return "me1", "default"
    if mode == "custom":
        return "custom", "custom"
    bucket = zlib.crc32(item["id"].encode()) % 100
    for upper, profile in (
        (35, ("me2", "cross_docking")),
        (55, ("me2", "drop_off")),
        (75, ("me2", "xd_drop_off")),
        (83, ("me2", "self_service")),
        (90, ("me2", "fulfillment")),
        (96, ("me1", "default")),
    ):
        if bucket < upper:
            return profile
    return "custom", "custom"


def free_shipping(item: Mapping[str, Any]) -> bool:
    if (item.get("shipping") or {}).get("free_shipping"):
        return True
    currency = CURRENCIES.get(item["currency_id"])
    return currency is not None and item["price"] / currency.per_usd >= FREE_SHIPPING_USD


def list_cost(site_id: str, weight: int, method: str = "standard") -> float | int:
    """What a shipment costs on the site's price list [INF: 4 USD + 4 USD a kilo,
    express 60 % more]."""
    currency_id = SITES[site_id].currency_id
    per_usd = CURRENCIES[currency_id].per_usd if currency_id in CURRENCIES else 1.0
    usd = (4 + 4 * weight / 1000) * (1.6 if method == "express" else 1.0)
    return money(usd * per_usd, currency_id)


def address_of(user: User) -> dict[str, Any]:
    """A buyer's shipping address, stable for the user [INF]."""
    state, city, zip_code = CITIES.get(
        user.site_id, (f"{user.site.country_id}-01", "Capital", "1000")
    )
    street = STREETS[user.id % len(STREETS)]
    number = str(100 + user.id % 4900)
    return {
        "address_id": 1_000_000_000 + user.id % 1_000_000_000,
        "address_line": f"{street} {number}",
        "street_name": street,
        "street_number": number,
        "comment": "Referencia: puerta verde",
        "zip_code": zip_code,
        "city": {"id": None, "name": city},
        "state": {"id": state, "name": city if state.endswith("-C") else state},
        "country": {"id": user.site.country_id, "name": user.site.name},
        "neighborhood": {"id": None, "name": "Centro"},
        "municipality": {"id": None, "name": None},
        "agency": None,
        "types": ["default_buying_address"],
        "latitude": -34.6 + (user.id % 100) / 1000,
        "longitude": -58.4 - (user.id % 100) / 1000,
        "geolocation_type": "ROOFTOP",
        "delivery_preference": "residential",
    }


# Street-level fields that stay hidden until the order is paid (§6.1).
PRIVATE_ADDRESS_FIELDS = (
    "address_line",
    "street_name",
    "street_number",
    "comment",
    "latitude",
    "longitude",
)


@attrs.define
class ShipmentLine:
    item_id: str
    description: str
    quantity: int
    variation_id: int | None
    order_id: int
    dimensions: tuple[int, int, int, int]
    sku: str | None = None


@attrs.define(eq=False)
class Shipment:
    id: int
    seller_id: int
    buyer_id: int
    site_id: str
    order_ids: list[int]
    mode: str
    logistic_type: str
    status: str
    substatus: str | None
    date_created: float
    last_updated: float
    lines: list[ShipmentLine]
    declared_value: float | int
    list_cost: float | int
    cost: float | int
    method: str = "standard"
    paid: bool = False
    tracking_number: str | None = None
    history: list[tuple[str, str | None, float]] = attrs.field(factory=list)
    option_id: int = 0
    # §6.4 split: the shipment this one was split from, why and when.
    sibling_id: int | None = None
    sibling_reason: str | None = None
    sibling_date: float | None = None

    @property
    def currency_id(self) -> str:
        return SITES[self.site_id].currency_id

    @property
    def final(self) -> bool:
        return self.status in FINAL_STATUSES

    @property
    def path(self) -> tuple[Step, ...]:
        return happy_path(self.mode, self.logistic_type)

    @property
    def printable(self) -> bool:
        """§6.3: ME2, a label logistic type, ready_to_ship + ready_to_print/printed."""
        return (
            self.mode == "me2"
            and self.logistic_type in LABEL_LOGISTIC_TYPES
            and self.status == "ready_to_ship"
            and self.substatus in PRINTABLE_SUBSTATUSES
        )

    def next_step(self) -> Step | None:
        """The next step of the happy path, None at its end or off it."""
        current = (self.status, self.substatus)
        if current == WAITING_FOR_PAYMENT:
            return None
        path = self.path
        if current in path:
            index = path.index(current)
            return path[index + 1] if index + 1 < len(path) else None
        return None

    def move(self, status: str, substatus: str | None, now: float) -> None:
        """Change the status and record it in /history (§6.2)."""
        self.status, self.substatus = status, substatus
        self.last_updated = now
        self.history.append((status, substatus, now))
        if self.tracking_number is None and status in ("ready_to_ship", "shipped"):
            self.tracking_number = tracking_number(self.id)

    @property
    def dimensions(self) -> tuple[int, int, int, int]:
        """The package: the largest box of its lines, their weights added [INF]."""
        height = max(line.dimensions[0] for line in self.lines)
        width = max(line.dimensions[1] for line in self.lines)
        length = max(line.dimensions[2] for line in self.lines)
        weight = sum(line.dimensions[3] * line.quantity for line in self.lines)
        return height, width, length, weight


def tracking_number(shipment_id: int) -> str:
    """A 14-digit tracking number, stable for the shipment [INF]."""
    return f"{(shipment_id * 7919) % 10**14:014d}"


def check_status(status: Any, substatus: Any) -> tuple[str, str | None]:
    """A (status, substatus) pair of the §6.2 table, or 400."""
    if not isinstance(status, str) or status not in SHIPMENT_STATUSES:
        raise api_error(400, "bad_request", f"Invalid shipment status: {status}")
    if substatus is not None and substatus not in SHIPMENT_STATUSES[status]:
        raise api_error(400, "bad_request", f"Invalid substatus {substatus} for status {status}")
    return status, substatus


def shipment_not_found(shipment_id: str | int) -> ApiError:
    """§5.4's wording for an unknown shipment: 404 "Not found shipment with id"."""
    return not_found(f"Not found shipment with id {shipment_id}")


def shipment_forbidden() -> ApiError:
    """§5.4: "At least one policy returned UNAUTHORIZED" (403)."""
    return forbidden("At least one policy returned UNAUTHORIZED")


def shipment_json(shipment: Shipment, seller: User, buyer: User) -> dict[str, Any]:
    """§6.1, the `x-format-new: true` shape (the only one the sandbox serves [INF])."""
    site = shipment.site_id

    def date(value: float | None) -> str | None:
        return None if value is None else local_iso(value, site)

    height, width, length, weight = shipment.dimensions
    destination_address = address_of(buyer)
    receiver_name = f"{buyer.first_name} {buyer.last_name}"
    if not shipment.paid:
        # §6.1: the buyer's address is hidden until the payment is confirmed.
        for field in PRIVATE_ADDRESS_FIELDS:
            destination_address[field] = None
        receiver_name = None
    with_phone = shipment.mode in ("me1", "custom") and shipment.paid
    method = METHODS[shipment.method]
    created = shipment.date_created
    promise = created + (method["days"] + 1) * 86_400
    offset_date = {"date": date(promise), "shipping": method["days"] * 24}
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
            "receiver_phone": "011 4444-5555" if with_phone else None,
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
            "service_id": 831,
            "delivery_type": "estimated",
            "buffering": {"date": date(created + 3600) if shipment.status == "pending" else None},
            "estimated_delivery_time": {
                "type": "known_frame",
                "date": date(promise),
                "unit": "hour",
                "offset": offset_date,
                "time_frame": {"from": None, "to": None},
                "pay_before": None,
                "shipping": method["days"] * 24,
                "handling": 24,
                "schedule": None,
            },
            "estimated_delivery_limit": {"date": date(promise + 2 * 86_400), "offset": None},
            "estimated_delivery_final": {"date": date(promise + 5 * 86_400), "offset": None},
            "estimated_delivery_extended": {"date": date(promise + 3 * 86_400), "offset": None},
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


def tracking_method(shipment: Shipment) -> str | None:
    if shipment.tracking_number is None:
        return None
    return "MEL Distribution" if shipment.mode == "me2" else "Correo"


def method_name(method: str, site_id: str) -> str:
    if SITES[site_id].language == "pt":
        return PT_NAMES[method]
    return str(METHODS[method]["name"])


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
        promoted = money(seller_share * 0.5, shipment.currency_id)
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


def statuses_json() -> list[dict[str, Any]]:
    """§6.2: GET /shipment_statuses."""
    return [
        {
            "id": status,
            "name": status.replace("_", " ").capitalize(),
            "substatuses": [{"id": s, "name": s.replace("_", " ").capitalize()} for s in subs],
        }
        for status, subs in SHIPMENT_STATUSES.items()
    ]


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
