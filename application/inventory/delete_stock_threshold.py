from __future__ import annotations

from application.errors import NotFound
from application.inventory.low_stock import check_low_stock
from application.ports.clock import Clock
from application.ports.unit_of_work import UnitOfWorkFactory


class DeleteStockThreshold:
    """Remove the threshold of an account or of a listing; the alerts it no longer
    covers are re-armed (a listing then falls back on its account's threshold)."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, *, account_id: int | None = None, item_id: str | None = None) -> None:
        """Raises NotFound when there is no such threshold (or account, or listing)."""
        now = self._clock.now()
        async with self._uow() as uow:
            if item_id is not None:
                listing = await uow.listings.find(item_id)
                if listing is None:
                    raise NotFound("listing", item_id)
                account_id = listing.account_id
            assert account_id is not None, "an account or a listing"
            await uow.accounts.get(account_id)
            if not await uow.stock_alerts.delete_threshold(account_id, item_id):
                raise NotFound("stock threshold", item_id or f"of account {account_id}")
            await check_low_stock(uow, account_id, now)
            await uow.commit()
