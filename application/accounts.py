"""Use cases reading connected accounts (never their tokens)."""

from __future__ import annotations

from collections.abc import Sequence

from application.errors import ReauthorizationRequired
from application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from domain.accounts import Account, AccountStatus


class ListAccounts:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, status: AccountStatus | None = None) -> Sequence[Account]:
        async with self._uow() as uow:
            return await uow.accounts.list(status)


class GetAccount:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, account_id: int) -> Account:
        """Raises NotFound."""
        async with self._uow() as uow:
            return await uow.accounts.get(account_id)


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


def require_usable(account: Account) -> Account:
    """The account, if MercadoLibre can be called for it; else ReauthorizationRequired."""
    if not account.is_usable:
        assert account.id is not None
        raise ReauthorizationRequired(account.id, account.status_reason or account.status.value)
    return account


async def usable_account(uow: UnitOfWork, account_id: int) -> Account:
    """Read an account that can be used. Raises NotFound or ReauthorizationRequired."""
    return require_usable(await uow.accounts.get(account_id))
