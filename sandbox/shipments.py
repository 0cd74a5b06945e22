"""§6: Mercado Envíos shipments: the model, its status machine along the happy path,
logistic profiles, package dimensions and costs."""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from typing import Any

import attrs

from sandbox.catalogue_data import CURRENCIES, SITES
from sandbox.errors import ApiError, forbidden, not_found
from sandbox.orders import money
from sandbox.shipment_statuses import FINAL_STATUSES
from sandbox.users import CITIES, User

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


def shipment_not_found(shipment_id: str | int) -> ApiError:
    """§5.4's wording for an unknown shipment: 404 "Not found shipment with id"."""
    return not_found(f"Not found shipment with id {shipment_id}")


def shipment_forbidden() -> ApiError:
    """§5.4: "At least one policy returned UNAUTHORIZED" (403)."""
    return forbidden("At least one policy returned UNAUTHORIZED")


def method_name(method: str, site_id: str) -> str:
    if SITES[site_id].language == "pt":
        return PT_NAMES[method]
    return str(METHODS[method]["name"])
