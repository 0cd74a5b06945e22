from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from enum import StrEnum

from application import jobs
from application.errors import (
    ApplicationError,
    NotFound,
    RateLimited,
    ReauthorizationRequired,
)
from application.notifications.receive_notification import RECOVERED
from application.notifications.record_resource import Read, RecordResource
from application.notifications.retry_policy import PERMANENT_ERRORS, RetryPolicy
from application.ports.clock import Clock
from application.ports.events import NoPipelineEvents, PipelineEvents
from application.ports.unit_of_work import UnitOfWorkFactory
from domain.accounts import Account, AccountStatus
from domain.dead_letters import DeadLetter, DeadLetterSource
from domain.notifications import InboxEntry, InboxStatus

log = logging.getLogger(__name__)


# §9.3: the topics this service subscribes to and processes; items go to SyncListing,
# the others are kept as snapshots until they have features of their own.


# How long a worker holds a claimed notification before another may take it over (a
# worker that died mid-run): far longer than one read, retries included.
DEFAULT_LEASE = timedelta(minutes=5)


# A recovered notification carries MercadoLibre's clock, not ours: only skip it when a
# read began comfortably after it.
CLOCK_SKEW_MARGIN = timedelta(minutes=5)


class ProcessOutcome(StrEnum):
    PROCESSED = "processed"
    COALESCED = "coalesced"  # a later read of the resource already covered it
    GONE = "gone"  # MercadoLibre no longer has the resource (404)
    RETRY = "retry"
    DEAD = "dead"
    SKIPPED = "skipped"  # not this job's to process (finished, not due, claimed)
    SUPERSEDED = "superseded"  # re-armed or taken over while this worker read it


class ProcessNotification:
    """Process one inbox entry (the `process_notification` job): read the resource with
    the seller's token and store it, idempotently.

    - The resource is read, checked and stored by RecordResource (a listing by
      SyncListing, which marks it removed on a 404; every other topic as a snapshot).
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
        clock: Clock,
        lease: timedelta = DEFAULT_LEASE,
        retry: RetryPolicy | None = None,
        events: PipelineEvents | None = None,
    ) -> None:
        self._uow = uow
        self._record = record
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
        settled = await self.settle_unread(entry, account, latest)
        if settled is not None:
            return settled
        assert account is not None and account.id is not None
        try:
            snapshot = await self.read(entry, account)
        except Exception as error:
            return await self.after_read_error(entry, account, error, started)
        return await self._processed(entry, account, snapshot, started, ProcessOutcome.PROCESSED)

    @property
    def lease(self) -> timedelta:
        return self._lease

    async def read(self, entry: InboxEntry, account: Account) -> Read:
        """Read (and, for a listing, store) what the entry points at (RecordResource)."""
        return await self._record.read(
            account, entry.notification.topic, entry.notification.resource
        )

    async def settle_unread(
        self, entry: InboxEntry, account: Account | None, latest: datetime | None
    ) -> ProcessOutcome | None:
        """The outcome of a claimed entry that needs no read (coalesced: a later read of
        its resource was stored; a dead letter: its seller cannot be read for, or it
        failed too often), or None when its resource must be read."""
        notification = entry.notification
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
        return None

    async def after_read_error(
        self, entry: InboxEntry, account: Account, error: Exception, started: datetime
    ) -> ProcessOutcome:
        """The outcome of a read that failed: gone (404), a dead letter (PERMANENT_ERRORS)
        or a retry on the policy's schedule (anything else, a bug included)."""
        if isinstance(error, NotFound):
            return await self._processed(entry, account, None, started, ProcessOutcome.GONE)
        if isinstance(error, PERMANENT_ERRORS):
            hint = (
                "; replay after reconnecting" if isinstance(error, ReauthorizationRequired) else ""
            )
            reason = f"{type(error).__name__}: {error}{hint}"
            # A failed read all the same: counted, then straight on to the dead letters.
            entry.move_to(InboxStatus.FAILED, self._clock.now(), error=reason)
            return await self._dead(entry, account, reason)
        if isinstance(error, ApplicationError):
            retry_after = error.retry_after if isinstance(error, RateLimited) else None
            return await self._failed(
                entry, account, f"{type(error).__name__}: {error}", retry_after
            )
        # A bug or an unexpected answer: retried like any failure, and logged in full.
        log.error("processing notification %s failed unexpectedly", entry.id, exc_info=error)
        return await self._failed(entry, account, f"{type(error).__name__}: {error}", None)

    async def processed_many(
        self,
        reads: Sequence[tuple[InboxEntry, Account, Read]],
        read_at: datetime,
    ) -> list[ProcessOutcome]:
        """`_processed` of several entries read at `read_at`, in one unit of work: each
        finished if it is still its claim (SUPERSEDED otherwise), stored and announced."""
        outcomes = []
        async with self._uow() as uow:
            now = self._clock.now()
            for entry, _, _ in reads:
                entry.move_to(InboxStatus.PROCESSED, read_at)
            finished = await uow.inbox.finish_processed([entry for entry, _, _ in reads], read_at)
            # Subscriptions once per topic, not once per entry: a listing's read is stored
            # already, so without subscribers there is nothing more to do for it.
            subscribed = {
                topic
                for topic in {entry.notification.topic for entry, _, _ in reads}
                if await uow.subscriptions.matching(topic)
            }
            for entry, account, snapshot in reads:
                if entry.id not in finished:
                    outcomes.append(ProcessOutcome.SUPERSEDED)
                    continue
                if snapshot is not None or entry.notification.topic in subscribed:
                    await self._record.store(uow, snapshot, account, entry, now)
                outcomes.append(ProcessOutcome.PROCESSED)
            await uow.commit()
        for (entry, _, _), outcome in zip(reads, outcomes, strict=True):
            if outcome is ProcessOutcome.PROCESSED:
                self._events.processed(entry.notification.topic, outcome)
        return outcomes

    async def _processed(
        self,
        entry: InboxEntry,
        account: Account | None,
        snapshot: Read,
        read_at: datetime,
        outcome: ProcessOutcome,
    ) -> ProcessOutcome:
        async with self._uow() as uow:
            entry.move_to(InboxStatus.PROCESSED, read_at)
            if not await uow.inbox.finish(entry):
                # Re-armed or taken over: the other run stores its own, newer read.
                return ProcessOutcome.SUPERSEDED
            if outcome is ProcessOutcome.PROCESSED and account is not None:
                await self._record.store(uow, snapshot, account, entry, self._clock.now())
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
            assert entry.id is not None
            uow.enqueue_after_commit(jobs.ProcessNotification(entry.id), delay_seconds=delay)
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


def _event_time(entry: InboxEntry) -> datetime:
    """When the change a notification announces happened at the latest, on our clock."""
    if entry.origin == RECOVERED:
        stamp = entry.notification.received or entry.notification.sent
        if stamp is not None:
            return stamp + CLOCK_SKEW_MARGIN
    return entry.received_at
