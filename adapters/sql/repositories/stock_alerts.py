"""Low-stock thresholds and alerts in SQL."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sqlalchemy import and_, delete, func, or_, select

from adapters.sql.repositories.base import Row, SqlRepository
from adapters.sql.tables import ACCOUNT_WIDE, NO_VARIATION, stock_alerts, stock_thresholds
from domain.stock_alerts import LevelKey, LowStockAlert, StockThreshold


def _variation_column(variation_id: int | None) -> int:
    return NO_VARIATION if variation_id is None else variation_id


def threshold_to_domain(row: Row) -> StockThreshold:
    return StockThreshold(
        account_id=row["account_id"],
        threshold=row["threshold"],
        item_id=None if row["item_id"] == ACCOUNT_WIDE else row["item_id"],
        updated_at=row["updated_at"],
    )


def alert_to_domain(row: Row) -> LowStockAlert:
    return LowStockAlert(
        account_id=row["account_id"],
        item_id=row["item_id"],
        variation_id=None if row["variation_id"] == NO_VARIATION else row["variation_id"],
        threshold=row["threshold"],
        publishable=row["publishable"],
        raised_at=row["raised_at"],
    )


class SqlStockAlertRepository(SqlRepository):
    async def set_threshold(self, threshold: StockThreshold) -> None:
        row = {
            "account_id": threshold.account_id,
            "item_id": threshold.item_id or ACCOUNT_WIDE,
            "threshold": threshold.threshold,
            "updated_at": threshold.updated_at,
        }
        await self._upsert(stock_thresholds, [row], ["account_id", "item_id"])

    async def thresholds(self, account_id: int) -> Mapping[str | None, StockThreshold]:
        rows = await self._all(
            select(stock_thresholds).where(stock_thresholds.c.account_id == account_id)
        )
        return {found.item_id: found for found in map(threshold_to_domain, rows)}

    async def delete_threshold(self, account_id: int, item_id: str | None) -> bool:
        result = await self._write(
            delete(stock_thresholds).where(
                stock_thresholds.c.account_id == account_id,
                stock_thresholds.c.item_id == (item_id or ACCOUNT_WIDE),
            )
        )
        return result.rowcount > 0

    async def raised(self, account_id: int) -> Mapping[LevelKey, LowStockAlert]:
        rows = await self._all(select(stock_alerts).where(stock_alerts.c.account_id == account_id))
        return {alert.key: alert for alert in map(alert_to_domain, rows)}

    async def raise_alerts(self, alerts: Iterable[LowStockAlert]) -> list[LowStockAlert]:
        stored = []
        for alert in alerts:
            row = {
                "account_id": alert.account_id,
                "item_id": alert.item_id,
                "variation_id": _variation_column(alert.variation_id),
                "threshold": alert.threshold,
                "publishable": alert.publishable,
                "raised_at": alert.raised_at,
            }
            statement = (
                self._insert(stock_alerts)
                .values(row)
                .on_conflict_do_nothing()
                .returning(stock_alerts.c.item_id)
            )
            if (await self._write(statement)).scalar_one_or_none() is not None:
                stored.append(alert)
        return stored

    async def rearm(self, account_id: int, keys: Iterable[LevelKey]) -> int:
        conditions = [
            and_(
                stock_alerts.c.item_id == item_id,
                stock_alerts.c.variation_id == _variation_column(variation_id),
            )
            for item_id, variation_id in keys
        ]
        removed = 0
        for start in range(0, len(conditions), 200):
            result = await self._write(
                delete(stock_alerts).where(
                    stock_alerts.c.account_id == account_id,
                    or_(*conditions[start : start + 200]),
                )
            )
            removed += result.rowcount
        return removed

    async def count_raised(self) -> Mapping[int, int]:
        rows = await self._all(
            select(stock_alerts.c.account_id, func.count().label("raised")).group_by(
                stock_alerts.c.account_id
            )
        )
        return {row["account_id"]: row["raised"] for row in rows}
