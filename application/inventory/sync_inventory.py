from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime

import attrs

from application.accounts.usable import usable_account
from application.errors import ApplicationError
from application.inventory.stock_writer import Key, StockWriter, shown_quantities
from application.ports.clock import Clock
from application.ports.listing_gateway import ListingGateway, StockSnapshot
from application.ports.unit_of_work import UnitOfWorkFactory
from application.sync_logs.requests import read_slice
from application.sync_logs.runs import SyncRuns
from domain.inventory import (
    REPAIR_SOURCE,
    StockOutcome,
    StockRequest,
)
from domain.sync import SyncKind, SyncLog, SyncTrigger

log = logging.getLogger(__name__)


@attrs.define
class _Drift:
    checked: int = 0
    in_sync: int = 0
    adopted: int = 0  # MercadoLibre showed less (sales): the local count follows it
    pushed: int = 0  # MercadoLibre showed more: our lower figure is published
    changed_meanwhile: int = 0  # written after the snapshot: left for the next run
    # Levels of stock MercadoLibre no longer has (the item-level count of a listing that
    # now has variations, or the other way round): removed, the ledger kept.
    retired: int = 0


class SyncInventory:
    """Read stock only (multiget with the stock fields, 20 ids per call, §4.11) and
    repair drift between the local ledger and MercadoLibre without ever overselling:
    when MercadoLibre shows less than we would publish, units were sold there and the
    local count follows; when it shows more, our figure is published.

    Both repairs go through the StockWriter under the item's lock and only touch levels
    unchanged since the snapshot was read, so a concurrent stock write always wins; so
    does the removal of levels for stock MercadoLibre no longer shows (its variations
    changed, §4.6). Stock it shows without a local level is counted
    (`without_local_level`): the catalogue sync, which reads the whole listing, creates
    those levels.
    A run asked for a slice (the quota plan's, see domain.quota_plan) checks the stored
    listings of that slice only.
    The sync log is always finished: failed when an error stops the run (an
    ApplicationError is recorded; any other error is recorded and propagates).
    """

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        listings: ListingGateway,
        writer: StockWriter,
        clock: Clock,
        runs: SyncRuns | None = None,
    ) -> None:
        self._uow = uow
        self._listings = listings
        self._writer = writer
        self._clock = clock
        self._runs = runs or SyncRuns(uow, clock)

    async def __call__(
        self,
        account_id: int,
        trigger: SyncTrigger,
        log_id: int | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> SyncLog | None:
        """The ended log; None when there was nothing to run (see SyncRuns.begin).
        `progress` is told (listings checked, listings to check) after every multiget
        (the CLI's bar)."""
        if log_id is None:
            async with self._uow() as uow:
                await usable_account(uow, account_id)
        sync_log = await self._runs.begin(SyncKind.INVENTORY, trigger, account_id, log_id)
        if sync_log is None:
            return None
        drift = _Drift()

        async def reconcile() -> None:
            async with self._uow() as uow:
                await usable_account(uow, account_id)
                part = read_slice(sync_log)
                item_ids = sorted(
                    i for i in await uow.listings.item_ids(account_id) if part.holds(i)
                )
            try:
                for start in range(0, len(item_ids), 20):
                    chunk = item_ids[start : start + 20]
                    # Taken before the call: MercadoLibre's answer shows at least what was
                    # written up to this time.
                    snapshot_at = self._clock.now()
                    snapshots = await self._listings.get_stock(account_id, chunk)
                    sync_log.api_calls += 1
                    await self._reconcile(chunk, snapshots, snapshot_at, drift, sync_log)
                    if progress is not None:
                        progress(start + len(chunk), len(item_ids))
            finally:
                for name, value in attrs.asdict(drift).items():
                    sync_log.count(name, value)

        return await self._runs.run_logged(sync_log, reconcile)

    async def _reconcile(
        self,
        chunk: list[str],
        snapshots: dict[str, StockSnapshot],
        snapshot_at: datetime,
        drift: _Drift,
        sync_log: SyncLog,
    ) -> None:
        follow: dict[str, dict[Key, int]] = defaultdict(dict)
        push: dict[str, list[StockRequest]] = defaultdict(list)
        retire: dict[str, set[Key]] = {}
        async with self._uow() as uow:
            levels = await uow.inventory.for_items(chunk)
        for item_id in chunk:
            snapshot = snapshots.get(item_id)
            if snapshot is None:
                sync_log.count("missing_on_mercadolibre")
                continue
            shown = shown_quantities(snapshot)
            keys = {level.variation_id for level in levels.get(item_id, ())}
            if keys - shown.keys():
                retire[item_id] = set(shown)
            if shown.keys() - keys:
                sync_log.count("without_local_level", len(shown.keys() - keys))
            for level in levels.get(item_id, ()):
                if level.variation_id not in shown:
                    continue
                drift.checked += 1
                available = shown[level.variation_id]
                if available == level.publishable:
                    drift.in_sync += 1
                elif available < level.publishable:
                    follow[item_id][level.variation_id] = available
                else:
                    push[item_id].append(StockRequest(item_id, level.quantity, level.variation_id))
        for item_id, keys in retire.items():
            try:
                retired, skipped = await self._writer.retire(item_id, keys, snapshot_at)
            except ApplicationError as error:
                sync_log.record_error(f"{item_id}: {type(error).__name__}: {error}")
                continue
            drift.retired += retired
            drift.changed_meanwhile += skipped
        for item_id, available in follow.items():
            try:
                adopted, skipped = await self._writer.follow(item_id, available, snapshot_at)
            except ApplicationError as error:
                sync_log.record_error(f"{item_id}: {type(error).__name__}: {error}")
                continue
            drift.adopted += adopted
            drift.changed_meanwhile += skipped
        for item_id, requests in push.items():
            write = await self._writer.apply(
                item_id, requests, snapshot_at, REPAIR_SOURCE, unchanged_since=snapshot_at
            )
            # Counted from what the writer did, not from what was planned: a level written
            # between the snapshot and the repair is SUPERSEDED and left alone.
            for result in write.results:
                if result.outcome in (StockOutcome.APPLIED, StockOutcome.UNCHANGED):
                    drift.pushed += 1
                elif result.outcome is StockOutcome.SUPERSEDED:
                    drift.changed_meanwhile += 1
                else:
                    sync_log.record_error(f"{item_id}/{result.variation_id}: {result.reason}")
