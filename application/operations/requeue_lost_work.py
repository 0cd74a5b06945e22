"""Queue again the stored work whose job was lost.

Every kind of queued work is in the database before its job is sent (the queue is only a
wake-up call), so a job lost with a broker outage, a Redis restart or a killed process
leaves its work waiting there. Each kind names how to find it (a `LostWork`), and one
sweep puts all of them back: at start-up and every minute. Queueing twice is harmless:
every job is idempotent, and the claims let one run through.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Protocol

import attrs

from application import jobs
from application.jobs import Job
from application.ports.clock import Clock
from application.ports.jobs import JobQueue
from application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)

Cursor = tuple[datetime, int]


@attrs.define(frozen=True)
class Lost:
    """One piece of waiting work: where it sorts (time, id) and the job that does it."""

    cursor: Cursor
    job: Job


class LostWork(Protocol):
    """A kind of queued work, as the sweep finds it."""

    @property
    def kind(self) -> str: ...

    async def page(
        self, uow: UnitOfWork, before: datetime, limit: int, after: Cursor | None
    ) -> Sequence[Lost]:
        """Work waiting since before `before` without its job having run, oldest first,
        continuing after `after`."""
        ...


class LostNotifications:
    """Notifications received, processing past their lease, or failed and due."""

    kind = "notifications"

    async def page(
        self, uow: UnitOfWork, before: datetime, limit: int, after: Cursor | None
    ) -> Sequence[Lost]:
        entries = await uow.inbox.pending(before, limit, after)
        return [
            Lost((entry.received_at, entry.id), jobs.ProcessNotification(entry.id))
            for entry in entries
            if entry.id is not None
        ]


class LostDeliveries:
    """Outbound deliveries pending and due."""

    kind = "deliveries"

    async def page(
        self, uow: UnitOfWork, before: datetime, limit: int, after: Cursor | None
    ) -> Sequence[Lost]:
        deliveries = await uow.deliveries.due(before, limit, after)
        return [
            Lost((delivery.created_at, delivery.id), jobs.DeliverWebhook(delivery.id))
            for delivery in deliveries
            if delivery.id is not None
        ]


class LostAutoAnswers:
    """Questions still marked for the auto-answer rules (the job never ran or died)."""

    kind = "auto_answers"

    async def page(
        self, uow: UnitOfWork, before: datetime, limit: int, after: Cursor | None
    ) -> Sequence[Lost]:
        marks = await uow.questions.waiting_for_rules(before, limit, after)
        return [Lost(mark, jobs.AutoAnswerQuestion(mark[1])) for mark in marks]


class LostAnswers:
    """Answers still pending: whether MercadoLibre took them is learnt by reading back."""

    kind = "answers"

    async def page(
        self, uow: UnitOfWork, before: datetime, limit: int, after: Cursor | None
    ) -> Sequence[Lost]:
        attempts = await uow.answers.pending(before, limit, after)
        return [
            Lost((attempt.requested_at, attempt.id), jobs.SettleAnswer(attempt.id))
            for attempt in attempts
            if attempt.id is not None
        ]


LOST_WORK: tuple[LostWork, ...] = (
    LostNotifications(),
    LostDeliveries(),
    LostAutoAnswers(),
    LostAnswers(),
)


class RequeueLostWork:
    """Queue again every piece of stored work waiting longer than `grace` (of the given
    kinds, or of all). Returns how many of each kind were queued."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        queue: JobQueue,
        clock: Clock,
        grace: timedelta = timedelta(minutes=1),
        sources: Sequence[LostWork] = LOST_WORK,
        batch: int = 500,
        max_batches: int = 40,
    ) -> None:
        self._uow = uow
        self._queue = queue
        self._clock = clock
        self._grace = grace
        self._sources = {source.kind: source for source in sources}
        self._batch = batch
        self._max_batches = max_batches

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(self._sources)

    async def __call__(self, kinds: Sequence[str] = ()) -> dict[str, int]:
        unknown = set(kinds) - set(self._sources)
        if unknown:
            raise ValueError(f"no such kind of work: {', '.join(sorted(unknown))}")
        before = self._clock.now() - self._grace
        queued: dict[str, int] = {}
        for kind in kinds or self.kinds:
            queued[kind] = await self._requeue(self._sources[kind], before)
            if queued[kind]:
                log.info("queued %d lost %s again", queued[kind], kind)
        return queued

    async def _requeue(self, source: LostWork, before: datetime) -> int:
        after: Cursor | None = None
        queued = 0
        for _ in range(self._max_batches):
            async with self._uow() as uow:
                found = await source.page(uow, before, self._batch, after)
            for lost in found:
                await self._queue.enqueue(lost.job)
            queued += len(found)
            if len(found) < self._batch:
                break
            after = found[-1].cursor
        return queued
