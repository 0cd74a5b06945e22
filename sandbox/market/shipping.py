"""§6: shipments moving along their status machine, split into several packages, and
their labels; each change notified under shipments (and orders_v2 for a split)."""

from __future__ import annotations

import random
from typing import Any

import attrs

from sandbox.clock import local_iso
from sandbox.errors import bad_request, conflict
from sandbox.labels import Label, LabelLine
from sandbox.market.context import MarketContext
from sandbox.market.records import MarketRecords
from sandbox.orders import Order
from sandbox.shipment_statuses import check_status
from sandbox.shipments import WAITING_FOR_PAYMENT, Shipment, address_of, method_name
from sandbox.users import User

# §6.4: the reasons POST /shipments/{id}/split accepts.
SPLIT_REASONS = (
    "FRAGILE",
    "ANOTHER_WAREHOUSE",
    "IRREGULAR_SHAPE",
    "OTHER_MOTIVE",
    "DIMENSIONS_EXCEEDED",
)


class Shipping:
    def __init__(self, context: MarketContext, records: MarketRecords) -> None:
        self.context = context
        self.records = records

    def _notify(self, shipment: Shipment) -> None:
        self.context.notify("shipments", f"/shipments/{shipment.id}", shipment.seller_id)

    def shipment_of(self, shipment_id: str | int) -> Shipment | None:
        if isinstance(shipment_id, str):
            if not shipment_id.isdigit():
                return None
            shipment_id = int(shipment_id)
        return self.context.shipments.get(shipment_id)

    def advance(
        self, shipment: Shipment, status: str | None = None, substatus: str | None = None
    ) -> Shipment:
        """One step along the happy path of §6.2 [INF], or straight to a given
        (status, substatus) of the §6.2 table; the step lands in /history."""
        now = self.context.clock.now()
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
        self._notify(shipment)
        return shipment

    def random_shipment(self, seller: User, rng: random.Random | None = None) -> Shipment:
        """A shipment of the seller that can move one step."""
        rng = rng or self.context.rng
        shipments = self.context.shipments_by_seller.get(seller.id, [])

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

    # -- split (§6.4) -------------------------------------------------------------------

    def split(self, shipment: Shipment, body: Any) -> list[Shipment]:
        """§6.4 POST /shipments/{id}/split: the old pack, orders and shipment are
        cancelled (`pack_splitted`); each package of `packs` becomes a new shipment, with
        new orders in a new pack, whose `sibling.sibling_id` names the old shipment.
        [INF: new shipments keep the old status; the error texts.]"""
        reason, plan = self._split_plan(shipment, body)
        ctx = self.context
        now = ctx.clock.now()
        old_orders = [ctx.orders.orders[o] for o in shipment.order_ids]
        first = old_orders[0]
        seller, buyer = ctx.user(first.seller_id), ctx.user(first.buyer_id)
        pack = self.records.new_pack(seller, buyer, now)
        created = []
        for chosen in plan:
            orders, items = [], []
            for old, quantity in chosen:
                line = attrs.evolve(old.lines[0], quantity=quantity)
                order = self.records.new_order(seller, buyer, [line], now, pack=pack)
                if old.is_paid:
                    self.records.new_payment(order, "approved", "accredited", now)
                    order.status = "paid"
                orders.append(order)
                items.append(ctx.items.get(line.item_id) or {"id": line.item_id})
            new = self.records.new_shipment(
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
                old_pack = ctx.orders.packs[old.pack_id]
                old_pack.status, old_pack.status_detail = "cancelled", "splitted"
                old_pack.last_updated = now
        shipment.move("cancelled", "pack_splitted", now)
        for order in [*old_orders, *(ctx.orders.orders[o] for o in pack.order_ids)]:
            ctx.notify("orders_v2", f"/orders/{order.id}", order.seller_id)
        for changed in (shipment, *created):
            self._notify(changed)
        return created

    def _split_plan(
        self, shipment: Shipment, body: Any
    ) -> tuple[str, list[list[tuple[Order, int]]]]:
        """The reason and, per package, the (order, units) it holds; 400 unless the
        packages hold exactly the shipment's units."""
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
        orders = self.context.orders.orders
        owed = {o: sum(x.quantity for x in orders[o].lines) for o in shipment.order_ids}
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
                chosen.append((orders[order_id], quantity))
            plan.append(chosen)
        if asked != owed:
            raise bad_request("The packages must hold exactly the units of the shipment")
        return reason, plan

    # -- labels (§6.3) ------------------------------------------------------------------

    def print_labels(self, shipments: list[Shipment]) -> list[Label]:
        """§6.3: the labels; printing moves ready_to_print to printed [INF]."""
        now = self.context.clock.now()
        labels = [self.label(s) for s in shipments]
        for shipment in shipments:
            if shipment.substatus == "ready_to_print":
                shipment.move("ready_to_ship", "printed", now)
                self._notify(shipment)
        return labels

    def label(self, shipment: Shipment) -> Label:
        ctx = self.context
        seller = ctx.user(shipment.seller_id)
        buyer = ctx.user(shipment.buyer_id)
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
            date=local_iso(self.context.clock.now(), shipment.site_id)[:10],
        )
