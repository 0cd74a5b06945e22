from __future__ import annotations

from application.errors import NotFound
from application.inventory.low_stock import check_low_stock
from application.ports.clock import Clock
from application.ports.unit_of_work import UnitOfWorkFactory
from domain.stock_alerts import StockThreshold


class SetStockThreshold:
    """Set the low-stock threshold of an account (every listing without its own) or of
    one of its listings, then check the account's levels against it at once: a level
    already under it raises its alert now, not at the next sync."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(
        self, threshold: int, *, account_id: int | None = None, item_id: str | None = None
    ) -> StockThreshold:
        """Give `account_id` or `item_id` (the listing's account is then its own).
        Raises NotFound for an unknown account or listing; InvalidValue for a threshold
        that is not a positive integer."""
        now = self._clock.now()
        async with self._uow() as uow:
            if item_id is not None:
                listing = await uow.listings.find(item_id)
                if listing is None or listing.removed_at is not None:
                    raise NotFound("listing", item_id)
                account_id = listing.account_id
            assert account_id is not None, "an account or a listing"
            await uow.accounts.get(account_id)
            stored = StockThreshold(account_id, threshold, item_id, now)
            await uow.stock_alerts.set_threshold(stored)
            await check_low_stock(uow, account_id, now)
            await uow.commit()
        return stored
