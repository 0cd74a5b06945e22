"""What analytics reads from MercadoLibre: the seller's reputation (§3) and visits
[INF: /users/{id}/items_visits and /items/visits, not in the reference]."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Protocol

from domain.reputation import Reputation

MAX_VISIT_IDS = 50  # listings per /items/visits call


class AnalyticsGateway(Protocol):
    async def seller_reputation(self, account_id: int, seller_id: int) -> Reputation:
        """§3 GET /users/{id}: the seller's `seller_reputation`, read leniently (absent
        parts are None). Raises the gateway's errors (NotFound, Unavailable...)."""
        ...

    async def item_visits(
        self, account_id: int, item_ids: Sequence[str], day: date
    ) -> Mapping[str, int]:
        """Visits of each listing on `day` (at most MAX_VISIT_IDS ids); a listing
        MercadoLibre leaves out is left out. Read only, so safe to retry."""
        ...

    async def seller_visits(self, account_id: int, seller_id: int, day: date) -> int:
        """Visits of all the seller's listings on `day`."""
        ...
