"""The builders of the market's records: each makes one order, pack, shipment, payment,
question, message or claim and files it in the stores, and does nothing else (no
notification, no stock movement, no status change of anything around it).

The flows (sales, shipping, questions, messaging, mediations) build on them and add the
consequences; the demo history uses them directly, because its past has none.
"""

from __future__ import annotations

from typing import Any

from sandbox.claims import CLAIM_REASONS, Claim
from sandbox.item_shape import attribute_value
from sandbox.market.context import MarketContext
from sandbox.messaging import Conversation, Message
from sandbox.orders import MARKETPLACE_APP_ID, Order, OrderLine, Pack, Payment, money
from sandbox.questions import Question
from sandbox.shipments import (
    WAITING_FOR_PAYMENT,
    Shipment,
    ShipmentLine,
    dimensions_of,
    list_cost,
)
from sandbox.users import User


def sale_line(item: dict[str, Any], variation: dict[str, Any] | None, quantity: int) -> OrderLine:
    """The order line of `quantity` units of the item, or of one of its variations."""
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


class MarketRecords:
    def __init__(self, context: MarketContext) -> None:
        self.context = context

    def new_pack(self, seller: User, buyer: User, now: float) -> Pack:
        """An empty pack (§5.4) of the seller's sales to the buyer."""
        ctx = self.context
        pack = Pack(
            id=ctx.next_id("pack"),
            seller_id=seller.id,
            buyer_id=buyer.id,
            site_id=seller.site_id,
            order_ids=[],
            date_created=now,
            last_updated=now,
        )
        ctx.orders.packs[pack.id] = pack
        return pack

    def new_order(
        self,
        seller: User,
        buyer: User,
        lines: list[OrderLine],
        now: float,
        *,
        with_pack: bool = False,
        pack: Pack | None = None,
    ) -> Order:
        """A confirmed order, in `pack`, or in a pack of its own `with_pack`. §5.1:
        date_closed is set when the order is confirmed and its stock deducted."""
        ctx = self.context
        order = Order(
            id=ctx.next_id("order"),
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
            pack = self.new_pack(seller, buyer, now)
        if pack is not None:
            pack.order_ids.append(order.id)
            order.pack_id = pack.id
            for other in pack.order_ids:
                if other in ctx.orders.orders:
                    ctx.orders.orders[other].pack_size = len(pack.order_ids)
            order.pack_size = len(pack.order_ids)
        ctx.orders.add(order)
        return order

    def new_shipment(
        self,
        orders: list[Order],
        items: list[dict[str, Any]],
        profile: tuple[str, str],
        now: float,
        *,
        free: bool,
        method: str = "standard",
    ) -> Shipment:
        """The shipment of `orders` (one of each of `items`), waiting for the payment;
        `profile` is (mode, logistic type), `free` whether the seller pays it."""
        ctx = self.context
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
            id=ctx.next_id("shipment"),
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
            option_id=ctx.next_id("shipment") * 10 % 10**10,
        )
        shipment.history.append((shipment.status, shipment.substatus, now))
        ctx.shipments[shipment.id] = shipment
        ctx.shipments_by_seller.setdefault(shipment.seller_id, []).append(shipment)
        for order in orders:
            order.shipment_id = shipment.id
            if order.pack_id is not None:
                ctx.orders.packs[order.pack_id].shipment_id = shipment.id
        return shipment

    def new_payment(self, order: Order, status: str, detail: str, now: float) -> Payment:
        """A payment of the order's whole amount (§5.1 payments); the order keeps its
        status."""
        payment = Payment(
            id=self.context.next_id("payment"),
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
        self.context.orders.add_payment(order, payment)
        return payment

    def new_question(
        self,
        item: dict[str, Any],
        buyer_id: int,
        text: str,
        now: float,
        app_id: int | None = MARKETPLACE_APP_ID,
    ) -> Question:
        """An UNANSWERED question of the buyer on the item (§7)."""
        question = Question(
            id=self.context.next_id("question"),
            seller_id=item["seller_id"],
            buyer_id=buyer_id,
            item_id=item["id"],
            site_id=item["site_id"],
            text=text,
            status="UNANSWERED",
            date_created=now,
            last_updated=now,
            app_id=app_id,
        )
        self.context.questions.add(question)
        return question

    def add_message(
        self,
        conversation: Conversation,
        from_id: int,
        to_id: int,
        text: str,
        client_id: int | str,
        now: float | None = None,
    ) -> Message:
        """A message at the end of the conversation (§8.1), unread."""
        ctx = self.context
        message = Message(
            id=ctx.token(32),
            conversation=conversation,
            from_id=from_id,
            to_id=to_id,
            text=text,
            created=ctx.clock.now() if now is None else now,
            client_id=client_id,
            first=not conversation.messages,
        )
        conversation.messages.append(message)
        ctx.messages[message.id] = message
        return message

    def new_claim(self, order: Order, reason_id: str | None, now: float) -> Claim:
        """An open claim on the order, listed in its mediations; a reason drawn at random
        when none is given."""
        ctx = self.context
        claim = Claim(
            id=ctx.next_id("claim"),
            order_id=order.id,
            seller_id=order.seller_id,
            buyer_id=order.buyer_id,
            site_id=order.site_id,
            reason_id=reason_id or ctx.rng.choice(CLAIM_REASONS),
            date_created=now,
            last_updated=now,
        )
        ctx.claims[claim.id] = claim
        order.mediations.append(claim.id)
        return claim
