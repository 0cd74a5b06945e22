from __future__ import annotations

import logging
from datetime import timedelta

from application.accounts.token_vault import TokenVault
from application.errors import (
    ApplicationError,
)
from application.ports.clock import Clock
from application.ports.unit_of_work import UnitOfWorkFactory
from domain.accounts import AccountStatus

log = logging.getLogger(__name__)


class RefreshExpiringTokens:
    """The periodic job: refresh every active account whose token expires before the
    next run, so idle accounts never lapse (MercadoLibre also drops grants of apps that
    make no call for months, §1.3)."""

    def __init__(
        self, uow: UnitOfWorkFactory, vault: TokenVault, clock: Clock, horizon: timedelta
    ) -> None:
        self._uow = uow
        self._vault = vault
        self._clock = clock
        self._horizon = horizon

    async def __call__(self) -> dict[str, int]:
        async with self._uow() as uow:
            accounts = await uow.accounts.list(AccountStatus.ACTIVE)
        deadline = self._clock.now() + self._horizon
        outcome = {"refreshed": 0, "fresh": 0, "failed": 0}
        for account in accounts:
            assert account.id is not None
            if account.token_expires_at is not None and account.token_expires_at > deadline:
                outcome["fresh"] += 1
                continue
            try:
                await self._vault.refresh(account.id, seen_version=None)
                outcome["refreshed"] += 1
            except ApplicationError as error:
                outcome["failed"] += 1
                log.warning("could not refresh account %s: %s", account.id, error)
        return outcome
