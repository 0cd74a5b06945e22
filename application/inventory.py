"""Stock: single and bulk updates without overselling, and reconciliation with MercadoLibre.

The local stock level is the seller's count; MercadoLibre shows that count minus the
safety stock. Writes to one item are serialised by a lock across processes; a request
older than the latest one recorded for the same stock is not applied ("last request
wins"), so concurrent updates never lose the newest one. A change is written to the
level and to the stock ledger (with the time it was requested) once MercadoLibre has
taken it, and each write is read back from MercadoLibre, a mismatch reported.

Outcomes: applied, unchanged, mismatch (published); rejected (our own checks refused
it, with the reason); superseded (a later request won); failed (MercadoLibre could not
be written: the port error is the reason, and nothing was stored).
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime

import attrs

from application.accounts import usable_account
from application.errors import (
    ApplicationError,
    Conflict,
    FieldProblem,
    NotFound,
    ValidationFailed,
)
from application.ports.clock import Clock
from application.ports.jobs import Job
from application.ports.listing_gateway import ListingGateway, StockSnapshot
from application.ports.lock import Lock
from application.ports.unit_of_work import UnitOfWorkFactory
from domain.errors import InvalidValue
from domain.inventory import (
    MAX_BATCH,
    MAX_QUANTITY,
    REPAIR_SOURCE,
    StockBatch,
    StockChange,
    StockLevel,
    StockOutcome,
    StockRequest,
    StockResult,
)
from domain.listings import Listing
from domain.sites import site_of_item
from domain.sync import SyncKind, SyncLog, SyncTrigger

log = logging.getLogger(__name__)

APPLY_STOCK_BATCH = "apply_stock_batch"
CONCURRENT_ITEMS = 4
LOCK_TIMEOUT = 60.0

Key = int | None  # a variation id, or None for a listing without variations


def stock_lock(item_id: str) -> str:
    return f"stock:{item_id}"


def check_requests(requests: Sequence[StockRequest], field: str = "updates") -> None:
    """Refuse a bad batch as a whole, naming every problem (nothing is applied). `field`
    names the list in the problems; "" for a single request, whose fields are named
    bare (`quantity`)."""

    def at(index: int, name: str = "") -> str:
        if not field:
            return name or "body"
        return f"{field}[{index}].{name}" if name else f"{field}[{index}]"

    problems = []
    if field and not 1 <= len(requests) <= MAX_BATCH:
        problems.append(
            FieldProblem(
                field, f"between 1 and {MAX_BATCH} updates per request, got {len(requests)}"
            )
        )
    seen = set()
    for index, request in enumerate(requests):
        try:
            site_of_item(request.item_id)
        except InvalidValue:
            problems.append(
                FieldProblem(
                    at(index, "item_id"), f"{request.item_id!r} is not a MercadoLibre item id"
                )
            )
        if request.quantity > MAX_QUANTITY:
            problems.append(
                FieldProblem(
                    at(index, "quantity"),
                    f"must be at most {MAX_QUANTITY} (max_stock_per_item, §4.10)",
                )
            )
        key = (request.item_id, request.variation_id)
        if key in seen:
            problems.append(FieldProblem(at(index), "the same stock appears twice"))
        seen.add(key)
        if request.safety_stock is not None and request.safety_stock < 0:
            problems.append(FieldProblem(at(index, "safety_stock"), "must be >= 0"))
    if problems:
        raise ValidationFailed(problems, "the stock update was refused")


def _result(request: StockRequest, outcome: StockOutcome, reason: str | None = None) -> StockResult:
    return StockResult(request.item_id, request.variation_id, request.quantity, outcome, reason)


def _failed(request: StockRequest, error: BaseException) -> StockResult:
    """The result of a request MercadoLibre could not be written for."""
    return _result(request, StockOutcome.FAILED, f"{type(error).__name__}: {error}")


@attrs.define(frozen=True)
class StockWrite:
    """What became of the requests for one item, in their order. `error` is the port
    error behind the FAILED results (None when there are none). `refused` is why the
    listing takes no stock write at all, every request REJECTED: NotFound when it is
    not in the local copy, Conflict when it is closed or removed (None otherwise)."""

    results: tuple[StockResult, ...]
    error: ApplicationError | None = None
    refused: ApplicationError | None = None

    def or_raise(self) -> tuple[StockResult, ...]:
        """The results, or the error that refused the listing or made some FAILED."""
        if self.refused is not None:
            raise self.refused
        if self.error is not None:
            raise self.error
        return self.results


UNKNOWN_LISTING = "unknown listing: sync the catalogue first"


def final_state(listing: Listing) -> str | None:
    """The listing and the state that makes it final, for an error message, or None
    when it can still change. A closed listing is final (§4.3, §4.5) and a deleted one
    is closed with sub_status `deleted` (§4.4); one the local copy marks removed is no
    longer on MercadoLibre. Read from the local copy alone: no MercadoLibre call."""
    status = listing.status.value
    if listing.sub_status:
        status += f", sub_status {', '.join(listing.sub_status)}"
    if listing.removed_at is not None:
        return (
            f"{listing.item_id} was removed from MercadoLibre on "
            f"{listing.removed_at.isoformat()} (status {status})"
        )
    if listing.is_final:
        return f"{listing.item_id} is closed (status {status})"
    return None


def state_refusal(listing: Listing) -> str | None:
    """Why the listing's state takes no stock write, or None (see final_state)."""
    state = final_state(listing)
    if state is None:
        return None
    if listing.removed_at is not None:
        return f"{state}: its stock cannot change"
    return f"{state}: the stock of a closed listing cannot change (§4.3)"


class StockWriter:
    """Applies stock requests for one item: lock, checks, publish, read back, ledger.

    Under the item's lock (`stock_lock`, shared with the inventory sync): requests our
    checks refuse are REJECTED, those older than the latest recorded for the same stock
    are SUPERSEDED, and the others are published. The local level and the ledger entry
    are written only for what MercadoLibre took (or already showed), so the local count
    never claims a figure MercadoLibre refused. A port error while publishing makes the
    published requests FAILED, leaving the results of the others as they are.
    """

    def __init__(
        self, uow: UnitOfWorkFactory, listings: ListingGateway, lock: Lock, clock: Clock
    ) -> None:
        self._uow = uow
        self._listings = listings
        self._lock = lock
        self._clock = clock

    async def apply(
        self,
        item_id: str,
        requests: Sequence[StockRequest],
        requested_at: datetime,
        source: str,
        *,
        unchanged_since: datetime | None = None,
    ) -> StockWrite:
        """Apply the requests (all of `item_id`). Never raises an ApplicationError: one
        that stops the whole write (the lock, the account, the database) makes every
        request FAILED. With `unchanged_since`, a level changed after that time (a newer
        ledger entry, or a later update) is SUPERSEDED instead of written: the inventory
        sync republishes only what its snapshot saw."""
        write: StockWrite | None = None
        try:
            async with self._lock.hold(stock_lock(item_id), LOCK_TIMEOUT):
                write = await self._apply_locked(
                    item_id, requests, requested_at, source, unchanged_since
                )
        except ApplicationError as error:
            if write is None:
                return StockWrite(tuple(_failed(r, error) for r in requests), error)
            # Leaving the block failed (e.g. the lock was lost): what was done is done.
            log.warning("stock write of %s finished, then: %s", item_id, error)
        return write

    async def _apply_locked(
        self,
        item_id: str,
        requests: Sequence[StockRequest],
        requested_at: datetime,
        source: str,
        unchanged_since: datetime | None,
    ) -> StockWrite:
        results: dict[Key, StockResult] = {}
        wanted: dict[Key, StockLevel] = {}
        async with self._uow() as uow:
            listing = await uow.listings.find(item_id)
            refusal = (
                (UNKNOWN_LISTING, NotFound("listing", item_id))
                if listing is None
                else _refused_for_state(listing)
            )
            if refusal is not None:
                reason, error = refusal
                return StockWrite(
                    tuple(_result(r, StockOutcome.REJECTED, reason) for r in requests),
                    refused=error,
                )
            assert listing is not None
            await usable_account(uow, listing.account_id)
            levels = {level.variation_id: level for level in await uow.inventory.for_item(item_id)}
            variation_ids = {v.id for v in listing.variations}
            for request in requests:
                key = request.variation_id
                reason = self._refusal(request, listing, variation_ids)
                if reason is not None:
                    results[key] = _result(request, StockOutcome.REJECTED, reason)
                    continue
                level = levels.get(key)
                # Only a later request supersedes this one; the inventory sync's repairs
                # record what MercadoLibre showed, not what the seller wants.
                latest = await uow.inventory.latest_change(item_id, key, requests_only=True)
                if latest is not None and latest.requested_at > requested_at:
                    results[key] = _result(
                        request,
                        StockOutcome.SUPERSEDED,
                        f"a later request ({latest.requested_at.isoformat()}) set "
                        f"{latest.quantity}",
                    )
                    continue
                if unchanged_since is not None and _changed_since(level, latest, unchanged_since):
                    results[key] = _result(
                        request,
                        StockOutcome.SUPERSEDED,
                        f"the stock changed after {unchanged_since.isoformat()}",
                    )
                    continue
                safety = (
                    request.safety_stock
                    if request.safety_stock is not None
                    else level.safety_stock
                    if level
                    else 0
                )
                wanted[key] = StockLevel(item_id, request.quantity, key, safety)
        # Nothing is stored yet: the level and the ledger say the new figure only once
        # MercadoLibre has taken it.
        error = None
        live = dict(wanted)
        try:
            if live:
                before = await self._current(listing)
                shown = _shown(before)
                for key in live.keys() - shown.keys():
                    results[key] = _gone(live.pop(key))
                if live:
                    results.update(await self._publish(listing, live, before, shown))
                    await self._record(item_id, live, levels, requested_at, source)
        except ApplicationError as failure:
            error = failure
            log.warning("stock write of %s failed: %s", item_id, failure)
            by_key = {r.variation_id: r for r in requests}
            results.update({key: _failed(by_key[key], failure) for key in live})
        return StockWrite(tuple(results[r.variation_id] for r in requests), error)

    @staticmethod
    def _refusal(request: StockRequest, listing: Listing, variation_ids: set) -> str | None:
        if request.variation_id is None and variation_ids:
            return "the listing has variations: give a variation_id"
        if request.variation_id is not None and request.variation_id not in variation_ids:
            return f"{request.variation_id} is not a variation of {listing.item_id}"
        return None

    async def _current(self, listing: Listing) -> StockSnapshot:
        """What MercadoLibre shows now; NotFound when it no longer has the listing."""
        found = await self._listings.get_stock(listing.account_id, [listing.item_id])
        if listing.item_id not in found:
            raise NotFound("listing on MercadoLibre", listing.item_id)
        return found[listing.item_id]

    async def _publish(
        self,
        listing: Listing,
        live: dict[Key, StockLevel],
        before: StockSnapshot,
        shown: dict[Key, int],
    ) -> dict[Key, StockResult]:
        """Publish the levels MercadoLibre does not show yet and read them back; the
        result of each level. Raises the port errors of the write."""
        account_id = listing.account_id
        item_id = listing.item_id
        results: dict[Key, StockResult] = {}
        changed = {
            key: level.publishable for key, level in live.items() if shown[key] != level.publishable
        }
        for key in live.keys() - changed.keys():
            results[key] = _level_result(live[key], StockOutcome.UNCHANGED, observed=shown[key])
        if not changed:
            return results
        # Every variation MercadoLibre has goes in the PUT (§4.6), the others by id alone.
        await self._listings.set_stock(
            account_id, item_id, changed, [variation_id for variation_id, _ in before.variations]
        )
        try:
            after = (await self._listings.get_stock(account_id, [item_id])).get(item_id)
        except ApplicationError as error:
            # MercadoLibre took the write; only the check is missing.
            log.warning("stock of %s written, but reading it back failed: %s", item_id, error)
            for key in changed:
                results[key] = _level_result(
                    live[key],
                    StockOutcome.APPLIED,
                    f"published; reading it back failed ({type(error).__name__}: {error})",
                )
            return results
        observed = _shown(after) if after else {}
        for key in changed:
            seen = observed.get(key)
            if seen == changed[key]:
                results[key] = _level_result(live[key], StockOutcome.APPLIED, observed=seen)
                continue
            reason = f"asked MercadoLibre to show {changed[key]}, it shows {seen}"
            log.warning("stock mismatch on %s/%s: %s", item_id, key, reason)
            results[key] = _level_result(live[key], StockOutcome.MISMATCH, reason, observed=seen)
        return results

    async def _record(
        self,
        item_id: str,
        taken: dict[Key, StockLevel],
        levels: dict[Key, StockLevel],
        requested_at: datetime,
        source: str,
    ) -> None:
        # Stamped after the publish: an inventory snapshot read before it (which may not
        # show this write yet) is then older than the level and leaves it alone.
        now = self._clock.now()
        async with self._uow() as uow:
            for key, level in taken.items():
                previous = levels.get(key)
                await uow.inventory.record_change(
                    StockChange(
                        item_id,
                        level.quantity,
                        requested_at,
                        source,
                        key,
                        previous.quantity if previous else None,
                    )
                )
            await uow.inventory.upsert([level.set(level.quantity, now) for level in taken.values()])
            await uow.commit()

    async def follow(
        self, item_id: str, shown: Mapping[Key, int], snapshot_at: datetime
    ) -> tuple[int, int]:
        """Let the local levels of `item_id` follow what MercadoLibre showed at
        `snapshot_at` (less than we would publish: units were sold there), under the
        item's lock so that a concurrent write is never overwritten. A level changed
        after the snapshot (a newer ledger entry, or a later update) is left for the
        next run. Adopted levels are stamped with the snapshot's time. Returns
        (adopted, skipped)."""
        adopted = skipped = 0
        async with self._lock.hold(stock_lock(item_id), LOCK_TIMEOUT):
            async with self._uow() as uow:
                for level in await uow.inventory.for_item(item_id):
                    available = shown.get(level.variation_id)
                    if available is None or available >= level.publishable:
                        continue
                    latest = await uow.inventory.latest_change(item_id, level.variation_id)
                    if _changed_since(level, latest, snapshot_at):
                        skipped += 1
                        continue
                    quantity = available + level.safety_stock
                    await uow.inventory.record_change(
                        StockChange(
                            item_id,
                            quantity,
                            snapshot_at,
                            REPAIR_SOURCE,
                            level.variation_id,
                            level.quantity,
                        )
                    )
                    await uow.inventory.upsert([level.set(quantity, snapshot_at)])
                    adopted += 1
                await uow.commit()
        return adopted, skipped

    async def retire(
        self, item_id: str, shown: Collection[Key], snapshot_at: datetime
    ) -> tuple[int, int]:
        """Remove the levels of `item_id` for stock MercadoLibre did not show at
        `snapshot_at` (the listing's shape changed there, §4.6: the item-level count of
        a listing that now has variations, or the other way round), under the item's
        lock. A level changed after the snapshot (written for the newer shape) is left
        alone. The ledger keeps the history. Returns (retired, skipped)."""
        retired = skipped = 0
        async with self._lock.hold(stock_lock(item_id), LOCK_TIMEOUT):
            async with self._uow() as uow:
                stale = []
                for level in await uow.inventory.for_item(item_id):
                    if level.variation_id in shown:
                        continue
                    latest = await uow.inventory.latest_change(item_id, level.variation_id)
                    if _changed_since(level, latest, snapshot_at):
                        skipped += 1
                        continue
                    stale.append((item_id, level.variation_id))
                retired = await uow.inventory.remove(stale)
                await uow.commit()
        return retired, skipped


def _refused_for_state(listing: Listing) -> tuple[str, Conflict] | None:
    reason = state_refusal(listing)
    return None if reason is None else (reason, Conflict(reason))


def _gone(level: StockLevel) -> StockResult:
    """A request for stock MercadoLibre no longer has: the variations changed there
    since the local copy was read (§4.6)."""
    reason = (
        f"variation {level.variation_id} no longer exists on MercadoLibre: sync the listing"
        if level.variation_id is not None
        else "the listing now has variations on MercadoLibre: sync it and give a variation_id"
    )
    return _level_result(level, StockOutcome.REJECTED, reason)


def _changed_since(level: StockLevel | None, latest: StockChange | None, since: datetime) -> bool:
    if latest is not None and latest.requested_at > since:
        return True
    return level is not None and level.updated_at is not None and level.updated_at > since


def _level_result(
    level: StockLevel,
    outcome: StockOutcome,
    reason: str | None = None,
    observed: int | None = None,
) -> StockResult:
    published = None if outcome is StockOutcome.REJECTED else level.publishable
    return StockResult(
        level.item_id, level.variation_id, level.quantity, outcome, reason, published, observed
    )


def _shown(snapshot: StockSnapshot) -> dict[Key, int]:
    if snapshot.variations:
        return dict(snapshot.variations)
    return {None: snapshot.available_quantity}


class UpdateStock:
    """PATCH one listing's stock (or one variation's), applied at once.

    Raises ValidationFailed for bad input (before any call); NotFound for a listing not
    in the local copy and Conflict for one closed or removed (its state, not the input,
    refuses the write; nothing is called); and, when MercadoLibre could not be written,
    the port error itself (NotFound, Conflict, RateLimited, Unavailable, ...), so that
    the caller gets its status rather than a refusal.
    """

    def __init__(self, writer: StockWriter, clock: Clock) -> None:
        self._writer = writer
        self._clock = clock

    async def __call__(self, request: StockRequest, source: str = "api") -> StockResult:
        check_requests([request], field="")
        write = await self._writer.apply(request.item_id, [request], self._clock.now(), source)
        [result] = write.or_raise()
        return result


class SubmitStockBatch:
    """Accept up to 100 stock updates as one job; the results are read later."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, requests: Sequence[StockRequest], source: str = "api") -> StockBatch:
        check_requests(requests)
        async with self._uow() as uow:
            batch = await uow.stock_batches.add(
                StockBatch(tuple(requests), self._clock.now(), source)
            )
            assert batch.id is not None
            uow.enqueue_after_commit(Job(APPLY_STOCK_BATCH, {"batch_id": batch.id}))
            await uow.commit()
        return batch


class ApplyStockBatch:
    """The job behind a bulk update. Idempotent: a finished batch is left alone.

    Items are written concurrently and apart: an item whose write fails, even
    unexpectedly, gets FAILED results and the others carry on. A batch that cannot be
    finished at all is marked failed (never left pending) and the error propagates.
    """

    def __init__(self, uow: UnitOfWorkFactory, writer: StockWriter, clock: Clock) -> None:
        self._uow = uow
        self._writer = writer
        self._clock = clock

    async def __call__(self, batch_id: int) -> StockBatch:
        async with self._uow() as uow:
            batch = await uow.stock_batches.get(batch_id)
        if batch.finished_at is not None:
            return batch
        try:
            batch.finish(await self._apply(batch), self._clock.now())
            await self._save(batch)
        except Exception as error:
            log.exception("stock batch %s gave up", batch_id)
            batch.fail(f"{type(error).__name__}: {error}", self._clock.now())
            await self._save(batch)
            raise
        return batch

    async def _apply(self, batch: StockBatch) -> tuple[StockResult, ...]:
        by_item: dict[str, list[StockRequest]] = defaultdict(list)
        for request in batch.requests:
            by_item[request.item_id].append(request)
        gate = asyncio.Semaphore(CONCURRENT_ITEMS)

        async def one(item_id: str, requests: list[StockRequest]) -> tuple[StockResult, ...]:
            async with gate:
                write = await self._writer.apply(
                    item_id, requests, batch.requested_at, batch.source
                )
                return write.results

        outcomes = await asyncio.gather(
            *(one(i, r) for i, r in by_item.items()), return_exceptions=True
        )
        by_key: dict[tuple[str, Key], StockResult] = {}
        for (item_id, requests), outcome in zip(by_item.items(), outcomes, strict=True):
            if isinstance(outcome, BaseException):
                if not isinstance(outcome, Exception):
                    raise outcome
                log.error("stock batch %s: %s failed", batch.id, item_id, exc_info=outcome)
                outcome = tuple(_failed(r, outcome) for r in requests)
            by_key.update({(r.item_id, r.variation_id): r for r in outcome})
        return tuple(by_key[(r.item_id, r.variation_id)] for r in batch.requests)

    async def _save(self, batch: StockBatch) -> None:
        async with self._uow() as uow:
            await uow.stock_batches.save(batch)
            await uow.commit()


class GetStockBatch:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, batch_id: int) -> StockBatch:
        async with self._uow() as uow:
            return await uow.stock_batches.get(batch_id)


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
    The sync log is always finished: failed when an error stops the run (an
    ApplicationError is recorded; any other error is recorded and propagates).
    """

    def __init__(
        self, uow: UnitOfWorkFactory, listings: ListingGateway, writer: StockWriter, clock: Clock
    ) -> None:
        self._uow = uow
        self._listings = listings
        self._writer = writer
        self._clock = clock

    async def __call__(self, account_id: int, trigger: SyncTrigger) -> SyncLog:
        async with self._uow() as uow:
            await usable_account(uow, account_id)
            sync_log = await uow.sync_logs.add(
                SyncLog(SyncKind.INVENTORY, trigger, self._clock.now(), account_id=account_id)
            )
            item_ids = sorted(await uow.listings.item_ids(account_id))
            await uow.commit()
        drift = _Drift()
        failure = None
        try:
            for start in range(0, len(item_ids), 20):
                chunk = item_ids[start : start + 20]
                # Taken before the call: MercadoLibre's answer shows at least what was
                # written up to this time.
                snapshot_at = self._clock.now()
                snapshots = await self._listings.get_stock(account_id, chunk)
                sync_log.api_calls += 1
                await self._reconcile(chunk, snapshots, snapshot_at, drift, sync_log)
        except ApplicationError as error:
            failure = f"{type(error).__name__}: {error}"
        except BaseException as error:
            await self._finish_after(error, sync_log, drift)
            raise
        await self._finish(sync_log, drift, failure)
        return sync_log

    async def _finish(self, sync_log: SyncLog, drift: _Drift, failure: str | None) -> None:
        for name, value in attrs.asdict(drift).items():
            sync_log.count(name, value)
        sync_log.finish(self._clock.now(), failure)
        async with self._uow() as uow:
            await uow.sync_logs.save(sync_log)
            await uow.commit()

    async def _finish_after(self, error: BaseException, sync_log: SyncLog, drift: _Drift) -> None:
        """Record an unexpected error in the log; the error itself propagates."""
        log.error("inventory sync %s stopped", sync_log.id, exc_info=error)
        try:
            await self._finish(sync_log, drift, f"{type(error).__name__}: {error}")
        except Exception:
            log.exception("the end of inventory sync %s could not be recorded", sync_log.id)

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
            shown = _shown(snapshot)
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
