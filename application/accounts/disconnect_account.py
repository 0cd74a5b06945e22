from __future__ import annotations

import logging

from application.accounts.token_vault import AccessTokenCache
from application.ports.clock import Clock
from application.ports.unit_of_work import UnitOfWorkFactory
from domain.accounts import (
    Account,
    AccountStatus,
)

log = logging.getLogger(__name__)


class DisconnectAccount:
    """Forget an account's tokens and mark it disconnected; its local data stays.

    Needs only the database (and this process's token cache): an operator disconnects
    from the CLI without a MercadoLibre application configured.
    """

    def __init__(
        self, uow: UnitOfWorkFactory, clock: Clock, tokens: AccessTokenCache | None = None
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._tokens = tokens

    async def __call__(self, account_id: int) -> Account:
        async with self._uow() as uow:
            account = await uow.accounts.get(account_id)
            if account.status is not AccountStatus.DISCONNECTED:
                account.disconnect(self._clock.now())
            await uow.accounts.erase_tokens(account_id)
            await uow.accounts.save(account)
            await uow.commit()
        if self._tokens is not None:
            self._tokens.forget(account_id)
        return account
