"""What happens after a listing is live: sales, payments, shipments, questions, post-sale
messages and claims, and the notifications each change sends (§5-§9, §12.5-§12.6).

Every flow lives here once; the API routes, the admin events, the market-activity
simulator and the demo history all go through it.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from typing import Any

import attrs

from sandbox.clock import SimulatedClock, local_iso
from sandbox.config import SandboxConfig
from sandbox.errors import ApiError, api_error, bad_request, not_found
from sandbox.item_shape import attribute_value, refresh_derived
from sandbox.items import ItemStore
from sandbox.labels import Label, LabelLine
from sandbox.listing_rules import ListingRules
from sandbox.messaging import (
    ATTACHMENT_MAX_BYTES,
    ATTACHMENT_MAX_FILENAME,
    ATTACHMENT_TTL,
    ATTACHMENT_TYPES,
    Attachment,
    Conversation,
    Message,
    Outgoing,
    attachment_not_found,
    attachment_type,
    blocked_conversation,
)
from sandbox.notifications import Notifier
from sandbox.orders import (
    MARKETPLACE_APP_ID,
    UNPAID,
    Note,
    Order,
    OrderBook,
    OrderLine,
    Pack,
    Payment,
    money,
    order_json,
)
from sandbox.questions import Answer, Question, QuestionBook, already_answered, check_text
from sandbox.shipments import (
    WAITING_FOR_PAYMENT,
    Shipment,
    ShipmentLine,
    address_of,
    check_status,
    dimensions_of,
    free_shipping,
    list_cost,
    method_name,
    shipping_profile,
)
from sandbox.users import User, UserDirectory

# Buyers per site that simulated purchases, questions and messages come from.
BUYERS_PER_SITE = 8
# §9.3: claims are notified under post_purchase with this resource.
CLAIM_RESOURCE = "/post-purchase/v1/claims/{id}"
CLAIM_REASONS = ("PDD9939", "PNR3430", "PDD9944")
# §6.4: the reasons POST /shipments/{id}/split accepts.
SPLIT_REASONS = (
    "FRAGILE",
    "ANOTHER_WAREHOUSE",
    "IRREGULAR_SHAPE",
    "OTHER_MOTIVE",
    "DIMENSIONS_EXCEEDED",
)
STATUS_OF_PAYMENT = {
    "approved": "paid",
    "in_process": "payment_in_process",
}


@attrs.define(eq=False)
class Claim:
    """A mediation opened by the buyer on an order [INF: a minimal §9.3 claim]."""

    id: int
    order_id: int
    seller_id: int
    buyer_id: int
    site_id: str
    reason_id: str
    date_created: float
    last_updated: float
    status: str = "opened"
    stage: str = "claim"

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "resource_id": self.order_id,
            "status": self.status,
            "type": "mediations",
            "stage": self.stage,
            "parent_id": None,
            "resource": "order",
            "reason_id": self.reason_id,
            "fulfilled": True,
            "quantity_type": "total",
            "players": [
                {
                    "role": "complainant",
                    "type": "buyer",
                    "user_id": self.buyer_id,
                    "available_actions": [],
                },
                {
                    "role": "respondent",
                    "type": "seller",
                    "user_id": self.seller_id,
                    "available_actions": [
                        {"action": "send_message_to_complainant", "mandatory": False}
                    ],
                },
            ],
            "resolution": None,
            "site_id": self.site_id,
            "date_created": local_iso(self.date_created, self.site_id),
            "last_updated": local_iso(self.last_updated, self.site_id),
        }


def conflict(message: str) -> ApiError:
    """A simulated event that does not apply to the resource's current state."""
    return api_error(409, "conflict", message)


class Marketplace:
    def __init__(
        self,
        *,
        config: SandboxConfig,
        clock: SimulatedClock,
        users: UserDirectory,
        items: ItemStore,
        rules: ListingRules,
        notifier: Notifier,
        seed: int,
    ) -> None:
        self.config = config
        self.clock = clock
        self.users = users
        self.items = items
        self.rules = rules
        self.notifier = notifier
        self.rng = random.Random(f"{seed}:market")
        self.orders = OrderBook()
        self.shipments: dict[int, Shipment] = {}
        self.shipments_by_seller: dict[int, list[Shipment]] = {}
        self.questions = QuestionBook(clock, config)
        self.conversations: dict[int, Conversation] = {}
        self.messages: dict[str, Message] = {}
        self.attachments: dict[str, Attachment] = {}
        self.claims: dict[int, Claim] = {}
        self.buyers: dict[str, list[User]] = {}
        rng = self.rng
        self._next = {
            "order": 2_000_000_000_000_000 + rng.randrange(10**8, 10**9) * 1000,
            "pack": 2_000_005_000_000_000 + rng.randrange(10**8, 10**9) * 1000,
            "shipment": 40_000_000_000 + rng.randrange(10**8, 10**9),
            "payment": 10_000_000_000 + rng.randrange(10**8, 10**9) * 10,
            "question": 12_000_000_000 + rng.randrange(10**8, 10**9),
            "claim": 5_000_000_000 + rng.randrange(10**7, 10**8) * 10,
        }

    # -- identifiers and helpers --------------------------------------------------------

    def next_id(self, kind: str) -> int:
        self._next[kind] += self.rng.randrange(1, 97)
        return self._next[kind]

    def token(self, hex_digits: int = 32) -> str:
        return f"{self.rng.getrandbits(hex_digits * 4):0{hex_digits}x}"

    def notify(
        self, topic: str, resource: str, user_id: int, actions: list[str] | None = None
    ) -> None:
        self.notifier.publish(topic, resource, user_id, actions)

    def buyers_of(self, site_id: str) -> list[User]:
        """The simulated buyers of a site, created on first use."""
        pool = self.buyers.get(site_id)
        if pool is None:
            pool = self.buyers[site_id] = [
                self.users.create(site_id) for _ in range(BUYERS_PER_SITE)
            ]
        return pool

    def user(self, user_id: int) -> User:
        user = self.users.get(user_id)
        if user is None:
            raise not_found(f"User {user_id} not found")
        return user

    def user_summary(self, user_id: int) -> dict[str, Any]:
        user = self.users.get(user_id)
        if user is None:
            return {"id": user_id}
        return {
            "id": user.id,
            "nickname": user.nickname,
            "first_name": user.first_name,
            "last_name": user.last_name,
        }

    def nickname(self, user_id: int) -> str:
        user = self.users.get(user_id)
        return user.nickname if user else ""

    # -- items --------------------------------------------------------------------------

    def random_active_item(self, seller: User, rng: random.Random | None = None) -> dict[str, Any]:
        """An active item of the seller with stock, drawn at random."""
        rng = rng or self.rng
        listings = self.items.listings_of(seller.id, seller.site_id)
        statuses = listings.statuses
        if listings.size:
            for _ in range(64):
                position = rng.randrange(listings.size)
                if statuses[position] == 0:
                    item = self.items.get(listings.item_id(position))
                    if item is not None and item["available_quantity"] > 0:
                        return item
            position = statuses.find(0)
            while position != -1:
                item = self.items.get(listings.item_id(position))
                if item is not None and item["available_quantity"] > 0:
                    return item
                position = statuses.find(0, position + 1)
        raise conflict(f"Seller {seller.id} has no active item with stock")

    def item_changed(self, item: dict[str, Any], previous_status: str | None = None) -> None:
        """§12.6: every item change is notified; closing an item closes its unanswered
        questions (§7 CLOSED_UNANSWERED)."""
        self.notify("items", f"/items/{item['id']}", item["seller_id"])
        if item["status"] == "closed" and previous_status != "closed":
            self.close_questions(item["id"])

    def change_item(
        self, seller: User, item_id: str | None, changes: dict[str, Any]
    ) -> dict[str, Any]:
        """An item change as the seller's other channels make it (admin event `item`):
        the given fields through the listing rules, or a small random price or stock
        change."""
        if item_id is not None:
            item = self.items.get(item_id)
            if item is None or item["seller_id"] != seller.id:
                raise not_found(f"Item {item_id} not found for seller {seller.id}")
        else:
            item = self.random_active_item(seller)
        if not changes:
            changes = self._random_change(item)
        new = self.rules.update(item, changes, seller)
        self.items.save(new)
        self.item_changed(new, item["status"])
        return new

    def _random_change(self, item: dict[str, Any]) -> dict[str, Any]:
        rng = self.rng
        if item["variations"]:
            return {
                "variations": [
                    {
                        "id": v["id"],
                        "available_quantity": v["available_quantity"] + rng.randrange(1, 5),
                    }
                    for v in item["variations"]
                ]
            }
        if rng.random() < 0.5:
            return {"available_quantity": item["available_quantity"] + rng.randrange(1, 10)}
        factor = 1 + rng.choice((-1, 1)) * rng.uniform(0.01, 0.1)
        return {"price": money(item["price"] * factor, item["currency_id"])}

    def restock(self, order: Order) -> None:
        """A cancelled sale gives its units back [INF: MercadoLibre returns the stock of
        a cancelled order]; an item paused for lack of stock becomes active again."""
        for line in order.lines:
            item = self.items.get(line.item_id)
            if item is None or item["status"] == "closed":
                continue
            previous = item["status"]
            target = item
            if line.variation_id is not None:
                target = next((v for v in item["variations"] if v["id"] == line.variation_id), None)
                if target is None:
                    continue
            target["available_quantity"] += line.quantity
            target["sold_quantity"] = max(0, target.get("sold_quantity", 0) - line.quantity)
            refresh_derived(item)
            if "out_of_stock" in item["sub_status"] and item["available_quantity"] > 0:
                item["sub_status"] = [s for s in item["sub_status"] if s != "out_of_stock"]
                if item["status"] == "paused" and not item["sub_status"]:
                    item["status"] = "active"
            self.items.save(item)
            self.item_changed(item, previous)

    # -- orders (§5, §12.5) -----------------------------------------------------------------

    def order_view(self, order: Order) -> dict[str, Any]:
        """§5.1; `shipping_cost` is what the buyer pays for the shipment."""
        seller = self.user_summary(order.seller_id)
        shipment = self.shipments.get(order.shipment_id) if order.shipment_id else None
        cost = shipment.cost if shipment is not None else None
        return order_json(order, self.user_summary(order.buyer_id), seller, cost)

    def place_order(
        self,
        seller: User,
        *,
        item_id: str | None = None,
        variation_id: int | None = None,
        quantity: int = 1,
        buyer_id: int | None = None,
        status: str = "paid",
        mode: str | None = None,
        logistic_type: str | None = None,
        rng: random.Random | None = None,
    ) -> Order:
        """A purchase (§12.5): stock and sold quantity move on the item or variation
        (zero stock pauses it, §4.3), the order, its pack and its shipment are created,
        and orders_v2, items and shipments are notified; `status` paid or
        payment_in_process also pays (payments)."""
        rng = rng or self.rng
        if status not in ("confirmed", "payment_in_process", "paid"):
            raise bad_request("status must be confirmed, payment_in_process or paid")
        if item_id is None:
            item = self.random_active_item(seller, rng)
        else:
            found = self.items.get(item_id)
            if found is None:
                raise not_found(f"Item with id {item_id} not found")
            item = found
        if item["seller_id"] != seller.id:
            raise bad_request(f"Item {item['id']} is not sold by {seller.id}")
        variation = None
        if item["variations"]:
            if variation_id is None:
                candidates = [v for v in item["variations"] if v["available_quantity"] >= quantity]
                if not candidates:
                    raise conflict(f"Item {item['id']} has no variation with {quantity} in stock")
                variation = rng.choice(candidates)
            else:
                variation = next((v for v in item["variations"] if v["id"] == variation_id), None)
                if variation is None:
                    raise bad_request("variation_id must name one of the item's variations")
        elif variation_id is not None:
            raise bad_request(f"Item {item['id']} has no variations")
        if buyer_id is None:
            buyer = rng.choice(self.buyers_of(seller.site_id))
        else:
            buyer = self.user(buyer_id)
            if buyer.id == seller.id:
                raise bad_request("A seller cannot buy his own item")
        sold = self.rules.record_sale(item, quantity, variation["id"] if variation else None)
        self.items.save(sold)
        now = self.clock.now()
        line = self.sale_line(item, variation, quantity)
        order = self._new_order(seller, buyer, [line], now, with_pack=True)
        profile = shipping_profile(item)
        if mode is not None or logistic_type is not None:
            profile = (mode or profile[0], logistic_type or profile[1])
        shipment = self._new_shipment([order], [item], profile, now, free=free_shipping(item))
        self.item_changed(sold, item["status"])
        self.notify("orders_v2", f"/orders/{order.id}", seller.id)
        self.notify("shipments", f"/shipments/{shipment.id}", seller.id)
        if status == "payment_in_process":
            self.pay(order, "in_process")
        elif status == "paid":
            self.pay(order, "approved")
        return order

    @staticmethod
    def sale_line(
        item: dict[str, Any], variation: dict[str, Any] | None, quantity: int
    ) -> OrderLine:
        if variation is not None:
            combination = [
                {
                    "id": a.get("id"),
                    "name": a.get("name"),
                    "value_id": a.get("value_id"),
                    "value_name": a.get("value_name"),
                }
                for a in variation.get("attribute_combinations") or []
            ]
            sku = attribute_value(variation.get("attributes") or [], "SELLER_SKU")
            price = variation["price"]
        else:
            combination = []
            sku = attribute_value(item.get("attributes") or [], "SELLER_SKU")
            price = item["price"]
        return OrderLine(
            item_id=item["id"],
            title=item["title"],
            category_id=item["category_id"],
            variation_id=variation["id"] if variation else None,
            variation_attributes=combination,
            seller_custom_field=item.get("seller_custom_field"),
            seller_sku=sku,
            condition=item["condition"],
            listing_type_id=item["listing_type_id"],
            user_product_id=item.get("user_product_id"),
            quantity=quantity,
            unit_price=price,
            currency_id=item["currency_id"],
        )

    def _new_order(
        self,
        seller: User,
        buyer: User,
        lines: list[OrderLine],
        now: float,
        *,
        with_pack: bool,
        pack: Pack | None = None,
    ) -> Order:
        """A confirmed order. §5.1: date_closed is set when the order is confirmed and
        its stock deducted."""
        order = Order(
            id=self.next_id("order"),
            seller_id=seller.id,
            buyer_id=buyer.id,
            site_id=seller.site_id,
            currency_id=lines[0].currency_id,
            lines=lines,
            status="confirmed",
            date_created=now,
            last_updated=now,
            date_closed=now,
        )
        if pack is None and with_pack:
            pack = Pack(
                id=self.next_id("pack"),
                seller_id=seller.id,
                buyer_id=buyer.id,
                site_id=seller.site_id,
                order_ids=[],
                date_created=now,
                last_updated=now,
            )
            self.orders.packs[pack.id] = pack
        if pack is not None:
            pack.order_ids.append(order.id)
            order.pack_id = pack.id
            for other in pack.order_ids:
                if other in self.orders.orders:
                    self.orders.orders[other].pack_size = len(pack.order_ids)
            order.pack_size = len(pack.order_ids)
        self.orders.add(order)
        return order

    def _new_shipment(
        self,
        orders: list[Order],
        items: list[dict[str, Any]],
        profile: tuple[str, str],
        now: float,
        *,
        free: bool,
        method: str = "standard",
    ) -> Shipment:
        first = orders[0]
        lines = []
        for order, item in zip(orders, items, strict=True):
            for line in order.lines:
                detail = ", ".join(
                    f"{a['name']}: {a['value_name']}" for a in line.variation_attributes
                )
                title = f"{line.title} ({detail})" if detail else line.title
                lines.append(
                    ShipmentLine(
                        item_id=line.item_id,
                        description=title,
                        quantity=line.quantity,
                        variation_id=line.variation_id,
                        order_id=order.id,
                        dimensions=dimensions_of(item),
                        sku=line.seller_sku,
                    )
                )
        weight = sum(line.dimensions[3] * line.quantity for line in lines)
        listed = list_cost(first.site_id, weight, method)
        shipment = Shipment(
            id=self.next_id("shipment"),
            seller_id=first.seller_id,
            buyer_id=first.buyer_id,
            site_id=first.site_id,
            order_ids=[o.id for o in orders],
            mode=profile[0],
            logistic_type=profile[1],
            status=WAITING_FOR_PAYMENT[0],
            substatus=WAITING_FOR_PAYMENT[1],
            date_created=now,
            last_updated=now,
            lines=lines,
            declared_value=money(sum(o.total_amount for o in orders), first.currency_id),
            list_cost=listed,
            cost=0 if free else listed,
            method=method,
            option_id=self.next_id("shipment") * 10 % 10**10,
        )
        shipment.history.append((shipment.status, shipment.substatus, now))
        self.shipments[shipment.id] = shipment
        self.shipments_by_seller.setdefault(shipment.seller_id, []).append(shipment)
        for order in orders:
            order.shipment_id = shipment.id
            if order.pack_id is not None:
                self.orders.packs[order.pack_id].shipment_id = shipment.id
        return shipment

    def _new_payment(self, order: Order, status: str, detail: str, now: float) -> Payment:
        payment = Payment(
            id=self.next_id("payment"),
            order_id=order.id,
            payer_id=order.buyer_id,
            collector_id=order.seller_id,
            site_id=order.site_id,
            currency_id=order.currency_id,
            amount=order.total_amount,
            reason=order.lines[0].title,
            status=status,
            status_detail=detail,
            date_created=now,
            date_last_modified=now,
            date_approved=now if status == "approved" else None,
        )
        self.orders.add_payment(order, payment)
        return payment

    def pay(self, order: Order, status: str = "approved", amount: float | None = None) -> Order:
        """The order's payment moves (§5.2, §12.5 [INF]): `in_process` ->
        payment_in_process; `approved` -> paid; `rejected` -> cancelled; `refunded` of
        a paid order -> cancelled (§5.1 DOC); `partially_refunded` -> partially_refunded."""
        now = self.clock.now()
        shipment = self.shipments.get(order.shipment_id) if order.shipment_id else None
        open_payment = next((p for p in order.payments if p.status == "in_process"), None)
        paid = next((p for p in order.payments if p.status == "approved"), None)
        if status in ("approved", "in_process", "rejected"):
            if order.status not in UNPAID:
                raise conflict(f"Order {order.id} is {order.status}; it cannot be paid")
            if status == "in_process" and open_payment is not None:
                raise conflict(f"Order {order.id} already has a payment in process")
            payment = open_payment
            detail = {
                "approved": "accredited",
                "in_process": "pending_review_manual",
                "rejected": "cc_rejected_other_reason",
            }[status]
            if payment is None:
                payment = self._new_payment(order, status, detail, now)
            else:
                payment.status, payment.status_detail = status, detail
                payment.date_last_modified = now
                if status == "approved":
                    payment.date_approved = now
            if status == "rejected":
                self._cancel(order, "payment_rejected", "The payment was rejected", now)
            else:
                order.status = STATUS_OF_PAYMENT[status]
                order.last_updated = now
                if status == "approved" and shipment is not None:
                    shipment.paid = True
                    if (shipment.status, shipment.substatus) == WAITING_FOR_PAYMENT:
                        shipment.move(*shipment.path[0], now)
                    self.notify("shipments", f"/shipments/{shipment.id}", order.seller_id)
            self.notify("payments", f"/collections/{payment.id}", order.seller_id)
        elif status in ("refunded", "partially_refunded"):
            if paid is None or not order.is_paid:
                raise conflict(f"Order {order.id} is {order.status}; only paid orders are refunded")
            remaining = paid.amount - paid.refunded
            refund = remaining if status == "refunded" else (amount or remaining / 2)
            if not 0 < refund <= remaining:
                raise bad_request(f"amount must be more than 0 and at most {remaining}")
            paid.refunded = money(paid.refunded + refund, order.currency_id)
            paid.date_last_modified = now
            if paid.refunded >= paid.amount:
                paid.status, paid.status_detail = "refunded", "refunded"
                self._cancel(order, "refunded", "The payment was refunded to the buyer", now)
            else:
                paid.status_detail = "partially_refunded"
                order.status = "partially_refunded"
                order.last_updated = now
            self.notify("payments", f"/collections/{paid.id}", order.seller_id)
        else:
            raise bad_request(
                "status must be approved, in_process, rejected, refunded or partially_refunded"
            )
        self.notify("orders_v2", f"/orders/{order.id}", order.seller_id)
        return order

    def _cancel(self, order: Order, code: str, description: str, now: float) -> None:
        order.status = "cancelled"
        order.last_updated = now
        order.cancel_detail = {
            "group": "buyer" if code == "refunded" else "internal",
            "code": code,
            "description": description,
            "requested_by": "buyer",
            "date": local_iso(now, order.site_id),
            "application_id": None,
        }
        shipment = self.shipments.get(order.shipment_id) if order.shipment_id else None
        if shipment is not None and shipment.status in ("pending", "handling", "ready_to_ship"):
            shipment.move("cancelled", "cancelled_manually", now)
            self.notify("shipments", f"/shipments/{shipment.id}", order.seller_id)
        if order.pack_id is not None:
            pack = self.orders.packs[order.pack_id]
            if all(self.orders.orders[o].status == "cancelled" for o in pack.order_ids):
                pack.status, pack.last_updated = "cancelled", now
        self.restock(order)

    def random_order(
        self,
        seller: User,
        accept: Callable[[Order], bool],
        rng: random.Random | None = None,
    ) -> Order:
        """A random order of the seller that `accept`s, preferring recent ones."""
        rng = rng or self.rng
        orders = self.orders.by_seller.get(seller.id, [])
        recent = orders[-200:]
        for _ in range(32):
            if not recent:
                break
            order = rng.choice(recent)
            if accept(order):
                return order
        for order in reversed(orders):
            if accept(order):
                return order
        raise conflict(f"Seller {seller.id} has no order this event applies to")

    # -- notes (§5.5) ------------------------------------------------------------------

    def add_note(self, order: Order, text: str) -> Note:
        now = self.clock.now()
        note = Note(self.token(24), text, now, now)
        order.notes.append(note)
        return note

    @staticmethod
    def note(order: Order, note_id: str) -> Note:
        found = next((n for n in order.notes if n.id == note_id), None)
        if found is None:
            raise not_found(f"Note {note_id} not found")
        return found

    # -- shipments (§6) -------------------------------------------------------------------

    def shipment_of(self, shipment_id: str | int) -> Shipment | None:
        if isinstance(shipment_id, str):
            if not shipment_id.isdigit():
                return None
            shipment_id = int(shipment_id)
        return self.shipments.get(shipment_id)

    def advance_shipment(
        self, shipment: Shipment, status: str | None = None, substatus: str | None = None
    ) -> Shipment:
        """One step along the happy path of §6.2 [INF], or straight to a given
        (status, substatus) of the §6.2 table; the step lands in /history."""
        now = self.clock.now()
        if status is not None:
            target = check_status(status, substatus)
        else:
            if (shipment.status, shipment.substatus) == WAITING_FOR_PAYMENT:
                raise conflict(f"Shipment {shipment.id} waits for the payment of its order")
            step = shipment.next_step()
            if step is None:
                raise conflict(
                    f"Shipment {shipment.id} is {shipment.status}"
                    + (f"/{shipment.substatus}" if shipment.substatus else "")
                    + "; it has no next step"
                )
            target = step
        shipment.move(*target, now)
        self.notify("shipments", f"/shipments/{shipment.id}", shipment.seller_id)
        return shipment

    def random_shipment(self, seller: User, rng: random.Random | None = None) -> Shipment:
        """A shipment of the seller that can move one step."""
        rng = rng or self.rng
        shipments = self.shipments_by_seller.get(seller.id, [])

        def movable(s: Shipment) -> bool:
            return s.paid and not s.final and s.next_step() is not None

        recent = shipments[-300:]
        for _ in range(32):
            if not recent:
                break
            shipment = rng.choice(recent)
            if movable(shipment):
                return shipment
        for shipment in reversed(shipments):
            if movable(shipment):
                return shipment
        raise conflict(f"Seller {seller.id} has no shipment that can move")

    def split_shipment(self, shipment: Shipment, body: Any) -> list[Shipment]:
        """§6.4 POST /shipments/{id}/split: the old pack, orders and shipment are
        cancelled (`pack_splitted`); each package of `packs` becomes a new shipment, with
        new orders in a new pack, whose `sibling.sibling_id` names the old shipment.
        [INF: new shipments keep the old status; the error texts.]"""
        if not isinstance(body, dict):
            raise bad_request("A JSON body is required")
        reason = body.get("reason")
        if reason not in SPLIT_REASONS:
            raise bad_request(f"reason must be one of {', '.join(SPLIT_REASONS)}")
        packages = body.get("packs")
        if not isinstance(packages, list) or len(packages) < 2:
            raise bad_request("packs must list at least two packages")
        if shipment.mode != "me2" or shipment.status not in (
            "pending",
            "handling",
            "ready_to_ship",
        ):
            raise bad_request(f"Shipment {shipment.id} cannot be split in status {shipment.status}")
        owed = {o: sum(x.quantity for x in self.orders.orders[o].lines) for o in shipment.order_ids}
        asked: dict[int, int] = dict.fromkeys(owed, 0)
        plan: list[list[tuple[Order, int]]] = []
        for package in packages:
            entries = package.get("orders") if isinstance(package, dict) else None
            if not isinstance(entries, list) or not entries:
                raise bad_request("each package needs orders: [{id, quantity}]")
            chosen = []
            for entry in entries:
                order_id = entry.get("id") if isinstance(entry, dict) else None
                quantity = entry.get("quantity") if isinstance(entry, dict) else None
                if order_id not in owed:
                    raise bad_request(f"Order {order_id} is not in shipment {shipment.id}")
                if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
                    raise bad_request("quantity must be a positive integer")
                asked[order_id] += quantity
                chosen.append((self.orders.orders[order_id], quantity))
            plan.append(chosen)
        if asked != owed:
            raise bad_request("The packages must hold exactly the units of the shipment")
        now = self.clock.now()
        old_orders = [self.orders.orders[o] for o in shipment.order_ids]
        first = old_orders[0]
        seller, buyer = self.user(first.seller_id), self.user(first.buyer_id)
        pack = Pack(
            id=self.next_id("pack"),
            seller_id=seller.id,
            buyer_id=buyer.id,
            site_id=first.site_id,
            order_ids=[],
            date_created=now,
            last_updated=now,
        )
        self.orders.packs[pack.id] = pack
        created = []
        for chosen in plan:
            orders, items = [], []
            for old, quantity in chosen:
                line = attrs.evolve(old.lines[0], quantity=quantity)
                order = self._new_order(seller, buyer, [line], now, with_pack=False, pack=pack)
                if old.is_paid:
                    self._new_payment(order, "approved", "accredited", now)
                    order.status = "paid"
                orders.append(order)
                items.append(self.items.get(line.item_id) or {"id": line.item_id})
            new = self._new_shipment(
                orders,
                items,
                (shipment.mode, shipment.logistic_type),
                now,
                free=shipment.cost == 0,
                method=shipment.method,
            )
            new.paid = shipment.paid
            new.sibling_id, new.sibling_reason, new.sibling_date = shipment.id, reason, now
            new.history.clear()
            new.move(shipment.status, shipment.substatus, now)
            created.append(new)
        for old in old_orders:
            old.status, old.last_updated = "cancelled", now
            old.cancel_detail = {
                "group": "shipment",
                "code": "pack_splitted",
                "description": "The pack was split into several shipments",
                "requested_by": "seller",
                "date": local_iso(now, old.site_id),
                "application_id": None,
            }
            if old.pack_id is not None:
                old_pack = self.orders.packs[old.pack_id]
                old_pack.status, old_pack.status_detail = "cancelled", "splitted"
                old_pack.last_updated = now
        shipment.move("cancelled", "pack_splitted", now)
        for order in [*old_orders, *(self.orders.orders[o] for o in pack.order_ids)]:
            self.notify("orders_v2", f"/orders/{order.id}", order.seller_id)
        for changed in (shipment, *created):
            self.notify("shipments", f"/shipments/{changed.id}", changed.seller_id)
        return created

    def print_labels(self, shipments: list[Shipment]) -> list[Label]:
        """§6.3: the labels; printing moves ready_to_print to printed [INF]."""
        now = self.clock.now()
        labels = [self.label(s) for s in shipments]
        for shipment in shipments:
            if shipment.substatus == "ready_to_print":
                shipment.move("ready_to_ship", "printed", now)
                self.notify("shipments", f"/shipments/{shipment.id}", shipment.seller_id)
        return labels

    def label(self, shipment: Shipment) -> Label:
        seller = self.user(shipment.seller_id)
        buyer = self.user(shipment.buyer_id)
        address = address_of(buyer)
        lines = []
        for line in shipment.lines:
            detail = f"SKU {line.sku}" if line.sku else ""
            lines.append(LabelLine(line.quantity, line.description, detail))
        return Label(
            shipment_id=shipment.id,
            tracking_number=shipment.tracking_number or "",
            logistic_type=shipment.logistic_type,
            method=method_name(shipment.method, shipment.site_id),
            order_ids=tuple(shipment.order_ids),
            sender=f"{seller.nickname} ({seller.first_name} {seller.last_name})",
            sender_address=f"Test Address 123, {address_of(seller)['city']['name']}",
            receiver=f"{buyer.first_name} {buyer.last_name}",
            address=address["address_line"],
            city=f"{address['city']['name']}, {address['country']['name']}",
            zip_code=address["zip_code"],
            lines=tuple(lines),
            date=local_iso(self.clock.now(), shipment.site_id)[:10],
        )

    # -- questions (§7) -------------------------------------------------------------------

    def ask(
        self,
        buyer: User,
        item: dict[str, Any],
        text: str,
        *,
        app_id: int | None = MARKETPLACE_APP_ID,
    ) -> Question:
        """§7 POST /questions, and topic questions on creation (§12.6)."""
        text = check_text(text, "question")
        if item["seller_id"] == buyer.id:
            raise bad_request("A seller cannot ask on his own item")
        if item["status"] != "active":
            raise bad_request(f"Item {item['id']} is not active; it does not take questions")
        now = self.clock.now()
        question = Question(
            id=self.next_id("question"),
            seller_id=item["seller_id"],
            buyer_id=buyer.id,
            item_id=item["id"],
            site_id=item["site_id"],
            text=text,
            status="UNANSWERED",
            date_created=now,
            last_updated=now,
            app_id=app_id,
        )
        self.questions.add(question)
        self.notify("questions", f"/questions/{question.id}", question.seller_id)
        return question

    def answer(self, question: Question, text: str) -> Question:
        """§7 POST /answers: one answer per question [INF: a second one is 400]."""
        text = check_text(text, "answer")
        if question.status != "UNANSWERED" or question.answer is not None:
            raise already_answered(question)
        now = self.clock.now()
        question.answer = Answer(text, "ACTIVE", now)
        question.status = "ANSWERED"
        question.last_updated = now
        self.notify("questions", f"/questions/{question.id}", question.seller_id)
        return question

    def delete_question(self, question: Question) -> None:
        question.status = "DELETED"
        question.deleted_from_listing = True
        question.last_updated = self.clock.now()
        self.notify("questions", f"/questions/{question.id}", question.seller_id)

    def close_questions(self, item_id: str) -> None:
        """§7: questions left unanswered on a closed item become CLOSED_UNANSWERED."""
        now = self.clock.now()
        for question in self.questions.by_item.get(item_id, []):
            if question.status == "UNANSWERED":
                question.status = "CLOSED_UNANSWERED"
                question.last_updated = now
                self.notify("questions", f"/questions/{question.id}", question.seller_id)

    def random_question_text(self, site_id: str, rng: random.Random | None = None) -> str:
        rng = rng or self.rng
        texts = QUESTIONS_PT if site_id == "MLB" else QUESTIONS_ES
        return rng.choice(texts)

    # -- post-sale messages (§8) --------------------------------------------------------

    def conversation(self, key: str) -> Conversation:
        """The conversation of a pack, or of an order without a pack (§8.1) [INF: an
        order that has a pack leads to its pack's conversation]; 404 otherwise."""
        pack = self.orders.pack(key)
        if pack is not None:
            orders = self.orders.orders_of(pack)
            conversation_key = pack.id
        else:
            order = self.orders.get(key)
            if order is None:
                raise not_found(f"Pack or order {key} not found")
            if order.pack_id is not None:
                pack = self.orders.packs[order.pack_id]
                orders = self.orders.orders_of(pack)
                conversation_key = pack.id
            else:
                orders = [order]
                conversation_key = order.id
        conversation = self.conversations.get(conversation_key)
        if conversation is None:
            first = orders[0]
            conversation = Conversation(
                key=conversation_key,
                seller_id=first.seller_id,
                buyer_id=first.buyer_id,
                site_id=first.site_id,
                order_ids=[o.id for o in orders],
                shipment_id=first.shipment_id,
                created=first.date_created,
            )
            self.conversations[conversation_key] = conversation
        self._refresh_block(conversation)
        return conversation

    def _refresh_block(self, conversation: Conversation) -> None:
        """§8.2: a mediation blocks the conversation; so does a cancelled order, unless
        the conversation existed before [INF: the substatus names]."""
        orders = [self.orders.orders[o] for o in conversation.order_ids]
        claims = [c for o in orders for c in o.mediations if self.claims[c].status == "opened"]
        reason = None
        if claims:
            reason = "blocked_by_mediation"
            conversation.claim_id = claims[-1]
        elif all(o.status == "cancelled" for o in orders) and not conversation.messages:
            reason = "blocked_by_cancelled_order"
        if reason != conversation.blocked:
            conversation.blocked = reason
            conversation.status_date = self.clock.now()

    def send_message(
        self, conversation: Conversation, outgoing: Outgoing, client_id: int | str
    ) -> Message:
        """§8.2 POST as the seller: blocked conversations refuse with the documented 403,
        attachments must be the sender's own uploads (422 otherwise)."""
        self._refresh_block(conversation)
        if conversation.blocked:
            raise blocked_conversation()
        if not conversation.messages and not self.config.seller_may_start_conversation:
            # §8.3: the 2026 page says only the buyer opens a conversation [INF: body].
            raise blocked_conversation("blocked_by_conversation_started_by_seller")
        orders = [self.orders.orders[o] for o in conversation.order_ids]
        shipment = self.shipments.get(orders[0].shipment_id) if orders[0].shipment_id else None
        if (
            shipment is not None
            and shipment.logistic_type == "fulfillment"
            and shipment.status != "delivered"
            and not conversation.messages
        ):
            raise api_error(
                403,
                "forbidden",
                "The order is Mercado Envíos Full and has not been yet delivered",
            )
        attachments = [self.owned_attachment(a, outgoing.from_id) for a in outgoing.attachment_ids]
        message = self._add_message(
            conversation, outgoing.from_id, outgoing.to_id, outgoing.text, client_id
        )
        for attachment in attachments:
            attachment.linked = True
        message.attachments = attachments
        return message

    def buyer_message(self, conversation: Conversation, text: str) -> Message:
        """A message from the buyer: notified to the seller (topic messages, created)."""
        self._refresh_block(conversation)
        if conversation.blocked:
            raise blocked_conversation()
        message = self._add_message(
            conversation, conversation.buyer_id, conversation.seller_id, text, MARKETPLACE_APP_ID
        )
        self.notify("messages", message.id, conversation.seller_id, ["created"])
        return message

    def _add_message(
        self,
        conversation: Conversation,
        from_id: int,
        to_id: int,
        text: str,
        client_id: int | str,
        now: float | None = None,
    ) -> Message:
        message = Message(
            id=self.token(32),
            conversation=conversation,
            from_id=from_id,
            to_id=to_id,
            text=text,
            created=self.clock.now() if now is None else now,
            client_id=client_id,
            first=not conversation.messages,
        )
        conversation.messages.append(message)
        self.messages[message.id] = message
        return message

    def mark_read(self, conversation: Conversation, reader_id: int) -> int:
        """§8.1: reading marks the reader's messages read; topic messages, action read."""
        now = self.clock.now()
        unread = conversation.unread_for(reader_id)
        for message in unread:
            message.read = now
            self.notify("messages", message.id, conversation.seller_id, ["read"])
        return len(unread)

    def unread(self, user_id: int, role: str) -> list[dict[str, Any]]:
        """§8.4: unread messages per conversation of a seller (or a buyer)."""
        results = []
        for conversation in self.conversations.values():
            own = conversation.seller_id if role == "seller" else conversation.buyer_id
            if own != user_id:
                continue
            count = len(conversation.unread_for(user_id))
            if count:
                results.append({"resource": conversation.resource, "count": count})
        return results

    def random_message_text(self, site_id: str, rng: random.Random | None = None) -> str:
        rng = rng or self.rng
        return rng.choice(MESSAGES_PT if site_id == "MLB" else MESSAGES_ES)

    # -- attachments (§8.4) ---------------------------------------------------------------

    def upload_attachment(self, owner: User, filename: str, data: bytes) -> Attachment:
        if len(data) > ATTACHMENT_MAX_BYTES:
            raise bad_request("The file exceeds the maximum size of 25 MB")
        if not data:
            raise bad_request("The file is empty")
        if len(filename) > ATTACHMENT_MAX_FILENAME:
            raise bad_request(f"The file name exceeds {ATTACHMENT_MAX_FILENAME} characters")
        extension = attachment_type(filename, data)
        identifier = uuid.UUID(int=self.rng.getrandbits(128), version=4)
        attachment = Attachment(
            id=f"{owner.id}_{identifier}.{extension}",
            owner_id=owner.id,
            filename=filename,
            content_type=ATTACHMENT_TYPES[extension],
            data=data,
            created=self.clock.now(),
        )
        self.attachments[attachment.id] = attachment
        return attachment

    def attachment(self, attachment_id: str) -> Attachment:
        """§8.4: an attachment not linked to a message within 48 h is deleted."""
        attachment = self.attachments.get(attachment_id)
        if attachment is None:
            raise attachment_not_found()
        if not attachment.linked and self.clock.now() - attachment.created > ATTACHMENT_TTL:
            del self.attachments[attachment_id]
            raise attachment_not_found()
        return attachment

    def owned_attachment(self, attachment_id: str, user_id: int) -> Attachment:
        attachment = self.attachment(attachment_id)
        if attachment.owner_id != user_id:
            raise attachment_not_found()
        return attachment

    def may_read_attachment(self, attachment: Attachment, user_id: int) -> bool:
        if attachment.owner_id == user_id:
            return True
        return any(
            attachment in m.attachments
            and user_id in (m.conversation.seller_id, m.conversation.buyer_id)
            for m in self.messages.values()
            if m.attachments
        )

    # -- claims ---------------------------------------------------------------------------

    def open_claim(self, order: Order, reason_id: str | None = None) -> Claim:
        """The buyer opens a mediation: the order lists it, its conversation is blocked
        (§8.2), and post_purchase and orders_v2 are notified (§9.3)."""
        if any(self.claims[c].status == "opened" for c in order.mediations):
            raise conflict(f"Order {order.id} already has an open claim")
        now = self.clock.now()
        claim = Claim(
            id=self.next_id("claim"),
            order_id=order.id,
            seller_id=order.seller_id,
            buyer_id=order.buyer_id,
            site_id=order.site_id,
            reason_id=reason_id or self.rng.choice(CLAIM_REASONS),
            date_created=now,
            last_updated=now,
        )
        self.claims[claim.id] = claim
        order.mediations.append(claim.id)
        order.last_updated = now
        self.notify(
            "post_purchase", CLAIM_RESOURCE.format(id=claim.id), order.seller_id, ["claims"]
        )
        self.notify("orders_v2", f"/orders/{order.id}", order.seller_id)
        return claim

    def claim(self, claim_id: str) -> Claim:
        claim = self.claims.get(int(claim_id)) if claim_id.isdigit() else None
        if claim is None:
            raise api_error(404, "business_logic_error", "Resource not found")
        return claim

    # -- reading helpers ----------------------------------------------------------------

    def snapshot(self) -> dict[str, int]:
        """Counts, for the admin API and the CLI banner."""
        return {
            "orders": len(self.orders.orders),
            "packs": len(self.orders.packs),
            "shipments": len(self.shipments),
            "questions": len(self.questions.questions),
            "conversations": len(self.conversations),
            "messages": len(self.messages),
            "claims": len(self.claims),
        }


QUESTIONS_ES = (
    "Hola, ¿tenés stock disponible?",
    "¿Hacen envíos al interior?",
    "¿Es original? ¿Tiene garantía?",
    "¿Viene con factura A?",
    "¿Cuánto tarda en llegar a Córdoba?",
    "¿Tienen otros colores?",
    "Buenas, ¿el precio es por unidad?",
    "¿Puedo retirar en persona?",
)
QUESTIONS_PT = (
    "Olá, tem em estoque?",
    "Vocês enviam para o Nordeste?",
    "É original? Tem garantia?",
    "Emite nota fiscal?",
    "Quanto tempo demora para chegar?",
    "Tem outras cores?",
)
MESSAGES_ES = (
    "Hola, ¿cuándo despachan mi compra?",
    "¿Me pueden enviar la factura?",
    "Gracias, ya recibí el producto.",
    "¿Puedo cambiar el talle?",
    "El paquete todavía no llegó, ¿me ayudan?",
)
MESSAGES_PT = (
    "Olá, quando enviam minha compra?",
    "Podem me mandar a nota fiscal?",
    "Obrigado, já recebi o produto.",
    "O pacote ainda não chegou, podem ajudar?",
)
