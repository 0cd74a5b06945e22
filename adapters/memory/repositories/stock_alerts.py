"""Low-stock thresholds and alerts, in memory."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping

from adapters.memory.repositories.base import InMemoryRepository
from adapters.memory.store import STOCK_ALERTS, STOCK_THRESHOLDS, private_copy
from domain.stock_alerts import LevelKey, LowStockAlert, StockThreshold


class InMemoryStockAlertRepository(InMemoryRepository):
    async def set_threshold(self, threshold: StockThreshold) -> None:
        self._require_account(threshold.account_id)
        self._staged.put(STOCK_THRESHOLDS, (threshold.account_id, threshold.item_id), threshold)

    async def thresholds(self, account_id: int) -> Mapping[str | None, StockThreshold]:
        return {
            found.item_id: private_copy(found)
            for found in self._staged.values(STOCK_THRESHOLDS)
            if found.account_id == account_id
        }

    async def delete_threshold(self, account_id: int, item_id: str | None) -> bool:
        if self._staged.get(STOCK_THRESHOLDS, (account_id, item_id)) is None:
            return False
        self._staged.delete(STOCK_THRESHOLDS, (account_id, item_id))
        return True

    async def raised(self, account_id: int) -> Mapping[LevelKey, LowStockAlert]:
        return {
            alert.key: private_copy(alert)
            for alert in self._staged.values(STOCK_ALERTS)
            if alert.account_id == account_id
        }

    async def raise_alerts(self, alerts: Iterable[LowStockAlert]) -> list[LowStockAlert]:
        stored = []
        for alert in alerts:
            self._require_account(alert.account_id)
            key = (alert.account_id, *alert.key)
            if self._staged.get(STOCK_ALERTS, key) is None:
                self._staged.put(STOCK_ALERTS, key, alert)
                stored.append(private_copy(alert))
        return stored

    async def rearm(self, account_id: int, keys: Iterable[LevelKey]) -> int:
        removed = 0
        for level_key in set(keys):
            key = (account_id, *level_key)
            if self._staged.get(STOCK_ALERTS, key) is not None:
                self._staged.delete(STOCK_ALERTS, key)
                removed += 1
        return removed

    async def count_raised(self) -> Mapping[int, int]:
        return dict(Counter(alert.account_id for alert in self._staged.values(STOCK_ALERTS)))
