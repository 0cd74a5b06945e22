"""§5, §12.5: purchases, their packs and payments, refunds and cancellations, order
notes; each change notified under orders_v2, payments, shipments and items."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from sandbox.clock import local_iso
from sandbox.errors import bad_request, conflict, not_found
from sandbox.market.context import MarketContext
from sandbox.market.listings import ListingChanges
from sandbox.market.records import MarketRecords, sale_line
from sandbox.orders import UNPAID, Note, Order, money, order_json
from sandbox.shipments import WAITING_FOR_PAYMENT, free_shipping, shipping_profile
from sandbox.users import User

STATUS_OF_PAYMENT = {
    "approved": "paid",
    "in_process": "payment_in_process",
}
PAYMENT_DETAILS = {
    "approved": "accredited",
    "in_process": "pending_review_manual",
    "rejected": "cc_rejected_other_reason",
}


class Sales:
    def __init__(
        self, context: MarketContext, records: MarketRecords, listings: ListingChanges
    ) -> None:
        self.context = context
        self.records = records
        self.listings = listings

    def order_view(self, order: Order) -> dict[str, Any]:
        """§5.1; `shipping_cost` is what the buyer pays for the shipment."""
        ctx = self.context
        seller = ctx.user_summary(order.seller_id)
        shipment = ctx.shipments.get(order.shipment_id) if order.shipment_id else None
        cost = shipment.cost if shipment is not None else None
        return order_json(order, ctx.user_summary(order.buyer_id), seller, cost)

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
        ctx = self.context
        rng = rng or ctx.rng
        if status not in ("confirmed", "payment_in_process", "paid"):
            raise bad_request("status must be confirmed, payment_in_process or paid")
        if item_id is None:
            item = self.listings.random_active_item(seller, rng)
        else:
            found = ctx.items.get(item_id)
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
            buyer = rng.choice(ctx.buyers_of(seller.site_id))
        else:
            buyer = ctx.user(buyer_id)
            if buyer.id == seller.id:
                raise bad_request("A seller cannot buy his own item")
        sold = ctx.rules.record_sale(item, quantity, variation["id"] if variation else None)
        ctx.items.save(sold)
        now = ctx.clock.now()
        line = sale_line(item, variation, quantity)
        order = self.records.new_order(seller, buyer, [line], now, with_pack=True)
        profile = shipping_profile(item)
        if mode is not None or logistic_type is not None:
            profile = (mode or profile[0], logistic_type or profile[1])
        shipment = self.records.new_shipment(
            [order], [item], profile, now, free=free_shipping(item)
        )
        self.listings.item_changed(sold, item["status"])
        ctx.notify("orders_v2", f"/orders/{order.id}", seller.id)
        ctx.notify("shipments", f"/shipments/{shipment.id}", seller.id)
        if status == "payment_in_process":
            self.pay(order, "in_process")
        elif status == "paid":
            self.pay(order, "approved")
        return order

    def pay(self, order: Order, status: str = "approved", amount: float | None = None) -> Order:
        """The order's payment moves (§5.2, §12.5 [INF]): `in_process` ->
        payment_in_process; `approved` -> paid; `rejected` -> cancelled; `refunded` of
        a paid order -> cancelled (§5.1 DOC); `partially_refunded` -> partially_refunded."""
        if status in ("approved", "in_process", "rejected"):
            self._charge(order, status)
        elif status in ("refunded", "partially_refunded"):
            self._refund(order, status, amount)
        else:
            raise bad_request(
                "status must be approved, in_process, rejected, refunded or partially_refunded"
            )
        self.context.notify("orders_v2", f"/orders/{order.id}", order.seller_id)
        return order

    def _charge(self, order: Order, status: str) -> None:
        ctx = self.context
        now = ctx.clock.now()
        shipment = ctx.shipments.get(order.shipment_id) if order.shipment_id else None
        open_payment = next((p for p in order.payments if p.status == "in_process"), None)
        if order.status not in UNPAID:
            raise conflict(f"Order {order.id} is {order.status}; it cannot be paid")
        if status == "in_process" and open_payment is not None:
            raise conflict(f"Order {order.id} already has a payment in process")
        payment = open_payment
        detail = PAYMENT_DETAILS[status]
        if payment is None:
            payment = self.records.new_payment(order, status, detail, now)
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
                ctx.notify("shipments", f"/shipments/{shipment.id}", order.seller_id)
        ctx.notify("payments", f"/collections/{payment.id}", order.seller_id)

    def _refund(self, order: Order, status: str, amount: float | None) -> None:
        ctx = self.context
        now = ctx.clock.now()
        paid = next((p for p in order.payments if p.status == "approved"), None)
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
        ctx.notify("payments", f"/collections/{paid.id}", order.seller_id)

    def _cancel(self, order: Order, code: str, description: str, now: float) -> None:
        ctx = self.context
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
        shipment = ctx.shipments.get(order.shipment_id) if order.shipment_id else None
        if shipment is not None and shipment.status in ("pending", "handling", "ready_to_ship"):
            shipment.move("cancelled", "cancelled_manually", now)
            ctx.notify("shipments", f"/shipments/{shipment.id}", order.seller_id)
        if order.pack_id is not None:
            pack = ctx.orders.packs[order.pack_id]
            if all(ctx.orders.orders[o].status == "cancelled" for o in pack.order_ids):
                pack.status, pack.last_updated = "cancelled", now
        self.listings.restock(order)

    def random_order(
        self,
        seller: User,
        accept: Callable[[Order], bool],
        rng: random.Random | None = None,
    ) -> Order:
        """A random order of the seller that `accept`s, preferring recent ones."""
        rng = rng or self.context.rng
        orders = self.context.orders.by_seller.get(seller.id, [])
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
        now = self.context.clock.now()
        note = Note(self.context.token(24), text, now, now)
        order.notes.append(note)
        return note

    @staticmethod
    def note(order: Order, note_id: str) -> Note:
        found = next((n for n in order.notes if n.id == note_id), None)
        if found is None:
            raise not_found(f"Note {note_id} not found")
        return found
