"""Changes to live listings that the rest of the market causes or needs: the notification
of every item change (§12.6), price and stock moves from the seller's other channels,
and the stock a cancelled sale gives back."""

from __future__ import annotations

import random
from typing import Any

from sandbox.errors import conflict, not_found
from sandbox.item_shape import refresh_derived
from sandbox.market.context import MarketContext
from sandbox.market.questions import QuestionDesk
from sandbox.orders import Order, money
from sandbox.users import User


class ListingChanges:
    def __init__(self, context: MarketContext, questions: QuestionDesk) -> None:
        self.context = context
        self.questions = questions

    def random_active_item(self, seller: User, rng: random.Random | None = None) -> dict[str, Any]:
        """An active item of the seller with stock, drawn at random."""
        rng = rng or self.context.rng
        items = self.context.items
        listings = items.listings_of(seller.id, seller.site_id)
        statuses = listings.statuses
        if listings.size:
            for _ in range(64):
                position = rng.randrange(listings.size)
                if statuses[position] == 0:
                    item = items.get(listings.item_id(position))
                    if item is not None and item["available_quantity"] > 0:
                        return item
            position = statuses.find(0)
            while position != -1:
                item = items.get(listings.item_id(position))
                if item is not None and item["available_quantity"] > 0:
                    return item
                position = statuses.find(0, position + 1)
        raise conflict(f"Seller {seller.id} has no active item with stock")

    def item_changed(self, item: dict[str, Any], previous_status: str | None = None) -> None:
        """§12.6: every item change is notified; closing an item closes its unanswered
        questions (§7 CLOSED_UNANSWERED)."""
        self.context.notify("items", f"/items/{item['id']}", item["seller_id"])
        if item["status"] == "closed" and previous_status != "closed":
            self.questions.close_questions(item["id"])

    def change_item(
        self, seller: User, item_id: str | None, changes: dict[str, Any]
    ) -> dict[str, Any]:
        """An item change as the seller's other channels make it (admin event `item`):
        the given fields through the listing rules, or a small random price or stock
        change."""
        ctx = self.context
        if item_id is not None:
            item = ctx.items.get(item_id)
            if item is None or item["seller_id"] != seller.id:
                raise not_found(f"Item {item_id} not found for seller {seller.id}")
        else:
            item = self.random_active_item(seller)
        if not changes:
            changes = self._random_change(item)
        new = ctx.rules.update(item, changes, seller)
        ctx.items.save(new)
        self.item_changed(new, item["status"])
        return new

    def _random_change(self, item: dict[str, Any]) -> dict[str, Any]:
        rng = self.context.rng
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
        items = self.context.items
        for line in order.lines:
            item = items.get(line.item_id)
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
            items.save(item)
            self.item_changed(item, previous)
