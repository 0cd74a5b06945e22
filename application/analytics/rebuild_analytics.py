from __future__ import annotations

from application.ports.unit_of_work import UnitOfWorkFactory


class RebuildAnalytics:
    """Recompute the sales roll-up from the stored orders, one account per transaction
    (the account's figures are replaced at once; readers never see half of them).
    Returns the orders read per account. Idempotent: the roll-up kept with the orders
    already equals this; a rebuild mends one after a bulk load outside the service."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, account_id: int | None = None) -> dict[int, int]:
        async with self._uow() as uow:
            ids = (
                [(await uow.accounts.get(account_id)).id]
                if account_id is not None
                else [a.id for a in await uow.accounts.list()]
            )
        read: dict[int, int] = {}
        for one in ids:
            assert one is not None
            async with self._uow() as uow:
                read[one] = await uow.analytics.rebuild(one)
                await uow.commit()
        return read
