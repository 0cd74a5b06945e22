"""Reading resources MercadoLibre pointed at, and reconciliation: the periodic passes that
catch what notifications never announced (a topic switched off, §9.4; a notification
lost past the two days of missed feeds, §9.5)."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from urllib.parse import parse_qsl

import attrs

from application.accounts import usable_account
from application.errors import NotFound
from application.ports.clock import Clock
from application.ports.jobs import Job, JobQueue
from application.ports.marketplace import Marketplace, SnapshotPage
from application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from application.queries import Paging, SyncLogQuery
from application.sync_logs import run_logged
from domain.accounts import Account, AccountStatus
from domain.resources import ResourceSnapshot
from domain.sync import SyncKind, SyncLog, SyncStatus, SyncTrigger

log = logging.getLogger(__name__)

SYNC_ORDERS = "sync_orders"
SYNC_QUESTIONS = "sync_questions"
FAN_OUT = "fan_out"


def resource_request(topic: str, resource: str) -> tuple[str, dict[str, str]]:
    """The path and query to GET for a notification's resource (§9.3).

    Questions ask for the current shape (`api_version=4`, §7); every `/messages` call needs
    `tag=post_sale` (§8); claims notified under the legacy `claims` topic are read at
    their current address under /post-purchase (§9.3). Anything else is read as given,
    its query string (items_prices: `?context=`) passed as parameters.
    """
    path, _, query = resource.partition("?")
    params = dict(parse_qsl(query, keep_blank_values=True))
    resource_id = path.rstrip("/").rsplit("/", 1)[-1]
    if topic == "questions":
        params.setdefault("api_version", "4")
    elif topic == "messages":
        if not path.startswith("/messages/"):
            path = f"/messages/{resource_id}"
        params.setdefault("tag", "post_sale")
    elif topic in ("claims", "post_purchase") and not path.startswith("/post-purchase/"):
        path = f"/post-purchase/v1/claims/{resource_id}"
    return path, params


class RecordResource:
    """Read the resource a notification points at and keep it as a snapshot (for the
    topics that have no model of their own yet). Idempotent: an older read never
    replaces a newer one."""

    def __init__(self, uow: UnitOfWorkFactory, marketplace: Marketplace) -> None:
        self._uow = uow
        self._marketplace = marketplace

    async def read(self, account_id: int, topic: str, resource: str) -> ResourceSnapshot:
        """GET the resource with the account's token. Raises the gateway's errors."""
        path, params = resource_request(topic, resource)
        snapshot = await self._marketplace.fetch_resource(account_id, path, params or None)
        return attrs.evolve(snapshot, topic=topic, account_id=account_id)

    async def __call__(self, account_id: int, topic: str, resource: str) -> ResourceSnapshot:
        snapshot = await self.read(account_id, topic, resource)
        async with self._uow() as uow:
            await uow.resources.upsert(snapshot)
            await uow.commit()
        return snapshot


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

    def __init__(self, uow: UnitOfWorkFactory, marketplace: Marketplace, clock: Clock) -> None:
        self._uow = uow
        self._marketplace = marketplace
        self._clock = clock

    async def __call__(self, account_id: int, trigger: SyncTrigger) -> SyncLog:
        now = self._clock.now()
        async with self._uow() as uow:
            account = await usable_account(uow, account_id)
            since = await self._since(uow, account_id, now)
            sync_log = await uow.sync_logs.add(
                SyncLog(SyncKind.ORDERS, trigger, now, account_id=account_id)
            )
            await uow.commit()
        return await run_logged(
            self._uow, self._clock, sync_log, lambda: self._read(account, since, sync_log)
        )

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


class ReconcileQuestions:
    """Keep snapshots of /questions/{id} for the account's unanswered questions and its
    most recent ones (GET /questions/search?seller_id=&api_version=4, §7), within the 1000
    results offset paging reaches (§4.11). Every run is a meli_sync_logs row (kind
    questions).

    Search results are a shorter shape than GET /questions/{id} (`from` instead of
    `buyer_id`, no `last_updated` or `app_id`, §7), so they only say what changed: a
    question whose status and answer match the stored snapshot is left alone (counted
    `unchanged`), and the others are read whole and stored, as a notification would.
    """

    PAGE = 50
    RECENT_PAGES = 4
    MAX_OFFSET = 1000

    def __init__(self, uow: UnitOfWorkFactory, marketplace: Marketplace, clock: Clock) -> None:
        self._uow = uow
        self._marketplace = marketplace
        self._clock = clock
        self._record = RecordResource(uow, marketplace)

    async def __call__(self, account_id: int, trigger: SyncTrigger) -> SyncLog:
        now = self._clock.now()
        async with self._uow() as uow:
            account = await usable_account(uow, account_id)
            sync_log = await uow.sync_logs.add(
                SyncLog(SyncKind.QUESTIONS, trigger, now, account_id=account_id)
            )
            await uow.commit()

        async def both_passes() -> None:
            await self._pass(account, sync_log, "UNANSWERED", self.MAX_OFFSET // self.PAGE)
            await self._pass(account, sync_log, None, self.RECENT_PAGES)

        return await run_logged(self._uow, self._clock, sync_log, both_passes)

    async def _pass(
        self, account: Account, sync_log: SyncLog, status: str | None, pages: int
    ) -> None:
        assert account.id is not None
        offset = 0
        for _ in range(pages):
            page: SnapshotPage = await self._marketplace.search_question_snapshots(
                account.id, account.seller_id, offset, self.PAGE, status
            )
            sync_log.api_calls += 1
            for path in await self._changed(page.snapshots, sync_log):
                try:
                    await self._record(account.id, "questions", path)
                except NotFound:
                    sync_log.count("gone")
                    continue
                finally:
                    sync_log.api_calls += 1
                sync_log.count("stored")
            offset += len(page.snapshots)
            if not page.snapshots or offset >= min(page.total, self.MAX_OFFSET):
                return

    async def _changed(self, found: Iterable[ResourceSnapshot], sync_log: SyncLog) -> list[str]:
        changed: list[str] = []
        async with self._uow() as uow:
            for snapshot in found:
                sync_log.count("fetched")
                stored = await uow.resources.find(snapshot.path)
                if stored is not None and all(
                    stored.body.get(key) == snapshot.body.get(key) for key in ("status", "answer")
                ):
                    sync_log.count("unchanged")
                else:
                    changed.append(snapshot.path)
        return changed


class FanOut:
    """Queue one job per active account (the periodic per-account syncs)."""

    def __init__(self, uow: UnitOfWorkFactory, queue: JobQueue) -> None:
        self._uow = uow
        self._queue = queue

    async def __call__(
        self, actor: str, trigger: str, extra: Mapping[str, str | int] | None = None
    ) -> int:
        async with self._uow() as uow:
            accounts = await uow.accounts.list(AccountStatus.ACTIVE)
        for account in accounts:
            await self._queue.enqueue(
                Job(actor, {"account_id": account.id, "trigger": trigger, **(extra or {})})
            )
        return len(accounts)
