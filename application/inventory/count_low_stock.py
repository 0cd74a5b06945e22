from __future__ import annotations

from collections.abc import Mapping

from application.ports.unit_of_work import UnitOfWorkFactory


class CountLowStock:
    """Stock levels under their low-stock threshold (alerts raised, not re-armed yet),
    per account: the `meli_listings_low_stock` gauge."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self) -> Mapping[int, int]:
        async with self._uow() as uow:
            return await uow.stock_alerts.count_raised()
