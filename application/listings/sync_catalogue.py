"""Keeping the local copy of each seller's listings in step with MercadoLibre."""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Callable, Mapping
from datetime import datetime

import attrs

from application.accounts.usable import usable_account
from application.cancellation import cancellation_kept, run_stages
from application.errors import (
    ApplicationError,
    Forbidden,
    RateLimited,
    ScrollExpired,
    Unavailable,
    ValidationFailed,
)
from application.inventory.low_stock import check_low_stock
from application.listings.changed_first import changed_since_last_run
from application.listings.latest_changed import LatestChanged, freshness
from application.listings.observed import store_observed
from application.ports.clock import Clock
from application.ports.listing_gateway import ListingGateway
from application.ports.unit_of_work import UnitOfWorkFactory
from application.sync_logs.recording import describe
from application.sync_logs.requests import read_slice
from application.sync_logs.runs import SyncRuns
from domain.listings import Listing
from domain.quota_plan import WHOLE, ReadSlice
from domain.sync import SyncKind, SyncLog, SyncTrigger

log = logging.getLogger(__name__)


MULTIGET_SIZE = 20  # §4.11: at most 20 ids per multiget


EXTRA_SCAN_PAGES = 3  # beyond what the announced total fills


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
    # The part of the catalogue whose details this run reads (the quota plan's slice).
    part: ReadSlice = WHOLE
    # Listings stored when the run started that the scan has not shown (yet): the only
    # ones that can have disappeared. One stored meanwhile (POST /products, a
    # notification) may simply come after the scan's position.
    unseen_stored: set[str] = attrs.field(factory=set)
    stored: frozenset[str] = frozenset()
    # Stored listings whose description was read, with their last_updated (§4.7).
    described: dict[str, datetime | None] = attrs.field(factory=dict)
    seen: set[str] = attrs.field(factory=set)
    fetched: int = 0
    total: int = 0
    scan_complete: bool = False
    # Listings changed since the last run, read before anything else (changed_first,
    # latest_changed).
    read_first: frozenset[str] = frozenset()


def needs_description(listing: Listing, described: Mapping[str, datetime | None]) -> bool:
    """Whether a listing read by a multiget needs its description read (§4.7): it is not
    among the `described` ones (stored with a description read, by id, with their
    `last_updated`), or MercadoLibre changed it since it was stored (a later
    `last_updated`: a copy older than the stored one is not stored at all, see
    store_observed)."""
    if listing.item_id not in described:
        return True
    stored = described[listing.item_id]
    if listing.last_updated is None or listing.last_updated == stored:
        return False
    return stored is None or listing.last_updated > stored


class SyncCatalogue:
    """Copy every listing of an account from MercadoLibre at the API's minimum cost.

    Ids come from a scan (100 per page, §4.11), details from multigets of 20 asking only
    for the fields the local copy keeps, so a catalogue of N items costs
    ceil(N/100) + ceil(N/20) calls. Multigets leave descriptions out (they are their own
    resource, §4.7), so a listing whose description was never read, or that MercadoLibre
    changed since it was stored (`last_updated`), costs one GET /items/{id}/description
    more: the first sync reads every description, later ones only the changed listings'
    (a seller whose descriptions are stored pays nothing). A listing without one is
    stored with an empty description, so it is not read again until it changes.
    Scanning, fetching, describing and writing run as a pipeline with bounded queues:
    the rate limiter is the only bottleneck and memory stays flat whatever N is. A
    scroll that expires mid-run starts a new scan that skips the ids already fetched.
    Listings no longer on MercadoLibre are marked removed, but only after a complete
    scan, and only those stored before the run started that MercadoLibre has not
    changed since. Every run is a meli_sync_logs row, and every
    row is finished, whatever happens to the run.

    A run asked for a slice of the catalogue (the quota plan cuts a large one into
    slices, see domain.quota_plan) reads the details of that slice only: the first slice
    scans, fetching the listings not stored yet and marking the disappeared ones (and,
    unless it is a scan-only first part, the details of its own slice); the others
    re-read their stored listings without scanning. Every listing is thus read once per
    round of slices, at a round's cost of one whole read. Every run first reads the
    listings the seller's notifications announced since the last run that succeeded
    (application.listings.changed_first), whatever its slice; a slice the plan marks
    `fresh` then reads the seller's latest changed listings that are newer than the local
    copy, when no run did lately (application.listings.latest_changed).
    """

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        listings: ListingGateway,
        clock: Clock,
        safety_stock: int = 0,
        concurrency: int = CONCURRENT_MULTIGETS,
        timeout: float | None = None,
        runs: SyncRuns | None = None,
    ) -> None:
        self._uow = uow
        self._listings = listings
        self._clock = clock
        self._safety_stock = safety_stock
        self._concurrency = concurrency
        self._runs = runs or SyncRuns(uow, clock)
        self._timeout = self._runs.timeout if timeout is None else timeout

    async def __call__(
        self,
        account_id: int,
        trigger: SyncTrigger,
        progress: ProgressCallback | None = None,
        log_id: int | None = None,
    ) -> SyncLog | None:
        """The ended log of the run; None when there was nothing to run (the requested
        run `log_id` is another worker's, or ended). An ApplicationError (MercadoLibre
        unavailable, the account disconnected, the time limit) fails the run and is only
        recorded; anything else (a bug, the database) fails it too and is then raised; a
        cancellation abandons a requested run (it runs again) and fails a direct one."""
        if log_id is None:
            async with self._uow() as uow:
                await usable_account(uow, account_id)
        sync_log = await self._runs.begin(SyncKind.PRODUCTS, trigger, account_id, log_id)
        if sync_log is None:
            return None
        run = _Run(account_id, sync_log, read_slice(sync_log))
        failure: str | None = None
        try:
            async with self._runs.kept(sync_log):
                try:
                    async with self._uow() as uow:
                        account = await usable_account(uow, account_id)
                        run.unseen_stored = set(await uow.listings.item_ids(account_id))
                        run.stored = frozenset(run.unseen_stored)
                        run.described = await uow.listings.described(account_id)
                    await self._pipeline(run, account.seller_id, progress)
                except* ApplicationError as group:
                    failure = describe(group)
                    log.warning("catalogue sync of account %s failed: %s", account_id, failure)
                if failure is None and run.scan_complete:
                    await self._mark_disappeared(run)
                if failure is None:
                    await self._check_low_stock(run)
        except BaseException as error:
            log.warning("catalogue sync of account %s broke: %s", account_id, describe(error))
            await self._runs.close_after(run.log, error, failure)
            raise
        return await self._runs.finish(run.log, failure)

    async def _pipeline(self, run: _Run, seller_id: int, progress: ProgressCallback | None) -> None:
        chunks: asyncio.Queue[list[str] | None] = asyncio.Queue(maxsize=self._concurrency * 4)
        fetched: asyncio.Queue[list[Listing] | None] = asyncio.Queue(maxsize=self._concurrency * 4)
        results: asyncio.Queue[list[Listing] | None] = asyncio.Queue(maxsize=self._concurrency * 4)
        # One failing stage, or the deadline, stops the others within a bounded time
        # (run_stages), so a dead writer can never leave a fetcher blocked on a full
        # queue, nor a dead scan a fetcher on an empty one. Each stage ends the next
        # one's input with a None per reader.
        await run_stages(
            [
                self._scan_all(run, seller_id, chunks, fetched),
                *(self._fetch(run, chunks, fetched) for _ in range(self._concurrency)),
                *(self._describe(run, fetched, results) for _ in range(self._concurrency)),
                self._write(run, results, progress),
            ],
            self._timeout,
            what=f"the catalogue sync of account {run.account_id}",
        )

    async def _scan_all(
        self,
        run: _Run,
        seller_id: int,
        chunks: asyncio.Queue[list[str] | None],
        fetched: asyncio.Queue[list[Listing] | None],
    ) -> None:
        await self._read_changed_first(run, seller_id, chunks)
        if run.part.fresh:
            await self._read_latest_changed(run, seller_id, fetched)
        if run.part.scans:
            await self._scan(run, seller_id, chunks)
        else:
            await self._slice_of_stored(run, chunks)
        for _ in range(self._concurrency):
            await chunks.put(None)

    async def _scan(
        self, run: _Run, seller_id: int, chunks: asyncio.Queue[list[str] | None]
    ) -> None:
        scroll_id: str | None = None
        restarts = 0
        pages = 0
        pages_in_scroll = 0
        pending: list[str] = []
        while True:
            try:
                with cancellation_kept():
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
                pages_in_scroll = 0
                continue
            run.log.api_calls += 1
            pages += 1
            run.total = max(run.total, page.total)
            fresh = [item_id for item_id in page.item_ids if item_id not in run.seen]
            run.seen.update(fresh)
            run.unseen_stored.difference_update(fresh)
            # A sliced scan fetches its slice, and what is not stored yet.
            fresh = [i for i in fresh if run.part.holds(i) or i not in run.stored]
            fresh = [i for i in fresh if i not in run.read_first]
            # One scroll never needs more pages than the total announced fills; one that
            # keeps answering pages would otherwise loop forever.
            pages_in_scroll += 1
            if pages_in_scroll > math.ceil(run.total / SCAN_PAGE) + EXTRA_SCAN_PAGES:
                raise Unavailable(
                    f"the scan answered {pages_in_scroll} pages for {run.total} listings; "
                    "stopped without marking any listing removed"
                )
            # Ids wait for a full multigets across pages: a slice takes a few of each page.
            pending.extend(fresh)
            while len(pending) >= MULTIGET_SIZE:
                await chunks.put(pending[:MULTIGET_SIZE])
                del pending[:MULTIGET_SIZE]
            # The end: MercadoLibre sends an empty page with a null scroll (§4.11). A short
            # page is not the end (a page may hold fewer ids than asked); we stop one call
            # earlier only once every id announced has come. The largest total announced
            # counts: one that shrank mid-scan (deletions) could stop the scan before ids
            # it has not shown yet, which would then be marked removed.
            if page.scroll_id is None or not page.item_ids or len(run.seen) >= run.total:
                if pending:
                    await chunks.put(pending)
                run.scan_complete = True
                run.log.count("scanned", len(run.seen))
                return
            scroll_id = page.scroll_id

    async def _slice_of_stored(self, run: _Run, chunks: asyncio.Queue[list[str] | None]) -> None:
        """Queue the stored listings of the run's slice: no scan, so nothing can be
        marked removed (the slice that scans does that)."""
        ids = sorted(i for i in run.stored if run.part.holds(i) and i not in run.read_first)
        run.total = len(ids)
        run.log.count("slice_listings", len(ids))
        for start in range(0, len(ids), MULTIGET_SIZE):
            await chunks.put(ids[start : start + MULTIGET_SIZE])

    async def _read_changed_first(
        self, run: _Run, seller_id: int, chunks: asyncio.Queue[list[str] | None]
    ) -> None:
        async with self._uow() as uow:
            ids = await changed_since_last_run(uow, run.account_id, seller_id, run.log.id)
        run.read_first = frozenset(ids)
        if ids:
            run.log.count("changed_first", len(ids))
        for start in range(0, len(ids), MULTIGET_SIZE):
            await chunks.put(ids[start : start + MULTIGET_SIZE])

    async def _read_latest_changed(
        self, run: _Run, seller_id: int, fetched: asyncio.Queue[list[Listing] | None]
    ) -> None:
        """The latest changed listings newer than the local copy go straight to the
        description and writing stages (the pass read them already); the slice then
        leaves them out."""
        async with self._uow() as uow:
            fresh = await freshness(uow, run.account_id, run.log.id, self._clock.now())
        if not fresh.due:
            return
        try:
            with cancellation_kept():
                newer = await LatestChanged(self._listings, run.log).newer(
                    self._uow, run.account_id, seller_id, run.read_first, fresh.since
                )
        except (RateLimited, Unavailable, Forbidden, ValidationFailed) as error:
            # The slice goes on: what the pass missed waits for its turn.
            run.log.record_error(f"latest changed listings not read: {error}")
            return
        run.read_first = run.read_first | {listing.item_id for listing in newer}
        for start in range(0, len(newer), MULTIGET_SIZE):
            await fetched.put(newer[start : start + MULTIGET_SIZE])

    async def _fetch(
        self,
        run: _Run,
        chunks: asyncio.Queue[list[str] | None],
        results: asyncio.Queue[list[Listing] | None],
    ) -> None:
        while (ids := await chunks.get()) is not None:
            try:
                # A stage told to stop must stop, even if a library below lost it.
                with cancellation_kept():
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
        await results.put(None)

    async def _describe(
        self,
        run: _Run,
        fetched: asyncio.Queue[list[Listing] | None],
        results: asyncio.Queue[list[Listing] | None],
    ) -> None:
        """Add the descriptions the local copy lacks to each multiget's listings (§4.7),
        at the same rate limit: behind the multigets, so the scan and the multigets go on
        meanwhile. A description that fails to come is that listing's error in the log;
        the listing is stored without it, and the next sync reads it again."""
        while (found := await fetched.get()) is not None:
            described = []
            for listing in found:
                if needs_description(listing, run.described):
                    listing = await self._with_description(run, listing)
                described.append(listing)
            await results.put(described)
        await results.put(None)

    async def _with_description(self, run: _Run, listing: Listing) -> Listing:
        try:
            with cancellation_kept():
                text = await self._listings.get_description(run.account_id, listing.item_id)
        except (RateLimited, Unavailable, Forbidden, ValidationFailed) as error:
            run.log.record_error(f"{listing.item_id}: description not read: {error}")
            return listing
        finally:
            run.log.api_calls += 1
            run.log.count("description_calls")
        # "" records that MercadoLibre has none: None would mean "never read".
        return attrs.evolve(listing, description=text or "")

    async def _write(
        self,
        run: _Run,
        results: asyncio.Queue[list[Listing] | None],
        progress: ProgressCallback | None,
    ) -> None:
        batch: list[Listing] = []
        written_batches = 0
        fetching = self._concurrency
        while fetching:
            listings = await results.get()
            if listings is None:
                fetching -= 1
                continue
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
        """Store a batch; when the database refuses it, store its listings one at a time so
        that a listing it cannot hold is that listing's error in the log, and the others
        are stored. The database unavailable (Unavailable) fails the run."""
        if not listings:
            return
        try:
            async with self._uow() as uow:
                observed = await store_observed(
                    uow, listings, self._safety_stock, self._clock.now()
                )
                await uow.commit()
        except Unavailable:
            raise
        except Exception as error:
            if len(listings) > 1:
                for listing in listings:
                    await self._store(run, [listing])
                return
            log.warning("listing %s could not be stored: %s", listings[0].item_id, error)
            run.log.record_error(f"{listings[0].item_id}: not stored: {describe(error)}")
            return
        run.fetched += len(listings)
        run.log.count("fetched", len(listings))
        run.log.count("created", observed.created)
        run.log.count("updated", observed.updated)
        run.log.count("unchanged", observed.unchanged)

    async def _mark_disappeared(self, run: _Run) -> None:
        # A listing MercadoLibre changed after the run started was seen alive by whoever
        # stored that change (a notification's SyncListing, UpdateListing), even if the
        # scan, a live index, passed it by. `last_updated` is on MercadoLibre's clock: a
        # skew can only spare a listing until the next run.
        async with self._uow() as uow:
            removed = await uow.listings.mark_removed(
                run.unseen_stored, self._clock.now(), last_updated_before=run.log.started_at
            )
            await uow.commit()
        run.log.count("removed", removed)

    async def _check_low_stock(self, run: _Run) -> None:
        """New listings brought new stock levels, removed ones took theirs away: their
        low-stock alerts are raised or re-armed now (issue 18)."""
        async with self._uow() as uow:
            found = await check_low_stock(uow, run.account_id, self._clock.now())
            await uow.commit()
        if found.raised:
            run.log.count("low_stock_alerts", len(found.raised))

    async def _save_log(self, run: _Run) -> None:
        await self._runs.save(run.log)
