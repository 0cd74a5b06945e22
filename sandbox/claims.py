"""Claims (mediations) a buyer opens on an order (§9.3)."""

from __future__ import annotations

from typing import Any

import attrs

from sandbox.clock import local_iso

# §9.3: claims are notified under post_purchase with this resource.
CLAIM_RESOURCE = "/post-purchase/v1/claims/{id}"
CLAIM_REASONS = ("PDD9939", "PNR3430", "PDD9944")


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
