"""Stock levels, the stock change log and stock batches. Repository conventions: see
application.ports.repositories.accounts.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Protocol

from application.queries import InventoryLine, InventoryQuery, Page
from domain.inventory import StockBatch, StockChange, StockLevel


class InventoryRepository(Protocol):
    async def find(self, item_id: str, variation_id: int | None = None) -> StockLevel | None: ...

    async def for_item(self, item_id: str) -> Sequence[StockLevel]:
        """Every stock level of an item (one per variation, or one without)."""
        ...

    async def for_items(self, item_ids: Iterable[str]) -> dict[str, list[StockLevel]]:
        """The stock levels of many items in one read, by item id; items without any
        level are absent."""
        ...

    async def upsert(self, levels: Iterable[StockLevel]) -> None: ...

    async def search_levels(self, query: InventoryQuery) -> Page[InventoryLine]:
        """Stock levels of the listings not removed from MercadoLibre, with their listing,
        by account, listing number (oldest first) and variation; see InventoryQuery."""
        ...

    async def remove(self, keys: Iterable[tuple[str, int | None]]) -> int:
        """Delete the stock levels with these (item id, variation id) keys: stock the
        listing no longer has (its item-level count once it has variations, a variation
        deleted on MercadoLibre). Return how many were deleted. The stock ledger keeps
        their history. Idempotent: unknown keys are skipped."""
        ...

    async def record_change(self, change: StockChange) -> StockChange:
        """Append to the stock ledger; return the entry with its id."""
        ...

    async def latest_change(
        self, item_id: str, variation_id: int | None = None, *, requests_only: bool = False
    ) -> StockChange | None:
        """The ledger entry with the latest `requested_at` for this item or variation;
        with `requests_only`, leaving out the inventory sync's repairs (REPAIR_SOURCE)."""
        ...


class StockBatchRepository(Protocol):
    """Bulk stock updates and their per-item results."""

    async def add(self, batch: StockBatch) -> StockBatch:
        """Store a new batch and return it with its id."""
        ...

    async def get(self, batch_id: int) -> StockBatch: ...

    async def save(self, batch: StockBatch) -> None:
        """Store the batch's status and results. Raises NotFound."""
        ...

    async def claim(self, batch_id: int, now: datetime, lease_until: datetime) -> StockBatch | None:
        """Move a pending batch, or one running under a lease that ran out by `now` (its
        worker stopped), to running for this worker until `lease_until`, and return it;
        None when it is not this worker's to take (finished, or held). Of two
        concurrent claims, one wins."""
        ...

    async def renew(self, batch_id: int, lease_until: datetime) -> bool:
        """Extend the lease of a running batch; False when it is no longer running."""
        ...

    async def waiting(
        self, before: datetime, limit: int, after: tuple[datetime, int] | None = None
    ) -> Sequence[StockBatch]:
        """Batches requested before a time and not finished: pending, or running under a
        lease that ran out by then. Oldest first (requested_at, id), after the previous
        page's last: what a sweep queues again."""
        ...
