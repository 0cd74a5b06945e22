"""Stock levels and the ledger of stock changes.

The quantity published to MercadoLibre is the local quantity minus the safety stock,
never below zero, so a seller keeps a buffer against overselling.
"""

from __future__ import annotations

from datetime import datetime

import attrs

from domain.common import aware, non_negative_int
from domain.errors import InvalidValue


@attrs.define(frozen=True)
class StockLevel:
    item_id: str
    quantity: int = attrs.field(validator=non_negative_int)
    variation_id: int | None = None
    safety_stock: int = attrs.field(default=0, validator=non_negative_int)
    updated_at: datetime | None = attrs.field(default=None, validator=aware)

    @property
    def publishable(self) -> int:
        """What MercadoLibre should show as available_quantity."""
        return max(0, self.quantity - self.safety_stock)

    def set(self, quantity: int, now: datetime) -> StockLevel:
        return attrs.evolve(self, quantity=quantity, updated_at=now)

    def adjust(self, delta: int, now: datetime) -> StockLevel:
        """Add or remove units; refusing to go below zero is what prevents overselling."""
        if isinstance(delta, bool) or not isinstance(delta, int):
            raise InvalidValue("delta", "must be a whole number")
        if self.quantity + delta < 0:
            raise InvalidValue(
                "quantity", f"cannot remove {-delta} units from a stock of {self.quantity}"
            )
        return attrs.evolve(self, quantity=self.quantity + delta, updated_at=now)

    def with_safety_stock(self, safety_stock: int) -> StockLevel:
        return attrs.evolve(self, safety_stock=safety_stock)


@attrs.define(frozen=True)
class StockChange:
    """One entry of the stock ledger: who asked for what, and when they asked.

    `requested_at` orders concurrent writes: the latest request wins, whatever order the
    writes happen to be applied in.
    """

    item_id: str
    quantity: int = attrs.field(validator=non_negative_int)
    requested_at: datetime = attrs.field(validator=aware)
    source: str
    variation_id: int | None = None
    previous_quantity: int | None = None
    id: int | None = None
