from __future__ import annotations

from application.ports.unit_of_work import UnitOfWorkFactory
from domain.accounts import Account


class GetAccount:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, account_id: int) -> Account:
        """Raises NotFound."""
        async with self._uow() as uow:
            return await uow.accounts.get(account_id)
