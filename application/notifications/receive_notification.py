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
from enum import StrEnum

import attrs

from application import jobs
from application.errors import (
    ApplicationError,
)
from application.notifications.errors import ForeignNotification
from application.ports.clock import Clock
from application.ports.events import NoPipelineEvents, PipelineEvents
from application.ports.unit_of_work import UnitOfWorkFactory
from domain.accounts import Account, AccountStatus
from domain.notifications import (
    RECOVERED,  # noqa: F401 (re-exported: the origin of a recovered entry)
    InboxEntry,
    InboxStatus,
    Notification,
    expected_resource,
)

log = logging.getLogger(__name__)


LIVE = "live"


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
                        uow.enqueue_after_commit(jobs.ProcessNotification(stored.id))
                        receipts.append(Receipt(Acknowledgement.DUPLICATE, stored.id))
                    else:
                        # It finished meanwhile and is no longer pending: store this one.
                        receipts.append(None)
                else:
                    receipts.append(Receipt(Acknowledgement.DUPLICATE, stored.id))
            if len(accepted) == 1:
                uow.enqueue_after_commit(jobs.ProcessNotification(accepted[0]))
            elif accepted:
                uow.enqueue_after_commit(jobs.ProcessNotifications(tuple(accepted)))
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
