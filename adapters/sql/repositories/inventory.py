"""Stock levels, the stock ledger and stock batches in SQL."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

import attrs
from sqlalchemy import (
    ColumnElement,
    and_,
    case,
    delete,
    func,
    or_,
    select,
    update,
)

from adapters.sql.repositories.base import MAX_IN_IDS, JsonObject, Row, SqlRepository, page_of
from adapters.sql.tables import (
    NO_VARIATION,
    inventory,
    products,
    stock_batches,
    stock_ledger,
)
from application.errors import NotFound
from application.queries import InventoryLine, InventoryQuery, Page
from domain.inventory import (
    REPAIR_SOURCE,
    BatchStatus,
    StockBatch,
    StockChange,
    StockLevel,
    StockOutcome,
    StockRequest,
    StockResult,
)


def variation_key(variation_id: int | None) -> int:
    return NO_VARIATION if variation_id is None else variation_id


def stock_level_to_row(level: StockLevel) -> JsonObject:
    return {
        "item_id": level.item_id,
        "variation_id": variation_key(level.variation_id),
        "quantity": level.quantity,
        "safety_stock": level.safety_stock,
        "updated_at": level.updated_at,
    }


def stock_level_to_domain(row: Row) -> StockLevel:
    return StockLevel(
        item_id=row["item_id"],
        variation_id=None if row["variation_id"] == NO_VARIATION else row["variation_id"],
        quantity=row["quantity"],
        safety_stock=row["safety_stock"],
        updated_at=row["updated_at"],
    )


def _line_sku(row: Row) -> str | None:
    """The variation's SKU (kept in the listing's variations), or the listing's."""
    for variation in row["variations"] or ():
        if variation.get("id") == row["variation_id"] and variation.get("seller_sku"):
            return str(variation["seller_sku"])
    return row["seller_sku"]


def stock_change_to_row(change: StockChange) -> JsonObject:
    return {
        "item_id": change.item_id,
        "variation_id": change.variation_id,
        "quantity": change.quantity,
        "previous_quantity": change.previous_quantity,
        "requested_at": change.requested_at,
        "source": change.source,
    }


def stock_change_to_domain(row: Row) -> StockChange:
    return StockChange(
        id=row["id"],
        item_id=row["item_id"],
        variation_id=row["variation_id"],
        quantity=row["quantity"],
        previous_quantity=row["previous_quantity"],
        requested_at=row["requested_at"],
        source=row["source"],
    )


def _stock_request_json(request: StockRequest) -> JsonObject:
    return {
        "item_id": request.item_id,
        "quantity": request.quantity,
        "variation_id": request.variation_id,
        "safety_stock": request.safety_stock,
    }


def _stock_result_json(result: StockResult) -> JsonObject:
    return {
        "item_id": result.item_id,
        "variation_id": result.variation_id,
        "quantity": result.quantity,
        "outcome": result.outcome.value,
        "reason": result.reason,
        "published": result.published,
        "observed": result.observed,
    }


def stock_batch_to_row(batch: StockBatch) -> JsonObject:
    return {
        "status": batch.status.value,
        "source": batch.source,
        "requested_at": batch.requested_at,
        "finished_at": batch.finished_at,
        "requests": [_stock_request_json(r) for r in batch.requests],
        "results": [_stock_result_json(r) for r in batch.results],
        "error": batch.error,
        "lease_until": batch.lease_until,
    }


def stock_batch_to_domain(row: Row) -> StockBatch:
    return StockBatch(
        id=row["id"],
        status=BatchStatus(row["status"]),
        source=row["source"],
        requested_at=row["requested_at"],
        finished_at=row["finished_at"],
        requests=tuple(StockRequest(**r) for r in row["requests"]),
        results=tuple(
            StockResult(**{**r, "outcome": StockOutcome(r["outcome"])}) for r in row["results"]
        ),
        error=row["error"],
        lease_until=row["lease_until"],
    )


class SqlInventoryRepository(SqlRepository):
    async def find(self, item_id: str, variation_id: int | None = None) -> StockLevel | None:
        row = await self._one(
            select(inventory).where(
                inventory.c.item_id == item_id,
                inventory.c.variation_id == variation_key(variation_id),
            )
        )
        return None if row is None else stock_level_to_domain(row)

    async def for_item(self, item_id: str) -> Sequence[StockLevel]:
        rows = await self._all(
            select(inventory)
            .where(inventory.c.item_id == item_id)
            .order_by(inventory.c.variation_id)
        )
        return [stock_level_to_domain(row) for row in rows]

    async def for_items(self, item_ids: Iterable[str]) -> dict[str, list[StockLevel]]:
        found: dict[str, list[StockLevel]] = {}
        ids = list(dict.fromkeys(item_ids))
        for start in range(0, len(ids), MAX_IN_IDS):
            rows = await self._all(
                select(inventory)
                .where(inventory.c.item_id.in_(ids[start : start + MAX_IN_IDS]))
                .order_by(inventory.c.item_id, inventory.c.variation_id)
            )
            for row in rows:
                level = stock_level_to_domain(row)
                found.setdefault(level.item_id, []).append(level)
        return found

    async def search_levels(self, query: InventoryQuery) -> Page[InventoryLine]:
        joined = inventory.join(products, products.c.item_id == inventory.c.item_id)
        conditions: list[ColumnElement[bool]] = [products.c.removed_at.is_(None)]
        if query.account_id is not None:
            conditions.append(products.c.account_id == query.account_id)
        if query.sku is not None:
            conditions.append(products.c.seller_sku == query.sku)
        if query.below is not None:
            publishable = case(
                (
                    inventory.c.quantity > inventory.c.safety_stock,
                    inventory.c.quantity - inventory.c.safety_stock,
                ),
                else_=0,
            )
            conditions.append(publishable < query.below)
        statement = (
            select(
                *inventory.columns,
                products.c.account_id,
                products.c.title,
                products.c.status,
                products.c.seller_sku,
                products.c.variations,
            )
            .select_from(joined)
            .where(*conditions)
            .order_by(
                products.c.account_id,
                products.c.item_number,
                self._binary(products.c.item_id),
                inventory.c.variation_id,
            )
            .offset(query.paging.offset)
            .limit(query.paging.limit)
        )
        lines = [
            InventoryLine(
                stock_level_to_domain(row),
                row["account_id"],
                row["title"],
                row["status"],
                _line_sku(row),
            )
            for row in await self._all(statement)
        ]
        counted = await self._execute(select(func.count()).select_from(joined).where(*conditions))
        return page_of(lines, int(counted.scalar_one()), query.paging)

    async def upsert(self, levels: Iterable[StockLevel]) -> None:
        rows = [stock_level_to_row(level) for level in levels]
        await self._upsert(inventory, rows, ["item_id", "variation_id"])

    async def remove(self, keys: Iterable[tuple[str, int | None]]) -> int:
        by_item: dict[str, set[int]] = {}
        for item_id, variation_id in keys:
            by_item.setdefault(item_id, set()).add(variation_key(variation_id))
        removed = 0
        # Rare (a listing whose variations changed): one statement per item is enough.
        for item_id, variation_keys in by_item.items():
            result = await self._write(
                delete(inventory).where(
                    inventory.c.item_id == item_id,
                    inventory.c.variation_id.in_(sorted(variation_keys)),
                )
            )
            removed += result.rowcount
        return removed

    async def record_change(self, change: StockChange) -> StockChange:
        statement = (
            stock_ledger.insert().values(stock_change_to_row(change)).returning(stock_ledger.c.id)
        )
        new_id = (await self._write(statement)).scalar_one()
        return attrs.evolve(change, id=new_id)

    async def latest_change(
        self, item_id: str, variation_id: int | None = None, *, requests_only: bool = False
    ) -> StockChange | None:
        variation = (
            stock_ledger.c.variation_id.is_(None)
            if variation_id is None
            else stock_ledger.c.variation_id == variation_id
        )
        conditions = [stock_ledger.c.item_id == item_id, variation]
        if requests_only:
            conditions.append(stock_ledger.c.source != REPAIR_SOURCE)
        row = await self._one(
            select(stock_ledger)
            .where(*conditions)
            .order_by(stock_ledger.c.requested_at.desc(), stock_ledger.c.id.desc())
            .limit(1)
        )
        return None if row is None else stock_change_to_domain(row)


class SqlStockBatchRepository(SqlRepository):
    async def add(self, batch: StockBatch) -> StockBatch:
        statement = (
            stock_batches.insert().values(stock_batch_to_row(batch)).returning(stock_batches.c.id)
        )
        new_id = (await self._write(statement)).scalar_one()
        return attrs.evolve(batch, id=new_id)

    async def get(self, batch_id: int) -> StockBatch:
        row = await self._one(select(stock_batches).where(stock_batches.c.id == batch_id))
        if row is None:
            raise NotFound("stock batch", batch_id)
        return stock_batch_to_domain(row)

    async def save(self, batch: StockBatch) -> None:
        result = await self._write(
            update(stock_batches)
            .where(stock_batches.c.id == batch.id)
            .values(stock_batch_to_row(batch))
        )
        if result.rowcount == 0:
            raise NotFound("stock batch", batch.id)

    def _claimable(self, now: datetime) -> ColumnElement[bool]:
        return or_(
            stock_batches.c.status == BatchStatus.PENDING.value,
            and_(
                stock_batches.c.status == BatchStatus.RUNNING.value,
                stock_batches.c.lease_until <= now,
            ),
        )

    async def claim(self, batch_id: int, now: datetime, lease_until: datetime) -> StockBatch | None:
        statement = (
            update(stock_batches)
            .where(stock_batches.c.id == batch_id, self._claimable(now))
            .values(status=BatchStatus.RUNNING.value, lease_until=lease_until)
            .returning(*stock_batches.c)
        )
        row = (await self._execute(statement)).mappings().first()
        return None if row is None else stock_batch_to_domain(row)

    async def renew(self, batch_id: int, lease_until: datetime) -> bool:
        statement = (
            update(stock_batches)
            .where(
                stock_batches.c.id == batch_id,
                stock_batches.c.status == BatchStatus.RUNNING.value,
            )
            .values(lease_until=lease_until)
        )
        return (await self._execute(statement)).rowcount == 1

    async def waiting(
        self, before: datetime, limit: int, after: tuple[datetime, int] | None = None
    ) -> Sequence[StockBatch]:
        conditions = [stock_batches.c.requested_at < before, self._claimable(before)]
        if after is not None:
            after_time, after_id = after
            conditions.append(
                or_(
                    stock_batches.c.requested_at > after_time,
                    and_(
                        stock_batches.c.requested_at == after_time,
                        stock_batches.c.id > after_id,
                    ),
                )
            )
        rows = await self._all(
            select(stock_batches)
            .where(*conditions)
            .order_by(stock_batches.c.requested_at, stock_batches.c.id)
            .limit(limit)
        )
        return [stock_batch_to_domain(row) for row in rows]
