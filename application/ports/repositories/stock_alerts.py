"""Low-stock thresholds and the alerts raised under them. Repository conventions: see
application.ports.repositories.accounts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Protocol

from domain.stock_alerts import LevelKey, LowStockAlert, StockThreshold


class StockAlertRepository(Protocol):
    async def set_threshold(self, threshold: StockThreshold) -> None:
        """Insert or replace the account's threshold (item_id None) or the listing's.
        Raises Conflict for an unknown account. Idempotent."""
        ...

    async def thresholds(self, account_id: int) -> Mapping[str | None, StockThreshold]:
        """The account's thresholds by item id; the account-wide one under None."""
        ...

    async def delete_threshold(self, account_id: int, item_id: str | None) -> bool:
        """Remove the threshold; whether there was one. Idempotent."""
        ...

    async def raised(self, account_id: int) -> Mapping[LevelKey, LowStockAlert]:
        """The account's alerts raised and not re-armed, by (item id, variation id)."""
        ...

    async def raise_alerts(self, alerts: Iterable[LowStockAlert]) -> list[LowStockAlert]:
        """Store the alerts whose level has none raised; return those stored (of two
        concurrent checks, one raises each alert)."""
        ...

    async def rearm(self, account_id: int, keys: Iterable[LevelKey]) -> int:
        """Remove the account's raised alerts of these levels; return how many."""
        ...

    async def count_raised(self) -> Mapping[int, int]:
        """Raised alerts per account (accounts without any are left out)."""
        ...
