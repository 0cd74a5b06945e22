"""Keeping the local copy of each seller's listings in step with MercadoLibre."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from datetime import datetime

import attrs

from application.accounts import usable_account
from application.errors import (
    ApplicationError,
    Forbidden,
    NotFound,
    RateLimited,
    ScrollExpired,
    Unavailable,
    ValidationFailed,
)
from application.ports.clock import Clock
from application.ports.jobs import Job, JobQueue
from application.ports.marketplace import ListingGateway
from application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from domain.inventory import StockLevel
from domain.listings import Listing
from domain.sync import SyncKind, SyncLog, SyncTrigger

log = logging.getLogger(__name__)


def observed_stock_levels(
    listings: Iterable[Listing],
    existing: dict[str, list[StockLevel]],
    safety_stock: int,
    now: datetime,
) -> list[StockLevel]:
    """Stock levels for listings seen on MercadoLibre that have none locally yet.

    A level that exists is the seller's own count and is left alone (the inventory sync
    reconciles it). A new one starts from what MercadoLibre shows plus the safety stock,
    so that what we would publish equals what is published.
    """
    created = []
    for listing in listings:
        known = {level.variation_id for level in existing.get(listing.item_id, ())}
        slots = (
            [(v.id, v.available_quantity) for v in listing.variations]
            if listing.variations
            else [(None, listing.available_quantity)]
        )
        for variation_id, available in slots:
            if variation_id in known:
                continue
            created.append(
                StockLevel(
                    item_id=listing.item_id,
                    variation_id=variation_id,
                    quantity=available + safety_stock,
                    safety_stock=safety_stock,
                    updated_at=now,
                )
            )
    return created


async def store_observed(
    uow: UnitOfWork, listings: list[Listing], safety_stock: int, now: datetime
) -> tuple[int, int]:
    """Upsert listings as MercadoLibre shows them; return (created, updated)."""
    if not listings:
        return 0, 0
    ids = [listing.item_id for listing in listings]
    known = await uow.listings.find_many(ids)
    await uow.listings.upsert(listings)
    levels = await uow.inventory.for_items(ids)
    await uow.inventory.upsert(observed_stock_levels(listings, levels, safety_stock, now))
    created = sum(1 for item_id in ids if item_id not in known)
    return created, len(ids) - created


class SyncListing:
    """Bring one listing up to date (after an `items` notification, §9.3)."""

    def __init__(
        self, uow: UnitOfWorkFactory, listings: ListingGateway, clock: Clock, safety_stock: int = 0
    ) -> None:
        self._uow = uow
        self._listings = listings
        self._clock = clock
        self._safety_stock = safety_stock

    async def __call__(self, account_id: int, item_id: str) -> Listing | None:
        """The listing as now stored, or None if MercadoLibre no longer has it (it is
        then marked removed). Idempotent."""
        try:
            listing = await self._listings.get_listing(account_id, item_id)
        except NotFound:
            async with self._uow() as uow:
                await uow.listings.mark_removed([item_id], self._clock.now())
                await uow.commit()
            log.info("listing %s is gone from MercadoLibre; marked removed", item_id)
            return None
        async with self._uow() as uow:
            await store_observed(uow, [listing], self._safety_stock, self._clock.now())
            await uow.commit()
        return listing


MULTIGET_SIZE = 20  # §4.11: at most 20 ids per multiget
SCAN_PAGE = 100  # §4.11: at most 100 ids per scan page
CONCURRENT_MULTIGETS = 8
WRITE_BATCH = 500
PROGRESS_EVERY_PAGES = 10

ProgressCallback = Callable[[int, int], None]


@attrs.define
class _Run:
    """The state of one catalogue sync run."""

    account_id: int
    log: SyncLog
    seen: set[str] = attrs.field(factory=set)
    fetched: int = 0
    total: int = 0
    scan_complete: bool = False


class SyncCatalogue:
    """Copy every listing of an account from MercadoLibre at the API's minimum cost.

    Ids come from a scan (100 per page, §4.11), details from multigets of 20 asking only
    for the fields the local copy keeps, so a catalogue of N items costs
    ceil(N/100) + ceil(N/20) calls. Scanning, fetching and writing run as a pipeline with
    bounded queues: the rate limiter is the only bottleneck and memory stays flat
    whatever N is. A scroll that expires mid-run starts a new scan that skips the ids
    already fetched. Listings no longer on MercadoLibre are marked removed, but only
    after a complete scan. Every run is a meli_sync_logs row.
    """

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        listings: ListingGateway,
        clock: Clock,
        safety_stock: int = 0,
        concurrency: int = CONCURRENT_MULTIGETS,
    ) -> None:
        self._uow = uow
        self._listings = listings
        self._clock = clock
        self._safety_stock = safety_stock
        self._concurrency = concurrency

    async def __call__(
        self, account_id: int, trigger: SyncTrigger, progress: ProgressCallback | None = None
    ) -> SyncLog:
        async with self._uow() as uow:
            account = await usable_account(uow, account_id)
            sync_log = await uow.sync_logs.add(
                SyncLog(SyncKind.PRODUCTS, trigger, self._clock.now(), account_id=account_id)
            )
            await uow.commit()
        run = _Run(account_id, sync_log)
        failure: str | None = None
        try:
            await self._pipeline(run, account.seller_id, progress)
        except* ApplicationError as group:
            failure = "; ".join(f"{type(e).__name__}: {e}" for e in group.exceptions)
            log.warning("catalogue sync of account %s failed: %s", account_id, failure)
        else:
            if run.scan_complete:
                await self._mark_disappeared(run)
        run.log.finish(self._clock.now(), failure)
        await self._save_log(run)
        return run.log

    async def _pipeline(self, run: _Run, seller_id: int, progress: ProgressCallback | None) -> None:
        chunks: asyncio.Queue[list[str] | None] = asyncio.Queue(maxsize=self._concurrency * 4)
        results: asyncio.Queue[list[Listing] | None] = asyncio.Queue(maxsize=self._concurrency * 4)

        # One failing stage cancels the others (and the scan), so a dead fetcher can
        # never leave the scan blocked on a full queue.
        async with asyncio.TaskGroup() as group:
            fetchers = [
                group.create_task(self._fetch(run, chunks, results))
                for _ in range(self._concurrency)
            ]
            group.create_task(self._write(run, results, progress))
            await self._scan(run, seller_id, chunks)
            for _ in fetchers:
                await chunks.put(None)
            await asyncio.wait(fetchers)
            await results.put(None)

    async def _scan(
        self, run: _Run, seller_id: int, chunks: asyncio.Queue[list[str] | None]
    ) -> None:
        scroll_id: str | None = None
        restarts = 0
        pages = 0
        while True:
            try:
                page = await self._listings.scan_item_ids(
                    run.account_id, seller_id, scroll_id, SCAN_PAGE
                )
            except ScrollExpired:
                # §4.11: a scroll lives 5 minutes. Start over; ids already fetched in
                # this run are skipped, so no detail is fetched twice.
                restarts += 1
                run.log.count("scan_restarts")
                if restarts > 3:
                    raise
                scroll_id = None
                continue
            run.log.api_calls += 1
            pages += 1
            run.total = max(run.total, page.total)
            fresh = [item_id for item_id in page.item_ids if item_id not in run.seen]
            run.seen.update(fresh)
            for start in range(0, len(fresh), MULTIGET_SIZE):
                await chunks.put(fresh[start : start + MULTIGET_SIZE])
            # The end: MercadoLibre sends an empty page with a null scroll (§4.11); we stop
            # one call earlier when the page is short or every id announced has come.
            if (
                page.scroll_id is None
                or len(page.item_ids) < SCAN_PAGE
                or len(run.seen) >= page.total
            ):
                run.scan_complete = True
                run.log.count("scanned", len(run.seen))
                return
            scroll_id = page.scroll_id

    async def _fetch(
        self,
        run: _Run,
        chunks: asyncio.Queue[list[str] | None],
        results: asyncio.Queue[list[Listing] | None],
    ) -> None:
        while (ids := await chunks.get()) is not None:
            try:
                found = await self._listings.get_listings(run.account_id, ids)
            except (RateLimited, Unavailable, Forbidden, ValidationFailed) as error:
                run.log.record_error(f"{ids[0]}..{ids[-1]} ({len(ids)} ids): {error}")
                continue
            finally:
                run.log.api_calls += 1
            missing = len(ids) - len(found)
            if missing:
                run.log.count("vanished_while_syncing", missing)
            await results.put(list(found.values()))

    async def _write(
        self,
        run: _Run,
        results: asyncio.Queue[list[Listing] | None],
        progress: ProgressCallback | None,
    ) -> None:
        batch: list[Listing] = []
        written_batches = 0
        while (listings := await results.get()) is not None:
            batch.extend(listings)
            if len(batch) >= WRITE_BATCH:
                await self._store(run, batch)
                batch = []
                written_batches += 1
                if progress:
                    progress(run.fetched, run.total)
                if written_batches % PROGRESS_EVERY_PAGES == 0:
                    await self._save_log(run)
        await self._store(run, batch)
        if progress:
            progress(run.fetched, run.total)

    async def _store(self, run: _Run, listings: list[Listing]) -> None:
        if not listings:
            return
        async with self._uow() as uow:
            created, updated = await store_observed(
                uow, listings, self._safety_stock, self._clock.now()
            )
            await uow.commit()
        run.fetched += len(listings)
        run.log.count("fetched", len(listings))
        run.log.count("created", created)
        run.log.count("updated", updated)

    async def _mark_disappeared(self, run: _Run) -> None:
        async with self._uow() as uow:
            gone = await uow.listings.item_ids(run.account_id) - run.seen
            removed = await uow.listings.mark_removed(gone, self._clock.now())
            await uow.commit()
        run.log.count("removed", removed)

    async def _save_log(self, run: _Run) -> None:
        async with self._uow() as uow:
            await uow.sync_logs.save(run.log)
            await uow.commit()


class RequestSync:
    """Queue a sync job for an account (the manual trigger of the REST API)."""

    def __init__(self, uow: UnitOfWorkFactory, queue: JobQueue, actor: str) -> None:
        self._uow = uow
        self._queue = queue
        self._actor = actor

    async def __call__(self, account_id: int) -> None:
        async with self._uow() as uow:
            await usable_account(uow, account_id)
        await self._queue.enqueue(
            Job(self._actor, {"account_id": account_id, "trigger": SyncTrigger.API.value})
        )
