"""The MercadoLibre notification pipeline (mercadolibre-api.md §9).

MercadoLibre wants an HTTP 200 within 500 ms (§9.4), retries for an hour, keeps what it
could not deliver for two days (§9.5), and switches slow topics off. So a notification is
only checked and stored (`ReceiveNotification`, one insert), acknowledged, and processed
later by a worker (`ProcessNotification`); the database is the source of truth and the
queue only a wake-up call, so a sweep (`SweepInbox`) finds anything whose job was lost,
and `RecoverMissedFeeds` reads back what MercadoLibre gave up on.

Exactly once in effect: the inbox stores a notification once (dedupe on its id, and on
its topic and resource while one is pending), processing is an idempotent re-read and
upsert, and one claim at a time holds an entry (`NotificationInbox.claim` / `finish`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from enum import StrEnum

import attrs

from application.dead_letters import PROCESS_NOTIFICATION
from application.errors import (
    ApplicationError,
    Forbidden,
    NotFound,
    RateLimited,
    ReauthorizationRequired,
    UndecryptableToken,
    ValidationFailed,
)
from application.ports.clock import Clock
from application.ports.events import NoPipelineEvents, PipelineEvents
from application.ports.jobs import Job, JobQueue
from application.ports.marketplace import Marketplace, MissedFeedPage
from application.ports.unit_of_work import UnitOfWorkFactory
from application.queries import InboxQuery, Page
from application.reconcile import RecordResource
from application.subscriptions import announce
from domain.accounts import Account, AccountStatus
from domain.dead_letters import DeadLetter, DeadLetterSource
from domain.notifications import InboxEntry, InboxStatus, Notification, expected_resource
from domain.resources import ResourceSnapshot, belongs_to, parties
from domain.sync import SyncKind, SyncLog, SyncTrigger

log = logging.getLogger(__name__)

__all__ = ["PROCESS_NOTIFICATION"]

# One job for the new notifications of a batch (`entry_ids`: comma-separated inbox ids):
# the broker gets one message per batch, not one per notification.
PROCESS_NOTIFICATIONS = "process_notifications"

LIVE = "live"
RECOVERED = "recovered"
# §9.3: the topics this service subscribes to and processes; items go to SyncListing,
# the others are kept as snapshots until they have features of their own.
ITEM_TOPICS = frozenset({"items"})
MISSED_FEED_TOPICS = (
    "orders_v2",
    "items",
    "questions",
    "messages",
    "shipments",
    "payments",
    "post_purchase",
)
# How long a worker holds a claimed notification before another may take it over (a
# worker that died mid-run): far longer than one read, retries included.
DEFAULT_LEASE = timedelta(minutes=5)
# A recovered notification carries MercadoLibre's clock, not ours: only skip it when a
# read began comfortably after it.
CLOCK_SKEW_MARGIN = timedelta(minutes=5)


class ForeignNotification(ApplicationError):
    """A notification for another MercadoLibre application: not ours to process (§9.6)."""


class Rejection(StrEnum):
    FOREIGN_APPLICATION = "foreign_application"
    UNKNOWN_SELLER = "unknown_seller"
    DISCONNECTED_SELLER = "disconnected_seller"
    SOURCE_ADDRESS = "source_address"
    # §9.3 names no such topic, or the resource is not the shape of the topic's: stored
    # as rejected and never read, since the body only decides what we GET (§9.6).
    UNKNOWN_TOPIC = "unknown_topic"
    UNEXPECTED_RESOURCE = "unexpected_resource"


class Acknowledgement(StrEnum):
    ACCEPTED = "accepted"  # stored and queued
    DUPLICATE = "duplicate"  # already stored, or its resource already pending
    REJECTED = "rejected"  # stored as rejected, never processed


@attrs.define(frozen=True)
class Receipt:
    status: Acknowledgement
    entry_id: int | None
    reason: str | None = None


@attrs.define
class _Arrival:
    notification: Notification
    origin: str
    answer: asyncio.Future[Receipt | None]


class ReceiveNotification:
    """Check a notification and store it in the inbox; queue its processing after commit.

    No MercadoLibre call and one insert, so the answer is fast (§9.4: 200 within 500 ms).
    A notification for another application raises ForeignNotification. One for a seller
    that is not connected is stored as `rejected` and acknowledged like any other, so
    MercadoLibre stops sending it; it is never processed (§9.6: check user_id against
    your records). A duplicate is acknowledged and changes nothing, except in one case: a
    notification for a resource a worker is reading right now may announce a change
    after that read, so the entry is re-armed and read again.

    Notifications that arrive while a batch is being written (after waiting `linger`
    seconds for company) are written together in the next one: one unit of work, one
    multi-row insert, one commit and one job, however many there are (at most
    MAX_BATCH). Under load this divides the cost per notification of the database and
    the broker; alone, a notification waits only `linger`. Each caller still gets its
    own receipt only once its notification is committed. One instance serves a process.
    """

    REARM_TRIES = 3
    MAX_BATCH = 200
    # Batches written at once (more only makes the batches smaller, and each costs CPU).
    WRITERS = 1

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        application_id: int,
        events: PipelineEvents | None = None,
        linger: float = 0.0,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._application_id = application_id
        self._events = events or NoPipelineEvents()
        # Seconds a batch waits for company before it is written.
        self._linger = linger
        self._arrivals: list[_Arrival] = []
        self._writers: set[asyncio.Task[None]] = set()

    async def __call__(self, notification: Notification, origin: str = LIVE) -> Receipt:
        if notification.application_id != self._application_id:
            self._events.rejected(Rejection.FOREIGN_APPLICATION)
            raise ForeignNotification(
                f"the notification is for application {notification.application_id}, not this one"
            )
        for _ in range(self.REARM_TRIES):
            receipt = await self._submit(notification, origin)
            if receipt is not None:
                return receipt
        # The pending entry kept moving on under us; MercadoLibre retries (§9.4).
        raise ApplicationError("the notification could not be stored; try again")

    async def _submit(self, notification: Notification, origin: str) -> Receipt | None:
        loop = asyncio.get_running_loop()
        arrival = _Arrival(notification, origin, loop.create_future())
        self._arrivals.append(arrival)
        self._writers = {w for w in self._writers if not w.done() and w.get_loop() is loop}
        if len(self._writers) < self.WRITERS:
            self._writers.add(loop.create_task(self._write()))
        return await arrival.answer

    async def _write(self) -> None:
        # Runs while there are arrivals; exits (with no await in between) when there are
        # none, so the next caller starts a new writer.
        while self._arrivals:
            if self._linger and len(self._arrivals) < self.MAX_BATCH:
                await asyncio.sleep(self._linger)
            batch = self._arrivals[: self.MAX_BATCH]
            del self._arrivals[: self.MAX_BATCH]
            await self._answer(batch)

    async def _answer(self, batch: list[_Arrival]) -> None:
        try:
            receipts = await self._store(batch)
        except Exception as error:
            if len(batch) > 1:
                # One bad notification must not fail the others: one at a time.
                for arrival in batch:
                    await self._answer([arrival])
                return
            if not batch[0].answer.done():
                batch[0].answer.set_exception(error)
            return
        for arrival, receipt in zip(batch, receipts, strict=True):
            if not arrival.answer.done():
                arrival.answer.set_result(receipt)

    async def _store(self, batch: list[_Arrival]) -> list[Receipt | None]:
        """Receipts in order; None for a notification to submit again (its pending entry
        finished while this batch was being written)."""
        now = self._clock.now()
        async with self._uow() as uow:
            by_seller: dict[int, Rejection | None] = {}
            rejections: list[Rejection | None] = []
            for arrival in batch:
                seller = arrival.notification.user_id
                if seller not in by_seller:
                    by_seller[seller] = _rejection(await uow.accounts.find_by_seller(seller))
                rejections.append(_unreadable(arrival.notification) or by_seller[seller])
            entries = [
                InboxEntry(
                    arrival.notification,
                    InboxStatus.RECEIVED if rejection is None else InboxStatus.REJECTED,
                    received_at=now,
                    origin=arrival.origin,
                    last_error=_rejection_text(rejection),
                )
                for arrival, rejection in zip(batch, rejections, strict=True)
            ]
            receipts: list[Receipt | None] = []
            accepted: list[int] = []
            for entry, rejection, (stored, is_new) in zip(
                entries, rejections, await uow.inbox.add_many(entries), strict=True
            ):
                assert stored.id is not None
                notification = entry.notification
                if is_new and rejection is None:
                    accepted.append(stored.id)
                    receipts.append(Receipt(Acknowledgement.ACCEPTED, stored.id))
                elif is_new:
                    receipts.append(Receipt(Acknowledgement.REJECTED, stored.id, rejection.value))
                elif (
                    rejection is None
                    and stored.status is InboxStatus.PROCESSING
                    and stored.notification.id != notification.id
                ):
                    if await uow.inbox.rearm(stored.id):
                        uow.enqueue_after_commit(Job(PROCESS_NOTIFICATION, {"entry_id": stored.id}))
                        receipts.append(Receipt(Acknowledgement.DUPLICATE, stored.id))
                    else:
                        # It finished meanwhile and is no longer pending: store this one.
                        receipts.append(None)
                else:
                    receipts.append(Receipt(Acknowledgement.DUPLICATE, stored.id))
            if len(accepted) == 1:
                uow.enqueue_after_commit(Job(PROCESS_NOTIFICATION, {"entry_id": accepted[0]}))
            elif accepted:
                uow.enqueue_after_commit(
                    Job(PROCESS_NOTIFICATIONS, {"entry_ids": ",".join(map(str, accepted))})
                )
            await uow.commit()
        for entry, receipt in zip(entries, receipts, strict=True):
            topic = entry.notification.topic
            if receipt is None:
                continue
            if receipt.status is Acknowledgement.ACCEPTED:
                self._events.received(topic, entry.origin)
            elif receipt.status is Acknowledgement.REJECTED:
                self._events.rejected(receipt.reason or "")
            else:
                self._events.duplicate(topic, entry.origin)
        return receipts


def _rejection_text(rejection: Rejection | None) -> str | None:
    return None if rejection is None else _REJECTION_TEXT[rejection]


_REJECTION_TEXT = {
    Rejection.UNKNOWN_SELLER: "the seller is not connected to this service",
    Rejection.DISCONNECTED_SELLER: "the seller's account was disconnected",
    Rejection.UNKNOWN_TOPIC: "MercadoLibre documents no such topic (§9.3); not read",
    Rejection.UNEXPECTED_RESOURCE: "the resource is not one this topic points at (§9.3); not read",
}


def _unreadable(notification: Notification) -> Rejection | None:
    expected = expected_resource(notification.topic, notification.resource)
    if expected is None:
        return Rejection.UNKNOWN_TOPIC
    return None if expected else Rejection.UNEXPECTED_RESOURCE


def _rejection(account: Account | None) -> Rejection | None:
    if account is None:
        return Rejection.UNKNOWN_SELLER
    if account.status is AccountStatus.DISCONNECTED:
        return Rejection.DISCONNECTED_SELLER
    return None


@attrs.define(frozen=True)
class RetryPolicy:
    """After the n-th failure, the next attempt comes `delays[n - 1]` seconds later (or
    after MercadoLibre's Retry-After, if longer); failure `len(delays) + 1` makes the
    notification a dead letter. Defaults: 5 failures, 10 s, 1 min, 5 min, 30 min between.
    Failures, not claims: re-arms and lease takeovers are no failed reads."""

    delays: tuple[float, ...] = (10, 60, 300, 1800)

    @property
    def max_attempts(self) -> int:
        return len(self.delays) + 1

    def delay_after(self, failures: int, retry_after: float | None = None) -> float | None:
        """Seconds to wait after `failures` failed attempts, or None to give up."""
        if failures >= self.max_attempts:
            return None
        delay = self.delays[max(failures, 1) - 1]
        return max(delay, retry_after or 0.0)


# Errors that no retry can fix: the seller must reconnect, or MercadoLibre refuses this
# request as it is. They go straight to the dead letters, from where an operator replays
# them once the cause is fixed.
PERMANENT_ERRORS: tuple[type[ApplicationError], ...] = (
    ReauthorizationRequired,
    Forbidden,
    ValidationFailed,
    UndecryptableToken,
)


class ProcessOutcome(StrEnum):
    PROCESSED = "processed"
    COALESCED = "coalesced"  # a later read of the resource already covered it
    GONE = "gone"  # MercadoLibre no longer has the resource (404)
    RETRY = "retry"
    DEAD = "dead"
    SKIPPED = "skipped"  # not this job's to process (finished, not due, claimed)
    SUPERSEDED = "superseded"  # re-armed or taken over while this worker read it


SyncItem = Callable[[int, str], Awaitable[object]]


class ProcessNotification:
    """Process one inbox entry (the `process_notification` job): read the resource with
    the seller's token and store it, idempotently.

    - `items` go to SyncListing (a 404 marks the listing removed); every other topic is
      read (RecordResource) and kept as a snapshot.
    - Bursts are coalesced: a notification is skipped (`coalesced`) when a read of its
      resource that began after it arrived was already stored. `processed_at` is always
      the time a real read began, so that comparison is sound.
    - Failures are retried on RetryPolicy's schedule (the entry is `failed` with
      `next_attempt_at`, and a delayed job is queued); permanent ones (PERMANENT_ERRORS,
      a seller no longer connected) and the last attempt go to the dead letters.
    - One worker at a time: the entry is claimed under a lease; a worker that dies leaves
      it `processing` until the lease runs out and the sweep queues it again.
    """

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        record: RecordResource,
        sync_item: SyncItem,
        clock: Clock,
        lease: timedelta = DEFAULT_LEASE,
        retry: RetryPolicy | None = None,
        events: PipelineEvents | None = None,
    ) -> None:
        self._uow = uow
        self._record = record
        self._sync_item = sync_item
        self._clock = clock
        self._lease = lease
        self._retry = retry or RetryPolicy()
        self._events = events or NoPipelineEvents()

    async def __call__(self, entry_id: int) -> ProcessOutcome:
        outcome = await self._process(entry_id)
        if outcome is not ProcessOutcome.SKIPPED:
            log.debug("notification %s: %s", entry_id, outcome.value)
        return outcome

    async def _process(self, entry_id: int) -> ProcessOutcome:
        started = self._clock.now()
        async with self._uow() as uow:
            entry = await uow.inbox.claim(entry_id, started, started + self._lease)
            if entry is None:
                return ProcessOutcome.SKIPPED
            notification = entry.notification
            account = await uow.accounts.find_by_seller(notification.user_id)
            latest = await uow.inbox.latest_processed_at(notification.topic, notification.resource)
            await uow.commit()
        if latest is not None and latest >= _event_time(entry):
            return await self._processed(entry, account, None, latest, ProcessOutcome.COALESCED)
        if entry.failures >= self._retry.max_attempts:
            # Reached by lease takeovers (the claim counts them): reads that died or
            # outlived their lease every time must end, like any other failing read.
            return await self._dead(
                entry,
                account,
                f"gave up after {entry.failures} failures: the read did not finish within "
                f"its lease ({self._lease.total_seconds():g} s) on the last attempts",
            )
        if account is None or account.status is AccountStatus.DISCONNECTED:
            state = "not connected" if account is None else "disconnected"
            return await self._dead(
                entry,
                account,
                f"the seller {notification.user_id} is {state}; connect the account again "
                "and replay",
            )
        if account.status is AccountStatus.NEEDS_REAUTHORIZATION:
            error = ReauthorizationRequired(account.id or 0, account.status_reason or "")
            return await self._dead(entry, account, f"{error}; replay after reconnecting")
        assert account.id is not None
        try:
            snapshot = await self._read(account, entry)
        except NotFound:
            return await self._processed(entry, account, None, started, ProcessOutcome.GONE)
        except PERMANENT_ERRORS as error:
            hint = (
                "; replay after reconnecting" if isinstance(error, ReauthorizationRequired) else ""
            )
            reason = f"{type(error).__name__}: {error}{hint}"
            # A failed read all the same: counted, then straight on to the dead letters.
            entry.move_to(InboxStatus.FAILED, self._clock.now(), error=reason)
            return await self._dead(entry, account, reason)
        except ApplicationError as error:
            retry_after = error.retry_after if isinstance(error, RateLimited) else None
            return await self._failed(
                entry, account, f"{type(error).__name__}: {error}", retry_after
            )
        except Exception as error:
            # A bug or an unexpected answer: retried like any failure, and logged in full.
            log.exception("processing notification %s failed unexpectedly", entry_id)
            return await self._failed(entry, account, f"{type(error).__name__}: {error}", None)
        return await self._processed(entry, account, snapshot, started, ProcessOutcome.PROCESSED)

    async def _read(self, account: Account, entry: InboxEntry) -> ResourceSnapshot | None:
        """Raises Forbidden for a resource of another seller: public ones (an item, §4.1)
        can be read with any token, and a notification is unsigned (§9.6), so naming one
        seller and another's resource must not store it as the first's."""
        assert account.id is not None
        notification = entry.notification
        if notification.topic in ITEM_TOPICS:
            # SyncListing stores the listing itself (and marks it removed on a 404); it
            # refuses another seller's listing the same way.
            await self._sync_item(account.id, notification.resource_id)
            return None
        snapshot = await self._record.read(account.id, notification.topic, notification.resource)
        if not belongs_to(snapshot.body, account.seller_id):
            raise Forbidden(
                f"{notification.resource} is not seller {account.seller_id}'s "
                f"(it names {sorted(parties(snapshot.body) or ())}); not stored"
            )
        return snapshot

    async def _processed(
        self,
        entry: InboxEntry,
        account: Account | None,
        snapshot: ResourceSnapshot | None,
        read_at: datetime,
        outcome: ProcessOutcome,
    ) -> ProcessOutcome:
        async with self._uow() as uow:
            if snapshot is not None:
                await uow.resources.upsert(snapshot)
            entry.move_to(InboxStatus.PROCESSED, read_at)
            if not await uow.inbox.finish(entry):
                # Re-armed or taken over: the other run stores its own, newer read.
                return ProcessOutcome.SUPERSEDED
            if outcome is ProcessOutcome.PROCESSED and account is not None:
                await announce(uow, entry, account, snapshot, self._clock.now())
            await uow.commit()
        self._events.processed(entry.notification.topic, outcome)
        return outcome

    async def _failed(
        self, entry: InboxEntry, account: Account | None, error: str, retry_after: float | None
    ) -> ProcessOutcome:
        now = self._clock.now()
        # The budget is failed reads, not claims: a burst re-arming the entry while it was
        # read, or a lease taken over, spends none of it. The last failure is counted too
        # (FAILED may go on to DEAD); only a finish on this claim stores either.
        entry.move_to(InboxStatus.FAILED, now, error=error)
        delay = self._retry.delay_after(entry.failures, retry_after)
        if delay is None:
            return await self._dead(
                entry, account, f"{error} (gave up after {entry.failures} failures)"
            )
        async with self._uow() as uow:
            entry.next_attempt_at = now + timedelta(seconds=delay)
            if not await uow.inbox.finish(entry):
                return ProcessOutcome.SUPERSEDED
            uow.enqueue_after_commit(
                Job(PROCESS_NOTIFICATION, {"entry_id": entry.id}, delay_seconds=delay)
            )
            await uow.commit()
        log.info(
            "notification %s (%s %s) failed, failure %d; retrying in %gs: %s",
            entry.id,
            entry.notification.topic,
            entry.notification.resource,
            entry.failures,
            delay,
            error,
        )
        self._events.processed(entry.notification.topic, ProcessOutcome.RETRY)
        return ProcessOutcome.RETRY

    async def _dead(self, entry: InboxEntry, account: Account | None, error: str) -> ProcessOutcome:
        now = self._clock.now()
        async with self._uow() as uow:
            entry.move_to(InboxStatus.DEAD, now, error=error)
            if not await uow.inbox.finish(entry):
                return ProcessOutcome.SUPERSEDED
            await uow.dead_letters.add(
                DeadLetter(
                    source=DeadLetterSource.NOTIFICATION,
                    reference=str(entry.id),
                    topic=entry.notification.topic,
                    error=error,
                    # Failed reads, as the error says ("gave up after N failures"); the
                    # inbox entry's `attempts` also counts claims a burst re-armed.
                    attempts=entry.failures,
                    failed_at=now,
                    account_id=None if account is None else account.id,
                )
            )
            await uow.commit()
        log.warning(
            "notification %s (%s %s) is a dead letter: %s",
            entry.id,
            entry.notification.topic,
            entry.notification.resource,
            error,
        )
        self._events.processed(entry.notification.topic, ProcessOutcome.DEAD)
        return ProcessOutcome.DEAD


class ProcessNotifications:
    """Process the new notifications of one batch (the `process_notifications` job), a
    few at a time; each exactly as ProcessNotification does alone."""

    CONCURRENCY = 8

    def __init__(self, process: ProcessNotification) -> None:
        self._process = process

    async def __call__(self, entry_ids: str) -> list[ProcessOutcome]:
        ids = [int(part) for part in entry_ids.split(",") if part.strip()]
        slots = asyncio.Semaphore(self.CONCURRENCY)

        async def one(entry_id: int) -> ProcessOutcome:
            async with slots:
                return await self._process(entry_id)

        return list(await asyncio.gather(*(one(entry_id) for entry_id in ids)))


def _event_time(entry: InboxEntry) -> datetime:
    """When the change a notification announces happened at the latest, on our clock."""
    if entry.origin == RECOVERED:
        stamp = entry.notification.received or entry.notification.sent
        if stamp is not None:
            return stamp + CLOCK_SKEW_MARGIN
    return entry.received_at


class SweepInbox:
    """Queue again every notification whose job was lost: received or processing (lease
    run out) longer than `grace` ago, or failed and due. Run at start-up and every
    minute; queueing twice is harmless (the claim lets one run through)."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        queue: JobQueue,
        clock: Clock,
        grace: timedelta = timedelta(minutes=1),
        batch: int = 500,
        max_batches: int = 40,
    ) -> None:
        self._uow = uow
        self._queue = queue
        self._clock = clock
        self._grace = grace
        self._batch = batch
        self._max_batches = max_batches

    async def __call__(self) -> int:
        cutoff = self._clock.now() - self._grace
        after: tuple[datetime, int] | None = None
        queued = 0
        for _ in range(self._max_batches):
            async with self._uow() as uow:
                entries = await uow.inbox.pending(cutoff, self._batch, after)
            for entry in entries:
                await self._queue.enqueue(Job(PROCESS_NOTIFICATION, {"entry_id": entry.id}))
            queued += len(entries)
            if len(entries) < self._batch:
                break
            last = entries[-1]
            assert last.id is not None
            after = (last.received_at, last.id)
        if queued:
            log.info("inbox sweep queued %d notification(s) again", queued)
        return queued


@attrs.define(frozen=True)
class InboxReport:
    page: Page[InboxEntry]
    counts: dict[tuple[str, InboxStatus], int]


class ListInbox:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, query: InboxQuery) -> InboxReport:
        async with self._uow() as uow:
            page = await uow.inbox.search(query)
            counts = await uow.inbox.counts()
        return InboxReport(page, counts)


class RecoverMissedFeeds:
    """Read back what MercadoLibre gave up delivering (GET /missed_feeds, §9.5: kept two
    days only) and store it like a live notification, with origin `recovered`.

    The feed is the application's: any connected seller's token reads it (another one is
    tried if MercadoLibre refuses the first). `topic=items` needs a site (§9.5), so items
    are read once per site of the connected accounts. What was already stored is a
    duplicate and changes nothing. Every run is a meli_sync_logs row (kind missed_feeds).
    """

    PAGE = 100
    MAX_PAGES = 50

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        marketplace: Marketplace,
        receive: ReceiveNotification,
        clock: Clock,
        application_id: int,
        topics: tuple[str, ...] = MISSED_FEED_TOPICS,
    ) -> None:
        self._uow = uow
        self._marketplace = marketplace
        self._receive = receive
        self._clock = clock
        self._application_id = application_id
        self._topics = topics

    async def __call__(self, trigger: SyncTrigger = SyncTrigger.SCHEDULE) -> SyncLog:
        async with self._uow() as uow:
            accounts = await uow.accounts.list(AccountStatus.ACTIVE)
            sync_log = await uow.sync_logs.add(
                SyncLog(SyncKind.MISSED_FEEDS, trigger, self._clock.now())
            )
            await uow.commit()
        readers = [account.id for account in accounts if account.id is not None]
        failure = None
        if not readers:
            sync_log.count("no_connected_account")
        else:
            sites = sorted({account.site_id for account in accounts})
            try:
                for topic in self._topics:
                    for site_id in sites if topic == "items" else [None]:
                        await self._read(sync_log, readers, topic, site_id)
            except ApplicationError as error:
                failure = f"{type(error).__name__}: {error}"
                log.warning("reading the missed feeds failed: %s", failure)
        sync_log.finish(self._clock.now(), failure)
        async with self._uow() as uow:
            await uow.sync_logs.save(sync_log)
            await uow.commit()
        return sync_log

    async def _read(
        self, sync_log: SyncLog, readers: list[int], topic: str, site_id: str | None
    ) -> None:
        offset = 0
        for _ in range(self.MAX_PAGES):
            page = await self._page(sync_log, readers, topic, site_id, offset)
            if page.unreadable:
                sync_log.count("unreadable", page.unreadable)
            for notification in page.notifications:
                try:
                    receipt = await self._receive(notification, origin=RECOVERED)
                except ForeignNotification:
                    sync_log.count("foreign")
                    continue
                sync_log.count(
                    "recovered"
                    if receipt.status is Acknowledgement.ACCEPTED
                    else receipt.status.value
                )
            # §9.5 documents no maximum `limit`: a page shorter than asked for may be
            # MercadoLibre's cap, not the end. Only an empty page ends the feed.
            if page.size == 0:
                return
            offset += page.size

    async def _page(
        self, sync_log: SyncLog, readers: list[int], topic: str, site_id: str | None, offset: int
    ) -> MissedFeedPage:
        while True:
            sync_log.api_calls += 1
            try:
                return await self._marketplace.missed_feeds(
                    readers[0], self._application_id, topic, site_id, offset, self.PAGE
                )
            except (ReauthorizationRequired, Forbidden) as error:
                if len(readers) == 1:
                    raise
                log.info("account %s cannot read the missed feeds (%s)", readers[0], error)
                readers.pop(0)
