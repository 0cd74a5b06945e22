from __future__ import annotations

import logging
from datetime import timedelta

from application.errors import ApplicationError
from application.ports.analytics_gateway import MAX_VISIT_IDS, AnalyticsGateway
from application.ports.clock import Clock
from application.ports.repositories.analytics import SELLER_VISITS
from application.ports.unit_of_work import UnitOfWorkFactory
from application.queries import ListingQuery, Paging
from domain.accounts import AccountStatus
from domain.listings import ListingStatus
from domain.sites import site

log = logging.getLogger(__name__)
PAGE = 200


class RecordVisits:
    """Read and store the visits of the last `days` complete days (the seller's local
    days, yesterday backwards), for every active account: the seller's total and each
    active listing's, MAX_VISIT_IDS listings a call. Idempotent (a day read twice is
    replaced); an account MercadoLibre refuses is logged and the others go on. Returns
    the days stored per account."""

    def __init__(self, uow: UnitOfWorkFactory, gateway: AnalyticsGateway, clock: Clock) -> None:
        self._uow = uow
        self._gateway = gateway
        self._clock = clock

    async def __call__(self, days: int = 2) -> dict[int, int]:
        async with self._uow() as uow:
            accounts = await uow.accounts.list(AccountStatus.ACTIVE)
        stored: dict[int, int] = {}
        for account in accounts:
            assert account.id is not None
            try:
                stored[account.id] = await self._account(
                    account.id, account.seller_id, account.site_id, days
                )
            except ApplicationError as error:
                log.warning("visits of account %s not read: %s", account.id, error)
        return stored

    async def _account(self, account_id: int, seller_id: int, site_id: str, days: int) -> int:
        item_ids = await self._active_listings(account_id)
        today = self._clock.now().astimezone(site(site_id).zone).date()
        for back in range(1, days + 1):
            day = today - timedelta(days=back)
            visits = {SELLER_VISITS: await self._gateway.seller_visits(account_id, seller_id, day)}
            for start in range(0, len(item_ids), MAX_VISIT_IDS):
                part = item_ids[start : start + MAX_VISIT_IDS]
                visits.update(await self._gateway.item_visits(account_id, part, day))
            async with self._uow() as uow:
                await uow.analytics.store_visits(account_id, day, visits, self._clock.now())
                await uow.commit()
        return days

    async def _active_listings(self, account_id: int) -> list[str]:
        found: list[str] = []
        offset = 0
        while True:
            async with self._uow() as uow:
                page = await uow.listings.search(
                    ListingQuery(
                        account_id=account_id,
                        status=ListingStatus.ACTIVE.value,
                        paging=Paging(offset, PAGE),
                    )
                )
            found += [listing.item_id for listing in page.items]
            offset += PAGE
            if offset >= page.total or not page.items:
                return found
