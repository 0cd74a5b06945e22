from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

import attrs

from adapters.memory.repositories.base import InMemoryRepository, LockRow, item_number, page_of
from adapters.memory.store import (
    LISTINGS,
    STOCK_BATCHES,
    STOCK_LEDGER,
    STOCK_LEVELS,
    InMemoryStore,
    StagedChanges,
    private_copy,
)
from application.errors import NotFound
from application.queries import InventoryLine, InventoryQuery, Page
from domain.inventory import REPAIR_SOURCE, BatchStatus, StockBatch, StockChange, StockLevel
from domain.listings import Listing


def _variation_order(variation_id: int | None) -> int:
    return 0 if variation_id is None else variation_id


def line_sku(listing: Listing, variation_id: int | None) -> str | None:
    """The variation's SKU, or the listing's."""
    for variation in listing.variations:
        if variation.id == variation_id and variation.seller_sku:
            return variation.seller_sku
    return listing.seller_sku


class InMemoryInventoryRepository(InMemoryRepository):
    async def find(self, item_id: str, variation_id: int | None = None) -> StockLevel | None:
        return self._find(STOCK_LEVELS, (item_id, variation_id))

    async def for_item(self, item_id: str) -> Sequence[StockLevel]:
        levels = [level for level in self._staged.values(STOCK_LEVELS) if level.item_id == item_id]
        levels.sort(key=lambda level: _variation_order(level.variation_id))
        return [private_copy(level) for level in levels]

    async def for_items(self, item_ids: Iterable[str]) -> dict[str, list[StockLevel]]:
        wanted = set(item_ids)
        found: dict[str, list[StockLevel]] = {}
        for level in self._staged.values(STOCK_LEVELS):
            if level.item_id in wanted:
                found.setdefault(level.item_id, []).append(private_copy(level))
        for levels in found.values():
            levels.sort(key=lambda level: _variation_order(level.variation_id))
        return dict(sorted(found.items()))

    async def search_levels(self, query: InventoryQuery) -> Page[InventoryLine]:
        lines = []
        for level in self._staged.values(STOCK_LEVELS):
            listing = self._staged.get(LISTINGS, level.item_id)
            if listing is None or listing.removed_at is not None:
                continue
            if query.account_id is not None and listing.account_id != query.account_id:
                continue
            if query.sku is not None and listing.seller_sku != query.sku:
                continue
            if query.below is not None and not level.publishable < query.below:
                continue
            lines.append(
                InventoryLine(
                    level,
                    listing.account_id,
                    listing.title,
                    listing.status.value,
                    line_sku(listing, level.variation_id),
                )
            )
        lines.sort(
            key=lambda line: (
                line.account_id,
                item_number(line.level.item_id),
                line.level.item_id,
                _variation_order(line.level.variation_id),
            )
        )
        return page_of(lines, query.paging)

    async def upsert(self, levels: Iterable[StockLevel]) -> None:
        for level in levels:
            self._staged.put(STOCK_LEVELS, (level.item_id, level.variation_id), level)

    async def remove(self, keys: Iterable[tuple[str, int | None]]) -> int:
        removed = 0
        for key in dict.fromkeys(keys):
            if self._staged.get(STOCK_LEVELS, key) is not None:
                self._staged.delete(STOCK_LEVELS, key)
                removed += 1
        return removed

    async def record_change(self, change: StockChange) -> StockChange:
        stored = attrs.evolve(change, id=self._store.next_id(STOCK_LEDGER))
        self._staged.put(STOCK_LEDGER, stored.id, stored)
        return stored

    async def latest_change(
        self, item_id: str, variation_id: int | None = None, *, requests_only: bool = False
    ) -> StockChange | None:
        changes = [
            change
            for change in self._staged.values(STOCK_LEDGER)
            if change.item_id == item_id
            and change.variation_id == variation_id
            and not (requests_only and change.source == REPAIR_SOURCE)
        ]
        if not changes:
            return None
        return private_copy(max(changes, key=lambda change: (change.requested_at, change.id)))


class InMemoryStockBatchRepository(InMemoryRepository):
    def __init__(
        self, store: InMemoryStore, staged: StagedChanges, lock_row: LockRow | None = None
    ) -> None:
        super().__init__(store, staged)
        self._lock_row = lock_row

    async def add(self, batch: StockBatch) -> StockBatch:
        stored = attrs.evolve(batch, id=self._store.next_id(STOCK_BATCHES))
        self._staged.put(STOCK_BATCHES, stored.id, stored)
        return private_copy(stored)

    async def get(self, batch_id: int) -> StockBatch:
        return self._get(STOCK_BATCHES, batch_id, "stock batch")

    async def save(self, batch: StockBatch) -> None:
        if batch.id is None or self._staged.get(STOCK_BATCHES, batch.id) is None:
            raise NotFound("stock batch", batch.id)
        self._staged.put(STOCK_BATCHES, batch.id, batch)

    async def _lock(self, batch_id: int) -> None:
        # Held until commit, as UPDATE does on PostgreSQL.
        if self._lock_row is not None:
            await self._lock_row(STOCK_BATCHES, batch_id)

    async def claim(self, batch_id: int, now: datetime, lease_until: datetime) -> StockBatch | None:
        await self._lock(batch_id)
        stored = self._staged.get(STOCK_BATCHES, batch_id)
        if stored is None or not stored.claimable(now):
            return None
        claimed = private_copy(stored)
        claimed.start(lease_until)
        self._staged.put(STOCK_BATCHES, batch_id, claimed)
        return private_copy(claimed)

    async def renew(self, batch_id: int, lease_until: datetime) -> bool:
        await self._lock(batch_id)
        stored = self._staged.get(STOCK_BATCHES, batch_id)
        if stored is None or stored.status is not BatchStatus.RUNNING:
            return False
        self._staged.put(STOCK_BATCHES, batch_id, attrs.evolve(stored, lease_until=lease_until))
        return True

    async def waiting(
        self, before: datetime, limit: int, after: tuple[datetime, int] | None = None
    ) -> Sequence[StockBatch]:
        found = [
            batch
            for batch in self._staged.values(STOCK_BATCHES)
            if batch.requested_at < before
            and batch.claimable(before)
            and (after is None or (batch.requested_at, batch.id) > after)
        ]
        found.sort(key=lambda batch: (batch.requested_at, batch.id))
        return [private_copy(batch) for batch in found[:limit]]
