"""Claims (mediations) buyers open on orders: they block the order's conversation (§8.2)
and are notified under post_purchase (§9.3)."""

from __future__ import annotations

from sandbox.claims import CLAIM_RESOURCE, Claim
from sandbox.errors import api_error, conflict
from sandbox.market.context import MarketContext
from sandbox.market.records import MarketRecords
from sandbox.orders import Order


class Mediations:
    def __init__(self, context: MarketContext, records: MarketRecords) -> None:
        self.context = context
        self.records = records

    def open_claim(self, order: Order, reason_id: str | None = None) -> Claim:
        """The buyer opens a mediation: the order lists it, its conversation is blocked
        (§8.2), and post_purchase and orders_v2 are notified (§9.3)."""
        ctx = self.context
        if any(ctx.claims[c].status == "opened" for c in order.mediations):
            raise conflict(f"Order {order.id} already has an open claim")
        now = ctx.clock.now()
        claim = self.records.new_claim(order, reason_id, now)
        order.last_updated = now
        ctx.notify("post_purchase", CLAIM_RESOURCE.format(id=claim.id), order.seller_id, ["claims"])
        ctx.notify("orders_v2", f"/orders/{order.id}", order.seller_id)
        return claim

    def claim(self, claim_id: str) -> Claim:
        claim = self.context.claims.get(int(claim_id)) if claim_id.isdigit() else None
        if claim is None:
            raise api_error(404, "business_logic_error", "Resource not found")
        return claim
