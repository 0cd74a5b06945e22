from __future__ import annotations

from application.ports.unit_of_work import UnitOfWorkFactory
from domain.accounts import AccountStatus


class CountAccountsByStatus:
    """How many accounts are in each status (for metrics and the dashboard)."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self) -> dict[AccountStatus, int]:
        async with self._uow() as uow:
            accounts = await uow.accounts.list()
        counts = dict.fromkeys(AccountStatus, 0)
        for account in accounts:
            counts[account.status] += 1
        return counts
