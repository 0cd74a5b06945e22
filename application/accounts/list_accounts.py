from __future__ import annotations

from collections.abc import Sequence

from application.ports.unit_of_work import UnitOfWorkFactory
from domain.accounts import Account, AccountStatus


class ListAccounts:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, status: AccountStatus | None = None) -> Sequence[Account]:
        async with self._uow() as uow:
            return await uow.accounts.list(status)
