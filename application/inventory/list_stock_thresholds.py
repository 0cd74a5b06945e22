from __future__ import annotations

import attrs

from application.ports.unit_of_work import UnitOfWorkFactory
from domain.stock_alerts import LowStockAlert, StockThreshold


@attrs.define(frozen=True)
class StockThresholds:
    """An account's thresholds (its own first, then its listings' by id) and the alerts
    raised under them that are not re-armed yet (oldest first)."""

    thresholds: tuple[StockThreshold, ...]
    alerts: tuple[LowStockAlert, ...]


class ListStockThresholds:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, account_id: int) -> StockThresholds:
        """Raises NotFound for an unknown account."""
        async with self._uow() as uow:
            await uow.accounts.get(account_id)
            thresholds = await uow.stock_alerts.thresholds(account_id)
            raised = await uow.stock_alerts.raised(account_id)
        ordered = sorted(thresholds.values(), key=lambda t: (t.item_id is not None, t.item_id))
        alerts = sorted(
            raised.values(), key=lambda a: (a.raised_at, a.item_id, a.variation_id or 0)
        )
        return StockThresholds(tuple(ordered), tuple(alerts))
