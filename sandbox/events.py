"""SimulatedMarket events by hand (POST /_sandbox/events) or from the activity simulator:
each applies one change through the simulated market and answers what it created or changed.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from sandbox.errors import bad_request, conflict, not_found
from sandbox.market import SimulatedMarket
from sandbox.orders import UNPAID, Order
from sandbox.shipment_views import shipment_json
from sandbox.users import User


class EventWorld(Protocol):
    """What an event needs of the sandbox: its market and its users."""

    market: SimulatedMarket
    sellers: list[User]

    def user(self, user_id: int) -> User | None: ...


EVENT_TYPES = ("order", "question", "message", "shipment", "item", "payment", "claim")
# Fields of an `item` event that are not changes to the item.
EVENT_FIELDS = frozenset({"type", "seller_id", "item_id"})

Result = tuple[int, dict[str, Any]]


def perform(state: EventWorld, body: Mapping[str, Any], rng: random.Random | None = None) -> Result:
    """Apply the event `body` (`{"type": ..., "seller_id": ..., ...}`) and answer (HTTP
    status, JSON of what it created or changed)."""
    kind = body.get("type")
    if kind not in EVENT_TYPES:
        raise bad_request(f"type must be one of {', '.join(EVENT_TYPES)}")
    market = state.market
    rng = rng or market.rng
    seller = seller_of(state, body, rng)
    handler: Callable[[SimulatedMarket, User, Mapping[str, Any], random.Random], Result]
    handler = HANDLERS[kind]
    return handler(market, seller, body, rng)


def seller_of(state: EventWorld, body: Mapping[str, Any], rng: random.Random) -> User:
    raw = body.get("seller_id")
    if raw is None:
        if not state.sellers:
            raise conflict("The sandbox has no sellers")
        return rng.choice(state.sellers)
    user_id = _int(raw, "seller_id")
    user = state.user(user_id)
    if user is None:
        raise not_found(f"User {user_id} not found")
    return user


def _int(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).isdigit():
        raise bad_request(f"{name} must be a positive integer")
    return int(value)


def _optional_int(body: Mapping[str, Any], name: str) -> int | None:
    value = body.get(name)
    return None if value is None else _int(value, name)


def _text(body: Mapping[str, Any]) -> str | None:
    text = body.get("text")
    if text is not None and not isinstance(text, str):
        raise bad_request("text must be a string")
    return text


def order_of(market: SimulatedMarket, seller: User, body: Mapping[str, Any]) -> Order | None:
    order_id = _optional_int(body, "order_id")
    if order_id is None:
        return None
    order = market.orders.get(order_id)
    if order is None or order.seller_id != seller.id:
        raise not_found(f"Order {order_id} not found for seller {seller.id}")
    return order


# -- the events ---------------------------------------------------------------------------


def order_event(
    market: SimulatedMarket, seller: User, body: Mapping[str, Any], rng: random.Random
) -> Result:
    """A purchase of the given item (or a random active one), paid unless `status` says
    confirmed or payment_in_process."""
    quantity = _optional_int(body, "quantity") or 1
    item_id = body.get("item_id")
    if item_id is not None and not isinstance(item_id, str):
        raise bad_request("item_id must be a string")
    for name in ("status", "mode", "logistic_type"):
        if body.get(name) is not None and not isinstance(body[name], str):
            raise bad_request(f"{name} must be a string")
    order = market.sales.place_order(
        seller,
        item_id=item_id,
        variation_id=_optional_int(body, "variation_id"),
        quantity=quantity,
        buyer_id=_optional_int(body, "buyer_id"),
        status=body.get("status") or "paid",
        mode=body.get("mode"),
        logistic_type=body.get("logistic_type"),
        rng=rng,
    )
    return 201, market.sales.order_view(order)


def question_event(
    market: SimulatedMarket, seller: User, body: Mapping[str, Any], rng: random.Random
) -> Result:
    """A buyer asks on the given item (or a random active one)."""
    item_id = body.get("item_id")
    if item_id is None:
        item = market.listings.random_active_item(seller, rng)
    else:
        found = market.items.get(str(item_id))
        if found is None or found["seller_id"] != seller.id:
            raise not_found(f"Item {item_id} not found for seller {seller.id}")
        item = found
    buyer_id = _optional_int(body, "buyer_id")
    buyer = (
        rng.choice(market.buyers_of(seller.site_id)) if buyer_id is None else market.user(buyer_id)
    )
    text = _text(body) or market.question_desk.random_text(seller.site_id, rng)
    question = market.question_desk.ask(buyer, item, text)
    return 201, question.as_json(single=True)


def message_event(
    market: SimulatedMarket, seller: User, body: Mapping[str, Any], rng: random.Random
) -> Result:
    """The buyer (or, with `"from": "agent"`, the country agent) writes in the
    conversation of the given order or pack (or of a random paid order whose
    conversation is open); `"blocked": substatus | null` blocks it or lifts the block."""
    key = body.get("pack_id") or body.get("order_id")
    if key is not None:
        conversation = market.messaging.conversation(str(_int(key, "order_id")))
        if conversation.seller_id != seller.id:
            raise not_found(f"Order {key} not found for seller {seller.id}")
    else:

        def open_conversation(order: Order) -> bool:
            if order.status in UNPAID or order.status == "cancelled":
                return False
            return not market.messaging.conversation(str(order.pack_id or order.id)).blocked

        order = market.sales.random_order(seller, open_conversation, rng)
        conversation = market.messaging.conversation(str(order.pack_id or order.id))
    if "blocked" in body:
        # {"blocked": "blocked_by_buyer"} blocks the conversation, {"blocked": null} lifts it.
        reason = body["blocked"]
        if reason is not None and (not isinstance(reason, str) or not reason):
            raise bad_request("blocked must be a substatus (blocked_by_buyer...) or null")
        market.messaging.hold(conversation, reason)
        return 200, conversation.status_json()
    text = _text(body) or market.messaging.random_text(seller.site_id, rng)
    if body.get("from") == "agent":
        # §8.2: the country agent writes; the conversation becomes the agent's.
        message = market.messaging.agent_message(conversation, text)
    else:
        message = market.messaging.buyer_message(conversation, text)
    return 201, message.as_json()


def shipment_event(
    market: SimulatedMarket, seller: User, body: Mapping[str, Any], rng: random.Random
) -> Result:
    """One step of the given shipment (or of a random one that can move), or straight to
    `status`/`substatus`."""
    shipment_id = _optional_int(body, "shipment_id")
    if shipment_id is None:
        shipment = market.shipping.random_shipment(seller, rng)
    else:
        found = market.shipments.get(shipment_id)
        if found is None or found.seller_id != seller.id:
            raise not_found(f"Shipment {shipment_id} not found for seller {seller.id}")
        shipment = found
    market.shipping.advance(shipment, body.get("status"), body.get("substatus"))
    body_json = shipment_json(
        shipment, market.user(shipment.seller_id), market.user(shipment.buyer_id)
    )
    return 200, body_json


def item_event(
    market: SimulatedMarket, seller: User, body: Mapping[str, Any], rng: random.Random
) -> Result:
    """A change to an item through the listing rules: the fields given (price,
    available_quantity, status, ...) or a small random price or stock change."""
    item_id = body.get("item_id")
    if item_id is not None and not isinstance(item_id, str):
        raise bad_request("item_id must be a string")
    changes = {k: v for k, v in body.items() if k not in EVENT_FIELDS}
    item = market.listings.change_item(seller, item_id, changes)
    return 200, item


def payment_event(
    market: SimulatedMarket, seller: User, body: Mapping[str, Any], rng: random.Random
) -> Result:
    """Pays an unpaid order or refunds a paid one; `status` approved, in_process,
    rejected, refunded or partially_refunded (with `amount`) says which."""
    status = body.get("status")
    if status is not None and not isinstance(status, str):
        raise bad_request("status must be a string")
    order = order_of(market, seller, body)
    if order is None:
        if status in ("refunded", "partially_refunded"):
            order = market.sales.random_order(seller, lambda o: o.status == "paid", rng)
        else:
            order = market.sales.random_order(seller, lambda o: o.status in UNPAID, rng)
    if status is None:
        status = "approved" if order.status in UNPAID else "refunded"
    amount = body.get("amount")
    if amount is not None and (isinstance(amount, bool) or not isinstance(amount, int | float)):
        raise bad_request("amount must be a number")
    market.sales.pay(order, status, amount)
    return 200, market.sales.order_view(order)


def claim_event(
    market: SimulatedMarket, seller: User, body: Mapping[str, Any], rng: random.Random
) -> Result:
    """The buyer opens a claim (mediation) on an order; its conversation is blocked."""
    order = order_of(market, seller, body)
    if order is None:

        def claimable(o: Order) -> bool:
            return o.is_paid and not o.mediations

        order = market.sales.random_order(seller, claimable, rng)
    reason = body.get("reason_id")
    if reason is not None and not isinstance(reason, str):
        raise bad_request("reason_id must be a string")
    claim = market.mediations.open_claim(order, reason)
    return 201, claim.as_json()


HANDLERS: dict[str, Callable[[SimulatedMarket, User, Mapping[str, Any], random.Random], Result]] = {
    "order": order_event,
    "question": question_event,
    "message": message_event,
    "shipment": shipment_event,
    "item": item_event,
    "payment": payment_event,
    "claim": claim_event,
}
