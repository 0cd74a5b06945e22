from __future__ import annotations

import logging

from application.errors import ApplicationError
from application.ports.analytics_gateway import AnalyticsGateway
from application.ports.clock import Clock
from application.ports.events import BusinessGauges
from application.ports.unit_of_work import UnitOfWorkFactory
from domain.accounts import AccountStatus

log = logging.getLogger(__name__)


class RecordReputations:
    """Read and store every active account's reputation (§3 GET /users/{id}, one call per
    account, a periodic call in the quota plan), so that the metrics of every process
    show each seller's level as last read, whether or not anyone opened
    GET /analytics/reputation. Idempotent (a read replaces the last one); an account
    MercadoLibre refuses is logged, keeps its last stored reading, and the others go on.
    Returns the level read per account (None: the seller has no level yet)."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        gateway: AnalyticsGateway,
        clock: Clock,
        gauges: BusinessGauges | None = None,
    ) -> None:
        self._uow = uow
        self._gateway = gateway
        self._clock = clock
        self._gauges = gauges

    async def __call__(self) -> dict[int, int | None]:
        async with self._uow() as uow:
            accounts = await uow.accounts.list(AccountStatus.ACTIVE)
        levels: dict[int, int | None] = {}
        for account in accounts:
            assert account.id is not None
            try:
                reputation = await self._gateway.seller_reputation(account.id, account.seller_id)
            except ApplicationError as error:
                log.warning("reputation of account %s not read: %s", account.id, error)
                continue
            async with self._uow() as uow:
                await uow.analytics.store_reputation(account.id, reputation, self._clock.now())
                await uow.commit()
            levels[account.id] = reputation.level
        if self._gauges is not None and levels:
            self._gauges.reputation(levels)
        return levels
