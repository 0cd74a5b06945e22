from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

import attrs

from application.accounts.usable import usable_account
from application.ports.clock import Clock
from application.ports.marketplace import Marketplace
from application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from application.queries import Paging, SyncLogQuery
from application.sync_logs.runs import SyncRuns
from domain.accounts import Account
from domain.resources import ResourceSnapshot
from domain.sync import SyncKind, SyncLog, SyncStatus, SyncTrigger

log = logging.getLogger(__name__)


async def store_snapshots(
    uow_factory: UnitOfWorkFactory,
    sync_log: SyncLog,
    snapshots: Iterable[ResourceSnapshot],
    topic: str,
    account_id: int,
) -> None:
    async with uow_factory() as uow:
        for snapshot in snapshots:
            stored = await uow.resources.upsert(
                attrs.evolve(snapshot, topic=topic, account_id=account_id)
            )
            sync_log.count("fetched")
            sync_log.count("stored" if stored else "older_than_stored")
        await uow.commit()


class ReconcileOrders:
    """Store every order of the account changed since the last successful run (with an
    overlap), or in the last week on the first run, as snapshots of /orders/{id}.

    GET /orders/search?seller=&order.date_last_updated.from=&sort=date_asc (§5.3), paged
    by offset; every run is a meli_sync_logs row (kind orders) with its counts.
    """

    LOOKBACK = timedelta(days=7)
    OVERLAP = timedelta(minutes=10)
    PAGE = 50  # §5.3: the default; the maximum is undocumented (§13)
    MAX_PAGES = 200

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        marketplace: Marketplace,
        clock: Clock,
        runs: SyncRuns | None = None,
    ) -> None:
        self._uow = uow
        self._marketplace = marketplace
        self._clock = clock
        self._runs = runs or SyncRuns(uow, clock)

    async def __call__(
        self, account_id: int, trigger: SyncTrigger, log_id: int | None = None
    ) -> SyncLog | None:
        """The ended log; None when there was nothing to run (see SyncRuns.begin)."""
        if log_id is None:
            async with self._uow() as uow:
                await usable_account(uow, account_id)
        sync_log = await self._runs.begin(SyncKind.ORDERS, trigger, account_id, log_id)
        if sync_log is None:
            return None

        async def read() -> None:
            async with self._uow() as uow:
                account = await usable_account(uow, account_id)
                since = await self._since(uow, account_id, sync_log.started_at)
            await self._read(account, since, sync_log)

        return await self._runs.run_logged(sync_log, read)

    async def _since(self, uow: UnitOfWork, account_id: int, now: datetime) -> datetime:
        runs = await uow.sync_logs.search(
            SyncLogQuery(account_id=account_id, kind=SyncKind.ORDERS.value, paging=Paging(0, 20))
        )
        for run in runs.items:
            if run.status is SyncStatus.SUCCEEDED:
                return run.started_at - self.OVERLAP
        return now - self.LOOKBACK

    async def _read(self, account: Account, since: datetime, sync_log: SyncLog) -> None:
        assert account.id is not None
        offset = 0
        for _ in range(self.MAX_PAGES):
            page = await self._marketplace.search_order_snapshots(
                account.id, account.seller_id, since, offset, self.PAGE
            )
            sync_log.api_calls += 1
            await store_snapshots(self._uow, sync_log, page.snapshots, "orders_v2", account.id)
            offset += len(page.snapshots)
            if not page.snapshots or offset >= page.total:
                return
        sync_log.count("truncated")
