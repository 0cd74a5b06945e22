"""The demo sellers' past: orders with their packs, payments and shipments, questions,
post-sale conversations and a few claims, so that a fresh sandbox already has sales to
page through, labels to print and questions to answer.

Everything is drawn from the seed; only the dates hang from the hour the sandbox
started. The history is in the past, so it sends no notification and moves no stock (the
demo items' sold quantities stand for it).
"""

from __future__ import annotations

import math
import random
from typing import Any

from sandbox.clock import SimulatedClock
from sandbox.config import SandboxConfig
from sandbox.market import SimulatedMarket
from sandbox.market.records import sale_line
from sandbox.notifications import application_id
from sandbox.orders import MARKETPLACE_APP_ID, Order
from sandbox.questions import Answer
from sandbox.shipments import Shipment, free_shipping, shipping_profile
from sandbox.users import User

HOUR = 3600
DAY = 86_400
# Items of each seller that past orders and questions are about (the first active ones;
# building items is what the history costs).
ITEM_POOL = 16
# The share of the newest orders still on their way out (unpaid, handling, ready to
# print, printed), and of those in transit.
FRESH_SHARE = 0.15
IN_TRANSIT_SHARE = 0.3
SELLER_REPLIES = {
    "es": "¡Hola! Gracias por tu compra, ya la estamos preparando.",
    "pt": "Olá! Obrigado pela compra, já estamos preparando.",
}
ANSWERS = {"es": "¡Hola! Sí, tenemos stock. Saludos.", "pt": "Olá! Sim, temos estoque."}


def history_window(count: int) -> float:
    """Orders six hours apart on average, over two days at least and 180 at most."""
    return min(max(count * 6 * HOUR, 2 * DAY), 180 * DAY)


def build_history(
    market: SimulatedMarket, sellers: list[User], config: SandboxConfig, clock: SimulatedClock
) -> None:
    anchor = math.floor(clock.now() / HOUR) * HOUR
    if not config.orders_per_seller and not config.questions_per_seller:
        return
    for ordinal, seller in enumerate(sellers):
        rng = random.Random(f"{config.seed}:history:{ordinal}")
        pool = item_pool(market, seller)
        if not pool:
            continue
        SellerHistory(market, seller, pool, rng, anchor).build(
            config.orders_per_seller, config.questions_per_seller
        )


def item_pool(market: SimulatedMarket, seller: User) -> list[dict[str, Any]]:
    listings = market.items.listings_of(seller.id, seller.site_id)
    pool = []
    position = listings.statuses.find(0)
    while position != -1 and len(pool) < ITEM_POOL:
        item = market.items.get(listings.item_id(position))
        if item is not None and item["available_quantity"] > 0:
            pool.append(item)
        position = listings.statuses.find(0, position + 1)
    return pool


class SellerHistory:
    def __init__(
        self,
        market: SimulatedMarket,
        seller: User,
        pool: list[dict[str, Any]],
        rng: random.Random,
        anchor: float,
    ) -> None:
        self.market = market
        self.seller = seller
        self.pool = pool
        self.rng = rng
        self.anchor = anchor
        self.buyers = market.buyers_of(seller.site_id)

    def build(self, order_count: int, question_count: int) -> None:
        if order_count:
            self.orders(order_count)
        if question_count:
            self.questions(question_count)

    # -- orders ---------------------------------------------------------------------------

    def orders(self, count: int) -> None:
        rng = self.rng
        window = history_window(count)
        step = window / count
        fresh = max(2, math.ceil(count * FRESH_SHARE))
        in_transit = math.ceil(count * IN_TRANSIT_SHARE)
        k = 0
        while k < count:
            when = self.anchor - window + (k + rng.random() * 0.8) * step
            rank = count - 1 - k
            cart = k < count - 1 and rng.random() < 0.1
            size = 2 if cart else 1
            orders, items = self.sale(when, size, with_pack=cart or rng.random() < 0.75)
            shipment = self.market.records.new_shipment(
                orders, items, shipping_profile(items[0]), when, free=free_shipping(items[0])
            )
            self.settle(orders, shipment, when, rank, fresh, in_transit)
            k += size

    def sale(
        self, when: float, size: int, *, with_pack: bool
    ) -> tuple[list[Order], list[dict[str, Any]]]:
        rng = self.rng
        records = self.market.records
        buyer = rng.choice(self.buyers)
        pack = records.new_pack(self.seller, buyer, when) if with_pack else None
        items = rng.sample(self.pool, min(size, len(self.pool)))
        orders = []
        for n, item in enumerate(items):
            variation = rng.choice(item["variations"]) if item["variations"] else None
            quantity = rng.choices((1, 2, 3), weights=(85, 12, 3))[0]
            line = sale_line(item, variation, quantity)
            orders.append(records.new_order(self.seller, buyer, [line], when + n, pack=pack))
        return orders, items

    def settle(
        self,
        orders: list[Order],
        shipment: Shipment,
        when: float,
        rank: int,
        fresh: int,
        in_transit: int,
    ) -> None:
        """Bring the sale to where its age puts it: the newest ones unpaid or being
        prepared, then in transit, the old ones delivered; a few cancelled."""
        rng = self.rng
        path = shipment.path
        draw = rng.random()
        if rank < fresh:
            if rank == 0 and draw < 0.5:
                return  # confirmed, waiting for the payment
            target = min(len(path) - 1, rng.choice((0, 1, 2, 2, 3)))
            # Labels exist only for some logistic types; others stop before shipping.
            self.pay(orders, shipment, when)
            self.walk(shipment, path[: target + 1], when)
        elif draw < 0.05:
            self.pay(orders, shipment, when)
            self.refund(orders, shipment, when)
        elif rank < in_transit:
            self.pay(orders, shipment, when)
            index = next(i for i, s in enumerate(path) if s[0] == "shipped")
            self.walk(shipment, path[: index + rng.choice((0, 1))], when)
        else:
            self.pay(orders, shipment, when)
            if draw > 0.97:
                self.walk(shipment, path[:-1], when)
                self.move(shipment, ("not_delivered", "returning_to_sender"), when, 0.95)
            else:
                self.walk(shipment, path, when)
            if rng.random() < 0.02:
                self.claim(orders[0], when)
        if rng.random() < 0.3:
            self.conversation(orders[0], when, unread=rank < fresh)

    def pay(self, orders: list[Order], shipment: Shipment, when: float) -> None:
        paid_at = when + 60
        for order in orders:
            self.market.records.new_payment(order, "approved", "accredited", paid_at)
            order.status = "paid"
            order.last_updated = paid_at
        shipment.paid = True

    def walk(
        self, shipment: Shipment, steps: tuple[tuple[str, str | None], ...], when: float
    ) -> None:
        """Move through `steps`, spread over the time since the sale (at most 5 days)."""
        span = min(self.anchor - when, 5 * DAY)
        for n, step in enumerate(steps, 1):
            self.move(shipment, step, when, n / (len(steps) + 1), span)

    def move(
        self,
        shipment: Shipment,
        step: tuple[str, str | None],
        when: float,
        share: float,
        span: float | None = None,
    ) -> None:
        span = min(self.anchor - when, 5 * DAY) if span is None else span
        at = min(max(when + 120, when + share * span), self.anchor - 1)
        shipment.move(step[0], step[1], at)

    def refund(self, orders: list[Order], shipment: Shipment, when: float) -> None:
        at = when + min(self.anchor - when, DAY) * 0.5
        for order in orders:
            payment = order.payments[-1]
            payment.status, payment.status_detail = "refunded", "refunded"
            payment.refunded = payment.amount
            payment.date_last_modified = at
            order.status = "cancelled"
            order.last_updated = at
            order.cancel_detail = {
                "group": "buyer",
                "code": "refunded",
                "description": "The payment was refunded to the buyer",
                "requested_by": "buyer",
                "date": None,
                "application_id": None,
            }
        shipment.move("cancelled", "cancelled_manually", max(at, when + 180))
        if orders[0].pack_id is not None:
            self.market.orders.packs[orders[0].pack_id].status = "cancelled"

    def claim(self, order: Order, when: float) -> None:
        at = min(when + 5 * DAY, self.anchor - HOUR)
        self.market.records.new_claim(order, "PDD9939", at)

    def conversation(self, order: Order, when: float, *, unread: bool) -> None:
        market = self.market
        rng = self.rng
        key = order.pack_id or order.id
        conversation = market.messaging.conversation(str(key))
        site = self.seller.site_id
        asked = min(when + 2 * HOUR, self.anchor - 60)
        message = market.records.add_message(
            conversation,
            order.buyer_id,
            order.seller_id,
            market.messaging.random_text(site, rng),
            MARKETPLACE_APP_ID,
            now=asked,
        )
        if unread:
            return
        message.read = asked + 600
        if rng.random() < 0.7:
            reply = market.records.add_message(
                conversation,
                order.seller_id,
                order.buyer_id,
                SELLER_REPLIES["pt" if site == "MLB" else "es"],
                application_id(market.config.client_id),
                now=asked + HOUR,
            )
            reply.read = asked + 2 * HOUR

    # -- questions ------------------------------------------------------------------------

    def questions(self, count: int) -> None:
        rng = self.rng
        market = self.market
        window = history_window(count)
        unanswered = max(1, math.ceil(count * 0.3))
        for k in range(count):
            when = self.anchor - window + (k + rng.random() * 0.8) * window / count
            item = rng.choice(self.pool)
            buyer = rng.choice(self.buyers)
            text = market.question_desk.random_text(item["site_id"], rng)
            question = market.records.new_question(item, buyer.id, text, when)
            rank = count - 1 - k
            if rank >= unanswered:
                if rng.random() < 0.03:
                    question.status = "BANNED"
                else:
                    answered = min(when + rng.uniform(0.5, 6) * HOUR, self.anchor - 60)
                    language = "pt" if item["site_id"] == "MLB" else "es"
                    question.answer = Answer(ANSWERS[language], "ACTIVE", answered)
                    question.status = "ANSWERED"
                    question.last_updated = answered
