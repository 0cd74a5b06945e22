"""§5: orders with their payments, packs (carts) and notes, and the book that indexes
them.

Orders are kept as small mutable records; their JSON (§5.1) is built when something
reads it, so a seller with thousands of orders costs little until a page is asked for.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator, Mapping
from typing import Any

import attrs

from sandbox.catalogue_data import CURRENCIES
from sandbox.clock import local_iso
from sandbox.errors import ApiError, api_error, bad_request, forbidden, not_found

# §5.2, every status an order can have.
ORDER_STATUSES = (
    "confirmed",
    "payment_required",
    "payment_in_process",
    "partially_paid",
    "paid",
    "partially_refunded",
    "pending_cancel",
    "cancelled",
    "invalid",
)
UNPAID = ("confirmed", "payment_required", "payment_in_process", "partially_paid")
# §5.5: a note has at most 300 characters.
NOTE_MAX_LENGTH = 300
# The sale fee MercadoLibre keeps, by listing type [INF: typical rates].
SALE_FEE_RATES = {"gold_pro": 0.17, "gold_special": 0.13, "free": 0.0}
# The application id orders placed on the marketplace's own site carry [OBS: the web
# checkout's id, as in an old documented order].
MARKETPLACE_APP_ID = 7092


def order_not_found() -> ApiError:
    """§5.1: 404 `not_found` "Order does not exist"."""
    return not_found("Order does not exist")


def order_forbidden() -> ApiError:
    """§5.1: 403 `forbidden` "The user has not access to the order"."""
    return forbidden("The user has not access to the order")


def pack_not_found() -> ApiError:
    """§5.4: the pack's 404 reads "Order do not exists" (sic)."""
    return not_found("Order do not exists")


def money(value: float, currency_id: str) -> float | int:
    """An amount with the currency's decimal places (§10)."""
    places = CURRENCIES[currency_id].decimal_places if currency_id in CURRENCIES else 2
    return round(value) if places == 0 else round(value, places)


@attrs.define
class OrderLine:
    """One `order_items` entry: a snapshot of the item at the time of the sale."""

    item_id: str
    title: str
    category_id: str
    variation_id: int | None
    variation_attributes: list[dict[str, Any]]
    seller_custom_field: str | None
    seller_sku: str | None
    condition: str
    listing_type_id: str
    user_product_id: str | None
    quantity: int
    unit_price: float | int
    currency_id: str

    @property
    def amount(self) -> float | int:
        return money(self.unit_price * self.quantity, self.currency_id)

    def as_json(self, element_id: int) -> dict[str, Any]:
        fee = money(
            self.unit_price * SALE_FEE_RATES.get(self.listing_type_id, 0.13), self.currency_id
        )
        return {
            "item": {
                "id": self.item_id,
                "title": self.title,
                "category_id": self.category_id,
                "variation_id": self.variation_id,
                "seller_custom_field": self.seller_custom_field,
                "variation_attributes": self.variation_attributes,
                "warranty": "Garantía del vendedor: 90 días",
                "condition": self.condition,
                "seller_sku": self.seller_sku,
                "global_price": None,
                "net_weight": None,
                "user_product_id": self.user_product_id,
                "release_date": None,
            },
            "quantity": self.quantity,
            "requested_quantity": {"measure": "unit", "value": self.quantity},
            "picked_quantity": None,
            "unit_price": self.unit_price,
            "full_unit_price": self.unit_price,
            "gross_price": self.amount,
            "currency_id": self.currency_id,
            "manufacturing_days": None,
            "sale_fee": fee,
            "listing_type_id": self.listing_type_id,
            "base_exchange_rate": None,
            "base_currency_id": None,
            "element_id": element_id,
            "discounts": None,
            "bundle": None,
            "stock": None,
        }


@attrs.define
class Payment:
    """A Mercado Pago payment of an order (§5.1 `payments`; topic `payments` points at
    `/collections/{id}`, §9.3)."""

    id: int
    order_id: int
    payer_id: int
    collector_id: int
    site_id: str
    currency_id: str
    amount: float | int
    reason: str
    status: str
    status_detail: str
    date_created: float
    date_last_modified: float
    date_approved: float | None = None
    refunded: float | int = 0

    def as_json(self) -> dict[str, Any]:
        site = self.site_id

        def date(value: float | None) -> str | None:
            return None if value is None else local_iso(value, site)

        return {
            "id": self.id,
            "order_id": self.order_id,
            "payer_id": self.payer_id,
            "collector": {"id": self.collector_id},
            "card_id": None,
            "reason": self.reason,
            "site_id": site,
            "payment_method_id": "account_money",
            "currency_id": self.currency_id,
            "installments": 1,
            "issuer_id": None,
            "atm_transfer_reference": {"transaction_id": None, "company_id": None},
            "coupon_id": None,
            "activation_uri": None,
            "operation_type": "regular_payment",
            "payment_type": "account_money",
            "available_actions": ["refund"] if self.status == "approved" else [],
            "status": self.status,
            "status_code": None,
            "status_detail": self.status_detail,
            "transaction_amount": self.amount,
            "transaction_amount_refunded": self.refunded,
            "taxes_amount": 0,
            "shipping_cost": 0,
            "coupon_amount": 0,
            "overpaid_amount": 0,
            "total_paid_amount": self.amount,
            "installment_amount": None,
            "deferred_period": None,
            "date_approved": date(self.date_approved),
            "transaction_order_id": None,
            "date_created": date(self.date_created),
            "date_last_modified": date(self.date_last_modified),
            "marketplace_fee": money(self.amount * 0.13, self.currency_id),
            "reference_id": None,
            "authorization_code": None,
        }


@attrs.define
class Note:
    id: str
    text: str
    date_created: float
    last_updated: float

    def as_json(self, site_id: str) -> dict[str, Any]:
        return {
            "id": self.id,
            "note": self.text,
            "date_created": local_iso(self.date_created, site_id),
            "date_last_updated": local_iso(self.last_updated, site_id),
        }


@attrs.define(eq=False)
class Order:
    id: int
    seller_id: int
    buyer_id: int
    site_id: str
    currency_id: str
    lines: list[OrderLine]
    status: str
    date_created: float
    last_updated: float
    date_closed: float | None = None
    status_detail: dict[str, Any] | None = None
    pack_id: int | None = None
    shipment_id: int | None = None
    payments: list[Payment] = attrs.field(factory=list)
    notes: list[Note] = attrs.field(factory=list)
    mediations: list[int] = attrs.field(factory=list)
    cancel_detail: dict[str, Any] | None = None
    pack_size: int = 1

    @property
    def total_amount(self) -> float | int:
        return money(sum(line.unit_price * line.quantity for line in self.lines), self.currency_id)

    @property
    def paid_amount(self) -> float | int:
        paid = sum(p.amount for p in self.payments if p.status in ("approved", "refunded"))
        return money(paid, self.currency_id)

    @property
    def is_paid(self) -> bool:
        return self.status in ("paid", "partially_refunded")

    def tags(self) -> list[str]:
        """§0.3 `test_order`; `paid`, `pack_order` and `no_shipping` as in §5.1. The
        delivered / not_delivered tags are no longer added automatically (§5.1)."""
        tags = ["test_order"]
        if self.pack_size > 1:
            tags.append("pack_order")
        if self.is_paid:
            tags.append("paid")
        if self.shipment_id is None:
            tags.append("no_shipping")
        return tags

    def matches_text(self, query: str, nickname: str) -> bool:
        """§5.3 `q`: the order id, an item id or title, or the counterpart's nickname."""
        if query.isdigit() and int(query) == self.id:
            return True
        lowered = query.lower()
        for line in self.lines:
            if line.item_id.lower() == lowered or lowered in line.title.lower():
                return True
        return lowered == nickname.lower()


@attrs.define(eq=False)
class Pack:
    """§5.4: a cart: orders of one buyer that travel in one shipment."""

    id: int
    seller_id: int
    buyer_id: int
    site_id: str
    order_ids: list[int]
    date_created: float
    last_updated: float
    shipment_id: int | None = None
    status: str = "released"
    status_detail: str | None = None

    def as_json(self) -> dict[str, Any]:
        """§5.4: `{id, status, status_detail, shipment{id}, orders[{id}], buyer{id},
        date_created, last_updated}`."""
        return {
            "id": self.id,
            "status": self.status,
            "status_detail": self.status_detail,
            "family_pack_id": None,
            "shipment": {"id": self.shipment_id} if self.shipment_id else None,
            "orders": [{"id": order_id} for order_id in self.order_ids],
            "buyer": {"id": self.buyer_id},
            "date_created": local_iso(self.date_created, self.site_id),
            "last_updated": local_iso(self.last_updated, self.site_id),
        }


def order_json(
    order: Order,
    buyer: Mapping[str, Any],
    seller: Mapping[str, Any],
    shipping_cost: float | int | None = None,
) -> dict[str, Any]:
    """§5.1, the current shape of GET /orders/{id}."""
    site = order.site_id

    def date(value: float | None) -> str | None:
        return None if value is None else local_iso(value, site)

    return {
        "id": order.id,
        "date_created": date(order.date_created),
        "last_updated": date(order.last_updated),
        "date_closed": date(order.date_closed),
        "expiration_date": date(order.date_created + 28 * 86_400),
        "manufacturing_ending_date": None,
        "comment": None,
        "pack_id": order.pack_id,
        "pickup_id": None,
        "fulfilled": None,
        "buying_mode": "buy_equals_pay",
        "shipping_cost": shipping_cost,
        "mediations": [{"id": claim_id} for claim_id in order.mediations],
        "total_amount": order.total_amount,
        "paid_amount": order.paid_amount,
        "coupon": {"id": None, "amount": 0},
        "order_items": [line.as_json(n) for n, line in enumerate(order.lines, 1)],
        "currency_id": order.currency_id,
        "payments": [p.as_json() for p in order.payments],
        "shipping": {"id": order.shipment_id},
        "status": order.status,
        "status_detail": order.status_detail,
        "tags": order.tags(),
        "static_tags": [],
        "internal_tags": [],
        "feedback": {"seller": None, "buyer": None},
        "context": {"channel": "marketplace", "site": site, "flows": []},
        "seller": dict(seller),
        "buyer": dict(buyer),
        "taxes": {"amount": None, "currency_id": None, "id": None},
        "cancel_detail": order.cancel_detail,
        "order_request": {"change": None, "return": None},
        "application_id": None,
    }


class OrderBook:
    """Every order, pack and payment, indexed by seller and buyer in date order."""

    def __init__(self) -> None:
        self.orders: dict[int, Order] = {}
        self.packs: dict[int, Pack] = {}
        self.payments: dict[int, Order] = {}
        self.by_seller: dict[int, list[Order]] = {}
        self.by_buyer: dict[int, list[Order]] = {}

    def add(self, order: Order) -> None:
        self.orders[order.id] = order
        for index, user_id in ((self.by_seller, order.seller_id), (self.by_buyer, order.buyer_id)):
            entries = index.setdefault(user_id, [])
            if not entries or entries[-1].date_created <= order.date_created:
                entries.append(order)
            else:
                bisect.insort(entries, order, key=lambda o: o.date_created)
        for payment in order.payments:
            self.payments[payment.id] = order

    def add_payment(self, order: Order, payment: Payment) -> None:
        order.payments.append(payment)
        self.payments[payment.id] = order

    def get(self, order_id: str | int) -> Order | None:
        if isinstance(order_id, str):
            if not order_id.isdigit():
                return None
            order_id = int(order_id)
        return self.orders.get(order_id)

    def visible(self, order_id: str, user_id: int) -> Order:
        """The order if `user_id` sold or bought it; 404 / 403 otherwise (§5.1)."""
        order = self.get(order_id)
        if order is None:
            raise order_not_found()
        if user_id not in (order.seller_id, order.buyer_id):
            raise order_forbidden()
        return order

    def pack(self, pack_id: str | int) -> Pack | None:
        if isinstance(pack_id, str):
            if not pack_id.isdigit():
                return None
            pack_id = int(pack_id)
        return self.packs.get(pack_id)

    def orders_of(self, pack: Pack) -> list[Order]:
        return [self.orders[order_id] for order_id in pack.order_ids]

    def __iter__(self) -> Iterator[Order]:
        return iter(self.orders.values())


def check_note(body: Any) -> str:
    """§5.5: `{"note": "text"}`, at most 300 characters [INF: the error texts]."""
    if not isinstance(body, dict) or not isinstance(body.get("note"), str):
        raise bad_request('The body must be {"note": "<text>"}')
    text = body["note"]
    if not text.strip():
        raise bad_request("The note must not be empty")
    if len(text) > NOTE_MAX_LENGTH:
        raise api_error(
            400,
            "bad_request",
            f"The note is too long: {len(text)} characters, the maximum is {NOTE_MAX_LENGTH}",
        )
    return text
