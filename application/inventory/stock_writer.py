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

import logging
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime

import attrs

from application.accounts.usable import usable_account
from application.errors import (
    ApplicationError,
    Conflict,
    NotFound,
)
from application.inventory.low_stock import check_low_stock
from application.inventory.states import state_refusal
from application.ports.clock import Clock
from application.ports.listing_gateway import ListingGateway, StockSnapshot
from application.ports.lock import Lock
from application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from domain.inventory import (
    REPAIR_SOURCE,
    StockChange,
    StockLevel,
    StockOutcome,
    StockRequest,
    StockResult,
)
from domain.listings import Listing

log = logging.getLogger(__name__)


LOCK_TIMEOUT = 60.0


Key = int | None  # a variation id, or None for a listing without variations


def stock_lock(item_id: str) -> str:
    return f"stock:{item_id}"


def _result(request: StockRequest, outcome: StockOutcome, reason: str | None = None) -> StockResult:
    return StockResult(request.item_id, request.variation_id, request.quantity, outcome, reason)


def failed_result(request: StockRequest, error: BaseException) -> StockResult:
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
                return StockWrite(tuple(failed_result(r, error) for r in requests), error)
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
                shown = shown_quantities(before)
                for key in live.keys() - shown.keys():
                    results[key] = _gone(live.pop(key))
                if live:
                    results.update(await self._publish(listing, live, before, shown))
        except ApplicationError as failure:
            error = failure
            log.warning("stock write of %s failed: %s", item_id, failure)
            by_key = {r.variation_id: r for r in requests}
            results.update({key: failed_result(by_key[key], failure) for key in live})
        else:
            if live:
                await self._record_published(item_id, live, levels, requested_at, source, results)
        return StockWrite(tuple(results[r.variation_id] for r in requests), error)

    async def _record_published(
        self,
        item_id: str,
        live: dict[Key, StockLevel],
        levels: dict[Key, StockLevel],
        requested_at: datetime,
        source: str,
        results: dict[Key, StockResult],
    ) -> None:
        """Store what MercadoLibre took. Everything stored was checked beforehand
        (requests.check_requests), so this should not fail; if it does, it is tried once
        more, and then each result says that MercadoLibre has the figure and the local
        copy does not: never a failure that reads as "nothing was published"."""
        for attempt in (1, 2):
            try:
                await self._record(item_id, live, levels, requested_at, source)
                return
            except Exception as failure:
                log.error(
                    "stock of %s published, storing it failed (attempt %d)",
                    item_id,
                    attempt,
                    exc_info=failure,
                )
                reason = f"{type(failure).__name__}: {str(failure).splitlines()[0][:300]}"
        for key, level in live.items():
            result = results[key]
            shows = result.observed if result.observed is not None else level.publishable
            results[key] = attrs.evolve(
                result,
                reason=f"published: MercadoLibre shows {shows}; the local copy could not "
                f"store it ({reason})",
            )

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
        observed = shown_quantities(after) if after else {}
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
            await _check_low_stock(uow, item_id, now)
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
                if adopted:
                    await _check_low_stock(uow, item_id, self._clock.now())
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
                if retired:
                    await _check_low_stock(uow, item_id, self._clock.now())
                await uow.commit()
        return retired, skipped


async def _check_low_stock(uow: UnitOfWork, item_id: str, now: datetime) -> None:
    """The listing's low-stock alerts follow its new levels, in the same transaction."""
    listing = await uow.listings.find(item_id)
    if listing is not None:
        await check_low_stock(uow, listing.account_id, now, [item_id])


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


def shown_quantities(snapshot: StockSnapshot) -> dict[Key, int]:
    if snapshot.variations:
        return dict(snapshot.variations)
    return {None: snapshot.available_quantity}
