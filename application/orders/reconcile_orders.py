from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta

from application.accounts.usable import usable_account
from application.errors import ValidationFailed
from application.orders.record_orders import OrderReader, store_reads
from application.ports.clock import Clock
from application.ports.order_gateway import SEARCH_LIMIT, OrderGateway
from application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from application.queries import Paging, SyncLogQuery
from application.sync_logs.runs import SyncRuns
from domain.accounts import Account
from domain.orders import Order
from domain.shipments import Shipment
from domain.sync import SyncKind, SyncLog, SyncStatus, SyncTrigger

log = logging.getLogger(__name__)

# MercadoLibre compares the window's ends in milliseconds (§5.3's date format).
TICK = timedelta(milliseconds=1)

Progress = Callable[[int, int], None]  # (orders read so far, orders the window holds)


class ReconcileOrders:
    """Store every order of the account changed since the last successful run (with an
    overlap), or, on connecting and on the first run, in the last `backfill_days` days,
    with one read of each distinct shipment and pack they name.

    GET /orders/search?seller=&order.date_last_updated.from=&.to=&sort=date_asc (§5.3),
    paged by offset, 51 a page (§13 [INF]: MercadoLibre serves no more). The offset cap
    is undocumented: when MercadoLibre refuses an offset the window has more changed
    orders than it will page through, so the window is split in two and each half read
    whole (never skipping an order; reads already stored are not older and change
    nothing). An order whose stored copy is already this version (a notification read
    it, with its shipment and pack) costs nothing more: only the search page. Every run
    is a meli_sync_logs row (kind orders) with its counts.
    """

    OVERLAP = timedelta(minutes=10)
    PAGE = SEARCH_LIMIT

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        gateway: OrderGateway,
        clock: Clock,
        runs: SyncRuns | None = None,
        backfill_days: int = 60,
    ) -> None:
        self._uow = uow
        self._gateway = gateway
        self._reader = OrderReader(gateway, clock)
        self._clock = clock
        self._runs = runs or SyncRuns(uow, clock)
        self._backfill = timedelta(days=backfill_days)
        self._progress: Progress | None = None
        self._seen: set[tuple[str, int]] = set()

    async def __call__(
        self,
        account_id: int,
        trigger: SyncTrigger,
        log_id: int | None = None,
        progress: Progress | None = None,
    ) -> SyncLog | None:
        """The ended log; None when there was nothing to run (see SyncRuns.begin).
        `progress` is told how far the run got after every page (the CLI's bar)."""
        self._progress = progress
        self._seen: set[tuple[str, int]] = set()  # shipments and packs read in this run
        if log_id is None:
            async with self._uow() as uow:
                await usable_account(uow, account_id)
        sync_log = await self._runs.begin(SyncKind.ORDERS, trigger, account_id, log_id)
        if sync_log is None:
            return None

        async def read() -> None:
            async with self._uow() as uow:
                account = await usable_account(uow, account_id)
                since = await self._since(uow, account_id, sync_log.started_at, trigger)
            await self._window(account, since, self._clock.now(), sync_log)

        return await self._runs.run_logged(sync_log, read)

    async def _since(
        self, uow: UnitOfWork, account_id: int, now: datetime, trigger: SyncTrigger
    ) -> datetime:
        if trigger is not SyncTrigger.CONNECT:
            runs = await uow.sync_logs.search(
                SyncLogQuery(
                    account_id=account_id, kind=SyncKind.ORDERS.value, paging=Paging(0, 20)
                )
            )
            for run in runs.items:
                if run.status is SyncStatus.SUCCEEDED:
                    return run.started_at - self.OVERLAP
        return now - self._backfill

    async def _changed(self, found: Sequence[Order]) -> list[Order]:
        """The orders of a search page the local copy does not hold yet: a notification
        (which reads the order with its shipment and pack) may have stored the same
        version already; those, with their shipment stored, cost no read of their parts
        and no write. The rest are read and stored whole, as before."""
        if not found:
            return []
        async with self._uow() as uow:
            stored = await uow.orders.find_many(o.id for o in found)
            shipments = await uow.shipments.find_many(
                {o.shipping_id for o in found if o.shipping_id and o.id in stored}
            )
        return [order for order in found if not _current(order, stored.get(order.id), shipments)]

    async def _window(
        self, account: Account, start: datetime, end: datetime, sync_log: SyncLog
    ) -> None:
        assert account.id is not None
        offset = 0
        while True:
            try:
                page = await self._gateway.search_orders(
                    account.id, account.seller_id, start, end, offset, self.PAGE
                )
            except ValidationFailed:
                if offset == 0 or end - start < 2 * TICK:
                    raise
                # MercadoLibre pages no deeper into this window: read it in halves.
                sync_log.count("windows_split")
                middle = start + (end - start) / 2
                middle -= timedelta(microseconds=middle.microsecond % 1000)
                await self._window(account, start, middle, sync_log)
                await self._window(account, middle + TICK, end, sync_log)
                return
            finally:
                sync_log.api_calls += 1
            for reason in page.unreadable:
                sync_log.record_error(reason)  # that order's error, not the run's
            changed = await self._changed(page.orders)
            reads = await self._reader.with_parts(account.id, changed, self._seen)
            sync_log.api_calls += len(reads.shipments) + len(reads.packs)
            async with self._uow() as uow:
                counts = await store_reads(uow, reads)
                await uow.commit()
            sync_log.count("fetched", len(page.orders))
            if len(changed) < len(page.orders):
                sync_log.count("already_current", len(page.orders) - len(changed))
            for name, value in counts.items():
                if value:
                    sync_log.count(name, value)
            offset += len(page.orders) + len(page.unreadable)
            if self._progress is not None:
                self._progress(offset, page.total)
            if offset >= page.total or not (page.orders or page.unreadable):
                return


def _current(order: Order, stored: Order | None, shipments: Mapping[int, Shipment]) -> bool:
    """Whether the stored copy is this very version (or a later one) of the order, with
    the same shipment and pack and that shipment stored."""
    return (
        stored is not None
        and order.last_updated is not None
        and stored.last_updated is not None
        and stored.last_updated >= order.last_updated
        and stored.shipping_id == order.shipping_id
        and stored.pack_id == order.pack_id
        and (order.shipping_id is None or order.shipping_id in shipments)
    )
