"""Stock levels and the ledger of stock changes.

The quantity published to MercadoLibre is the local quantity minus the safety stock,
never below zero, so a seller keeps a buffer against overselling.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

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


# The ledger source of the inventory sync's repairs: what MercadoLibre was seen to show,
# not a request of the seller's, so never a reason to supersede one.
REPAIR_SOURCE = "inventory_sync"

MAX_BATCH = 100  # the product's bulk limit per request
MAX_QUANTITY = 99_999  # listing type max_stock_per_item (mercadolibre-api.md §4.10)


class StockOutcome(StrEnum):
    PENDING = "pending"
    APPLIED = "applied"  # published, and MercadoLibre shows it
    UNCHANGED = "unchanged"  # MercadoLibre already showed it
    REJECTED = "rejected"  # refused by our own checks, with a reason; nothing changed
    SUPERSEDED = "superseded"  # a later request for the same stock won
    MISMATCH = "mismatch"  # published, but MercadoLibre shows another quantity
    FAILED = "failed"  # MercadoLibre could not be written (the reason says why); not stored


@attrs.define(frozen=True)
class StockRequest:
    item_id: str
    quantity: int = attrs.field(validator=non_negative_int)
    variation_id: int | None = None
    safety_stock: int | None = None


@attrs.define(frozen=True)
class StockResult:
    item_id: str
    variation_id: int | None
    quantity: int
    outcome: StockOutcome
    reason: str | None = None
    published: int | None = None  # what we asked MercadoLibre to show
    observed: int | None = None  # what MercadoLibre showed when read back


class BatchStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


def _batch_size(instance: object, attribute: attrs.Attribute, value: tuple) -> None:
    if not 1 <= len(value) <= MAX_BATCH:
        raise InvalidValue("updates", f"between 1 and {MAX_BATCH} updates per batch")


@attrs.define
class StockBatch:
    """A bulk stock update, applied by a job, with one result per requested update."""

    requests: tuple[StockRequest, ...] = attrs.field(converter=tuple, validator=_batch_size)
    requested_at: datetime = attrs.field(validator=aware)
    source: str = "api"
    id: int | None = None
    status: BatchStatus = BatchStatus.PENDING
    results: tuple[StockResult, ...] = attrs.field(default=(), converter=tuple)
    finished_at: datetime | None = attrs.field(default=None, validator=aware)
    error: str | None = None
    # While RUNNING: until when the worker applying it holds it (renewed as it works); a
    # batch whose lease ran out is taken back by the sweep.
    lease_until: datetime | None = attrs.field(default=None, validator=aware)

    def finish(self, results: tuple[StockResult, ...], now: datetime) -> None:
        self.results = results
        self.status = BatchStatus.DONE
        self.finished_at = now
        self.lease_until = None

    def fail(self, error: str, now: datetime) -> None:
        self.status = BatchStatus.FAILED
        self.error = error[:2000]
        self.finished_at = now
        self.lease_until = None

    def claimable(self, now: datetime) -> bool:
        """Pending, or running under a lease that ran out (its worker stopped)."""
        return self.status is BatchStatus.PENDING or (
            self.status is BatchStatus.RUNNING
            and self.lease_until is not None
            and self.lease_until <= now
        )

    def start(self, lease_until: datetime) -> None:
        self.status = BatchStatus.RUNNING
        self.lease_until = lease_until

    def reopen(self) -> None:
        """Apply it again from the start (an operator replayed it)."""
        self.status = BatchStatus.PENDING
        self.results = ()
        self.finished_at = None
        self.error = None
        self.lease_until = None
