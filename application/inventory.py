"""Stock: single and bulk updates without overselling, and reconciliation with MercadoLibre.

The local stock level is the seller's count; MercadoLibre shows that count minus the
safety stock. Every requested change is written to the stock ledger with the time it
was requested; writes to one item are serialised by a lock across processes, and a
request older than the latest one recorded for the same stock is not applied ("last
request wins"), so concurrent updates never lose the newest one. Each write is read
back from MercadoLibre and a mismatch is reported.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

import attrs

from application.accounts import usable_account
from application.errors import (
    ApplicationError,
    FieldProblem,
    ValidationFailed,
)
from application.ports.clock import Clock
from application.ports.coordination import Lock
from application.ports.jobs import Job
from application.ports.marketplace import ListingGateway, StockSnapshot
from application.ports.unit_of_work import UnitOfWorkFactory
from domain.errors import InvalidValue
from domain.inventory import (
    MAX_BATCH,
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


def stock_lock(item_id: str) -> str:
    return f"stock:{item_id}"


def check_requests(requests: Sequence[StockRequest]) -> None:
    """Refuse a bad batch as a whole, naming every problem (nothing is applied)."""
    problems = []
    if not 1 <= len(requests) <= MAX_BATCH:
        problems.append(
            FieldProblem(
                "updates", f"between 1 and {MAX_BATCH} updates per request, got {len(requests)}"
            )
        )
    seen = set()
    for index, request in enumerate(requests):
        try:
            site_of_item(request.item_id)
        except InvalidValue:
            problems.append(
                FieldProblem(
                    f"updates[{index}].item_id",
                    f"{request.item_id!r} is not a MercadoLibre item id",
                )
            )
        key = (request.item_id, request.variation_id)
        if key in seen:
            problems.append(FieldProblem(f"updates[{index}]", "the same stock appears twice"))
        seen.add(key)
        if request.safety_stock is not None and request.safety_stock < 0:
            problems.append(FieldProblem(f"updates[{index}].safety_stock", "must be >= 0"))
    if problems:
        raise ValidationFailed(problems, "the stock update was refused")


class StockWriter:
    """Applies stock requests for one item: ledger, lock, publish, read back."""

    def __init__(
        self, uow: UnitOfWorkFactory, listings: ListingGateway, lock: Lock, clock: Clock
    ) -> None:
        self._uow = uow
        self._listings = listings
        self._lock = lock
        self._clock = clock

    async def apply(
        self, item_id: str, requests: Sequence[StockRequest], requested_at: datetime, source: str
    ) -> list[StockResult]:
        async with self._lock.hold(stock_lock(item_id), LOCK_TIMEOUT):
            try:
                return await self._apply_locked(item_id, requests, requested_at, source)
            except ApplicationError as error:
                reason = f"{type(error).__name__}: {error}"
                return [
                    StockResult(
                        r.item_id, r.variation_id, r.quantity, StockOutcome.REJECTED, reason
                    )
                    for r in requests
                ]

    async def _apply_locked(
        self, item_id: str, requests: Sequence[StockRequest], requested_at: datetime, source: str
    ) -> list[StockResult]:
        now = self._clock.now()
        results: dict[int | None, StockResult] = {}
        accepted: dict[int | None, StockLevel] = {}
        async with self._uow() as uow:
            listing = await uow.listings.find(item_id)
            if listing is None or listing.removed_at is not None:
                return [
                    StockResult(
                        r.item_id,
                        r.variation_id,
                        r.quantity,
                        StockOutcome.REJECTED,
                        "unknown listing: sync the catalogue first",
                    )
                    for r in requests
                ]
            await usable_account(uow, listing.account_id)
            levels = {level.variation_id: level for level in await uow.inventory.for_item(item_id)}
            variation_ids = {v.id for v in listing.variations}
            for request in requests:
                reason = self._refusal(request, listing, variation_ids)
                if reason is not None:
                    results[request.variation_id] = StockResult(
                        item_id,
                        request.variation_id,
                        request.quantity,
                        StockOutcome.REJECTED,
                        reason,
                    )
                    continue
                latest = await uow.inventory.latest_change(item_id, request.variation_id)
                if latest is not None and latest.requested_at > requested_at:
                    results[request.variation_id] = StockResult(
                        item_id,
                        request.variation_id,
                        request.quantity,
                        StockOutcome.SUPERSEDED,
                        f"a later request ({latest.requested_at.isoformat()}) set "
                        f"{latest.quantity}",
                    )
                    continue
                level = levels.get(request.variation_id)
                safety = (
                    request.safety_stock
                    if request.safety_stock is not None
                    else level.safety_stock
                    if level
                    else 0
                )
                updated = StockLevel(item_id, request.quantity, request.variation_id, safety, now)
                await uow.inventory.record_change(
                    StockChange(
                        item_id,
                        request.quantity,
                        requested_at,
                        source,
                        request.variation_id,
                        level.quantity if level else None,
                    )
                )
                await uow.inventory.upsert([updated])
                accepted[request.variation_id] = updated
            await uow.commit()
        if accepted:
            results.update(await self._publish(listing, accepted))
        return [results[r.variation_id] for r in requests]

    @staticmethod
    def _refusal(request: StockRequest, listing: Listing, variation_ids: set) -> str | None:
        if listing.is_final:
            return "the listing is closed"
        if request.variation_id is None and variation_ids:
            return "the listing has variations: give a variation_id"
        if request.variation_id is not None and request.variation_id not in variation_ids:
            return f"{request.variation_id} is not a variation of {listing.item_id}"
        return None

    async def _publish(
        self, listing: Listing, accepted: dict[int | None, StockLevel]
    ) -> dict[int | None, StockResult]:
        account_id = listing.account_id
        item_id = listing.item_id
        before = (await self._listings.get_stock(account_id, [item_id])).get(item_id)
        if before is None:
            return {
                key: StockResult(
                    item_id,
                    key,
                    level.quantity,
                    StockOutcome.REJECTED,
                    "MercadoLibre no longer has this listing",
                )
                for key, level in accepted.items()
            }
        shown = _shown(before)
        wanted = {key: level.publishable for key, level in accepted.items()}
        if all(shown.get(key) == value for key, value in wanted.items()):
            return {
                key: StockResult(
                    item_id,
                    key,
                    accepted[key].quantity,
                    StockOutcome.UNCHANGED,
                    published=wanted[key],
                    observed=shown.get(key),
                )
                for key in accepted
            }
        await self._listings.set_stock(
            account_id, item_id, wanted, [variation_id for variation_id, _ in before.variations]
        )
        after = (await self._listings.get_stock(account_id, [item_id])).get(item_id)
        observed = _shown(after) if after else {}
        results = {}
        for key, level in accepted.items():
            seen = observed.get(key)
            outcome = StockOutcome.APPLIED if seen == wanted[key] else StockOutcome.MISMATCH
            reason = (
                None
                if outcome is StockOutcome.APPLIED
                else (f"asked MercadoLibre to show {wanted[key]}, it shows {seen}")
            )
            if reason:
                log.warning("stock mismatch on %s/%s: %s", item_id, key, reason)
            results[key] = StockResult(
                item_id, key, level.quantity, outcome, reason, published=wanted[key], observed=seen
            )
        return results


def _shown(snapshot: StockSnapshot) -> dict[int | None, int]:
    if snapshot.variations:
        return dict(snapshot.variations)
    return {None: snapshot.available_quantity}


class UpdateStock:
    """PATCH one listing's stock (or one variation's), applied at once."""

    def __init__(self, writer: StockWriter, clock: Clock) -> None:
        self._writer = writer
        self._clock = clock

    async def __call__(self, request: StockRequest, source: str = "api") -> StockResult:
        check_requests([request])
        [result] = await self._writer.apply(request.item_id, [request], self._clock.now(), source)
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
    """The job behind a bulk update. Idempotent: a finished batch is left alone."""

    def __init__(self, uow: UnitOfWorkFactory, writer: StockWriter, clock: Clock) -> None:
        self._uow = uow
        self._writer = writer
        self._clock = clock

    async def __call__(self, batch_id: int) -> StockBatch:
        async with self._uow() as uow:
            batch = await uow.stock_batches.get(batch_id)
        if batch.finished_at is not None:
            return batch
        by_item: dict[str, list[StockRequest]] = defaultdict(list)
        for request in batch.requests:
            by_item[request.item_id].append(request)
        gate = asyncio.Semaphore(CONCURRENT_ITEMS)

        async def one(item_id: str, requests: list[StockRequest]) -> list[StockResult]:
            async with gate:
                return await self._writer.apply(item_id, requests, batch.requested_at, batch.source)

        outcomes = await asyncio.gather(*(one(i, r) for i, r in by_item.items()))
        by_key = {(r.item_id, r.variation_id): r for results in outcomes for r in results}
        batch.finish(
            tuple(by_key[(r.item_id, r.variation_id)] for r in batch.requests), self._clock.now()
        )
        async with self._uow() as uow:
            await uow.stock_batches.save(batch)
            await uow.commit()
        return batch


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


class SyncInventory:
    """Read stock only (multiget with the stock fields, 20 ids per call, §4.11) and
    repair drift between the local ledger and MercadoLibre without ever overselling:
    when MercadoLibre shows less than we would publish, units were sold there and the
    local count follows; when it shows more, our figure is published."""

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
                snapshots = await self._listings.get_stock(account_id, chunk)
                sync_log.api_calls += 1
                await self._reconcile(chunk, snapshots, drift, sync_log)
        except ApplicationError as error:
            failure = f"{type(error).__name__}: {error}"
        for name, value in attrs.asdict(drift).items():
            sync_log.count(name, value)
        sync_log.finish(self._clock.now(), failure)
        async with self._uow() as uow:
            await uow.sync_logs.save(sync_log)
            await uow.commit()
        return sync_log

    async def _reconcile(
        self,
        chunk: list[str],
        snapshots: dict[str, StockSnapshot],
        drift: _Drift,
        sync_log: SyncLog,
    ) -> None:
        now = self._clock.now()
        push: dict[str, list[StockRequest]] = defaultdict(list)
        async with self._uow() as uow:
            levels = await uow.inventory.for_items(chunk)
            for item_id in chunk:
                snapshot = snapshots.get(item_id)
                if snapshot is None:
                    sync_log.count("missing_on_mercadolibre")
                    continue
                shown = _shown(snapshot)
                for level in levels.get(item_id, ()):
                    if level.variation_id not in shown:
                        continue
                    drift.checked += 1
                    available = shown[level.variation_id]
                    if available == level.publishable:
                        drift.in_sync += 1
                    elif available < level.publishable:
                        drift.adopted += 1
                        adopted = available + level.safety_stock
                        await uow.inventory.record_change(
                            StockChange(
                                item_id,
                                adopted,
                                now,
                                "inventory_sync",
                                level.variation_id,
                                level.quantity,
                            )
                        )
                        await uow.inventory.upsert([level.set(adopted, now)])
                    else:
                        drift.pushed += 1
                        push[item_id].append(
                            StockRequest(item_id, level.quantity, level.variation_id)
                        )
            await uow.commit()
        for item_id, requests in push.items():
            for result in await self._writer.apply(item_id, requests, now, "inventory_sync"):
                if result.outcome in (StockOutcome.REJECTED, StockOutcome.MISMATCH):
                    sync_log.record_error(f"{item_id}/{result.variation_id}: {result.reason}")
