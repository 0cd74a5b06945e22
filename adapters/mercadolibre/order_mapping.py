"""MercadoLibre order, payment and pack JSON -> the domain (mercadolibre-api.md §5).

Both order shapes are read: the current one (`shipping: {id}`, `pack_id`, `last_updated`,
`status_detail` null or a string, `feedback: {seller, buyer}`) and the older one
(`status_detail: {description, code}`, an embedded `shipping` block with its status and
receiver address, `date_last_updated`, `feedback: {sale, purchase}`, ids as strings, §0.3).
Amounts arrive as JSON numbers and become exact Money at the currency's precision; ids are
int64 given as numbers or strings; timestamps keep their offsets (`-04:00`, `-0400`, `Z`,
nanoseconds cut to microseconds). A body that is not an order is Unavailable naming it:
that record's error, never the run's.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

import attrs

from adapters.mercadolibre.question_mapping import clean_json, clean_text, read_id, read_when
from application.errors import Unavailable
from application.storable import MAX_AMOUNT
from domain.errors import DomainError
from domain.money import Money
from domain.orders import (
    Buyer,
    CancelDetail,
    Feedback,
    Order,
    OrderItem,
    OrderStatus,
    Pack,
    Payment,
)


def read_money(value: Any, currency_id: Any) -> Money | None:
    """An amount (number or numeric string) in a known currency, rounded half-up to its
    precision; None when either is missing or unreadable."""
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        return None
    if not isinstance(currency_id, str) or not currency_id:
        return None
    try:
        amount = Decimal(str(value).strip())
        if not amount.is_finite() or abs(amount) > MAX_AMOUNT:
            return None
        return Money.of(amount, currency_id)
    except (InvalidOperation, DomainError, ValueError):
        return None


def text_or_none(value: Any, limit: int = 255) -> str | None:
    """A non-empty string cut to what its column holds; a null is None, never "None"."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        value = str(value)
    if not isinstance(value, str):
        return None
    value = clean_text(value).strip()
    return value[:limit] if value else None


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def order_name(body: Any) -> str:
    if isinstance(body, Mapping) and body.get("id") is not None:
        return f"order {clean_text(str(body.get('id')))[:30]}"
    return "an order"


def _status_detail(value: Any) -> str | None:
    """Current shape: null or a string; older one: `{description, code}` (§5.1)."""
    if isinstance(value, Mapping):
        return text_or_none(value.get("description"), 2000) or text_or_none(value.get("code"))
    return text_or_none(value, 2000)


def _item(entry: Any, fallback_currency: str | None, what: str) -> OrderItem:
    line = _mapping(entry)
    item = _mapping(line.get("item"))
    currency_id = text_or_none(line.get("currency_id"), 3) or fallback_currency
    price = read_money(line.get("unit_price"), currency_id)
    item_id = text_or_none(item.get("id"), 32)
    quantity = line.get("quantity")
    if isinstance(quantity, str) and quantity.isdigit():
        quantity = int(quantity)
    elif isinstance(quantity, float) and quantity.is_integer():
        quantity = int(quantity)  # a JSON encoder's 2.0
    if price is None or item_id is None or not isinstance(quantity, int) or quantity <= 0:
        raise Unavailable(f"{what} has an order item without id, quantity or unit price")
    return OrderItem(
        item_id=item_id,
        title=text_or_none(item.get("title"), 2000) or "",
        quantity=quantity,
        unit_price=price,
        variation_id=read_id(item.get("variation_id")),
        seller_sku=text_or_none(item.get("seller_sku")),
        category_id=text_or_none(item.get("category_id"), 32),
        full_unit_price=read_money(line.get("full_unit_price"), currency_id),
        sale_fee=read_money(line.get("sale_fee"), currency_id),
    )


def read_payment(body: Any, fallback_currency: str | None = None) -> Payment | None:
    """One payment of an order's `payments` (or GET /payments/{id}); None when it has no
    id or amount (§5.1: `transaction_amount`, the older `total_paid_amount` alone)."""
    data = _mapping(body)
    payment_id = read_id(data.get("id"))
    currency_id = text_or_none(data.get("currency_id"), 3) or fallback_currency
    amount = read_money(data.get("transaction_amount"), currency_id) or read_money(
        data.get("total_paid_amount"), currency_id
    )
    if payment_id is None or amount is None:
        return None
    installments = data.get("installments")
    return Payment(
        id=payment_id,
        status=text_or_none(data.get("status"), 32) or "unknown",
        amount=amount,
        status_detail=text_or_none(data.get("status_detail"), 64),
        payment_method_id=text_or_none(data.get("payment_method_id"), 64),
        date_approved=read_when(data.get("date_approved")),
        order_id=read_id(data.get("order_id")),
        payer_id=read_id(data.get("payer_id")) or read_id(_mapping(data.get("payer")).get("id")),
        payment_type=text_or_none(data.get("payment_type"), 64),
        installments=installments
        if isinstance(installments, int) and not isinstance(installments, bool)
        else None,
        total_paid_amount=read_money(data.get("total_paid_amount"), currency_id),
        shipping_cost=read_money(data.get("shipping_cost"), currency_id),
        marketplace_fee=read_money(data.get("marketplace_fee"), currency_id),
        refunded_amount=read_money(data.get("transaction_amount_refunded"), currency_id),
        date_created=read_when(data.get("date_created")),
        last_modified=read_when(data.get("date_last_modified")),
    )


def _feedback(value: Any) -> Feedback:
    """`{sale, purchase}` (older) or `{seller, buyer}` (current), each null, a rating
    string or an object with `rating` (§5.1)."""
    data = _mapping(value)

    def rating(given: Any) -> str | None:
        if isinstance(given, Mapping):
            return text_or_none(given.get("rating"), 32) or text_or_none(given.get("status"), 32)
        return text_or_none(given, 32)

    return Feedback(
        sale=rating(data.get("sale", data.get("seller"))),
        purchase=rating(data.get("purchase", data.get("buyer"))),
    )


def _cancel_detail(value: Any) -> CancelDetail | None:
    data = _mapping(value)
    if not data:
        return None
    return CancelDetail(
        code=text_or_none(data.get("code"), 64),
        description=text_or_none(data.get("description"), 2000),
        requested_by=text_or_none(data.get("requested_by"), 64),
        group=text_or_none(data.get("group"), 64),
        date=read_when(data.get("date")),
    )


def read_order(body: Any, account_id: int, what: str = "GET /orders/{id}") -> Order:
    """The order `body` describes (either shape), for the account. Raises Unavailable
    naming `what` and the order when it lacks what an order needs."""
    name = order_name(body)
    if not isinstance(body, Mapping):
        raise Unavailable(f"{what} answered something other than an order object")
    raw = clean_json(body)
    where = f"{what}: {name}"
    try:
        status = OrderStatus(raw.get("status"))
    except ValueError:
        raise Unavailable(
            f"{where} has an unknown status {str(raw.get('status'))[:40]!r}"
        ) from None
    order_id = read_id(raw.get("id"))
    seller_id = read_id(_mapping(raw.get("seller")).get("id"))
    buyer = _mapping(raw.get("buyer"))
    buyer_id = read_id(buyer.get("id"))
    created = read_when(raw.get("date_created"))
    missing = [
        field
        for field, value in (
            ("id", order_id),
            ("seller.id", seller_id),
            ("buyer.id", buyer_id),
            ("date_created", created),
        )
        if value is None
    ]
    if missing:
        raise Unavailable(f"{where} lacks a readable {', '.join(missing)}")
    lines = _list(raw.get("order_items"))
    currency_id = text_or_none(raw.get("currency_id"), 3)
    if currency_id is None and lines:
        currency_id = text_or_none(_mapping(lines[0]).get("currency_id"), 3)
    total = read_money(raw.get("total_amount"), currency_id)
    if total is None:
        raise Unavailable(f"{where} lacks a readable total_amount and currency_id")
    shipping = _mapping(raw.get("shipping"))
    # A payment belongs to the order that lists it, whether or not it says so.
    payments = [
        attrs.evolve(p, order_id=order_id)
        for p in (read_payment(p, currency_id) for p in _list(raw.get("payments")))
        if p is not None
    ]
    try:
        return Order(
            id=order_id,  # type: ignore[arg-type]
            account_id=account_id,
            seller_id=seller_id,  # type: ignore[arg-type]
            status=status,
            status_detail=_status_detail(raw.get("status_detail")),
            items=tuple(_item(line, currency_id, where) for line in lines),
            total_amount=total,
            paid_amount=read_money(raw.get("paid_amount"), currency_id),
            buyer=Buyer(
                id=buyer_id,  # type: ignore[arg-type]
                nickname=text_or_none(buyer.get("nickname")),
                first_name=text_or_none(buyer.get("first_name")),
                last_name=text_or_none(buyer.get("last_name")),
            ),
            date_created=created,  # type: ignore[arg-type]
            payments=tuple(payments),
            shipping_id=read_id(shipping.get("id")),
            pack_id=read_id(raw.get("pack_id")),
            tags=tuple(t for t in (text_or_none(t, 64) for t in _list(raw.get("tags"))) if t),
            date_closed=read_when(raw.get("date_closed")),
            last_updated=read_when(raw.get("last_updated"))
            or read_when(raw.get("date_last_updated")),
            shipping_cost=read_money(raw.get("shipping_cost"), currency_id),
            feedback=_feedback(raw.get("feedback")),
            cancel_detail=_cancel_detail(raw.get("cancel_detail")),
            buying_mode=text_or_none(raw.get("buying_mode"), 32),
            raw=raw,
        )
    except DomainError as error:
        raise Unavailable(f"{where} cannot be kept: {error}") from None


def read_pack(body: Any, account_id: int, what: str = "GET /packs/{id}") -> Pack:
    """GET /packs/{id} (§5.4). Raises Unavailable when it has no id or status."""
    if not isinstance(body, Mapping):
        raise Unavailable(f"{what} answered something other than a pack object")
    raw = clean_json(body)
    pack_id = read_id(raw.get("id"))
    status = text_or_none(raw.get("status"), 32)
    if pack_id is None or status is None:
        raise Unavailable(f"{what} lacks a readable id or status")
    order_ids = [read_id(_mapping(o).get("id")) for o in _list(raw.get("orders"))]
    return Pack(
        id=pack_id,
        account_id=account_id,
        status=status,
        order_ids=tuple(o for o in order_ids if o is not None),
        shipment_id=read_id(_mapping(raw.get("shipment")).get("id")),
        buyer_id=read_id(_mapping(raw.get("buyer")).get("id")),
        status_detail=_status_detail(raw.get("status_detail")),
        date_created=read_when(raw.get("date_created")),
        last_updated=read_when(raw.get("last_updated")),
        raw=raw,
    )
