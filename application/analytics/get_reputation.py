from __future__ import annotations

import attrs

from application.errors import ApplicationError, NotFound
from application.ports.analytics_gateway import AnalyticsGateway
from application.ports.events import BusinessGauges
from application.ports.unit_of_work import UnitOfWorkFactory
from domain.accounts import AccountStatus
from domain.reputation import Reputation


@attrs.define(frozen=True)
class AccountReputation:
    account_id: int
    nickname: str
    reputation: Reputation | None
    error: str | None = None  # why MercadoLibre could not be read


class GetReputation:
    """Each connected account's reputation as MercadoLibre shows it now (§3, one call per
    account): its level, power-seller status, and claims, delayed handling and
    cancellations against the green level's limits. An account MercadoLibre does not
    answer for carries the reason instead; the others are still shown. The levels read
    are reported to the gauges (the metrics show the latest read)."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        gateway: AnalyticsGateway,
        gauges: BusinessGauges | None = None,
    ) -> None:
        self._uow = uow
        self._gateway = gateway
        self._gauges = gauges

    async def __call__(self, account_id: int | None = None) -> list[AccountReputation]:
        async with self._uow() as uow:
            accounts = [
                a for a in await uow.accounts.list() if a.status is not AccountStatus.DISCONNECTED
            ]
        if account_id is not None:
            accounts = [a for a in accounts if a.id == account_id]
            if not accounts:
                raise NotFound("account", account_id)
        found = []
        for account in accounts:
            assert account.id is not None
            try:
                reputation = await self._gateway.seller_reputation(account.id, account.seller_id)
            except ApplicationError as error:
                found.append(
                    AccountReputation(
                        account.id, account.nickname, None, f"{type(error).__name__}: {error}"
                    )
                )
                continue
            found.append(AccountReputation(account.id, account.nickname, reputation))
        if self._gauges is not None:
            self._gauges.reputation(
                {f.account_id: f.reputation.level for f in found if f.reputation is not None}
            )
        return found
