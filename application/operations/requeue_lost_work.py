"""Queue again the stored work whose job was lost.

Every kind of queued work is in the database before its job is sent (the queue is only a
wake-up call), so a job lost with a broker outage, a Redis restart or a killed process
leaves its work waiting there. Each kind names how to find it (a `LostWork`), and one
sweep puts all of them back: at start-up and every minute. Queueing twice is harmless:
every job is idempotent, and the claims let one run through.

Work held under a lease (a sync run, a stock batch) whose worker died is found once the
lease ran out: a stock batch is queued again as it is; a sync run is closed as
`abandoned` and asked for again (a queued successor), as a worker does when its job is
delivered again. A source may write such changes: each page is committed before its
jobs are sent.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Protocol

import attrs

from application import jobs
from application.errors import Conflict
from application.jobs import Job
from application.ports.clock import Clock
from application.ports.jobs import JobQueue
from application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from application.sync_logs.requests import job_for
from application.sync_logs.runs import LEASE_RAN_OUT
from domain.sync import SyncLog, SyncStatus

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


class LostMessageSends:
    """Messages still pending: whether MercadoLibre took them is learnt by reading the
    conversation back (§8.2)."""

    kind = "message_sends"

    async def page(
        self, uow: UnitOfWork, before: datetime, limit: int, after: Cursor | None
    ) -> Sequence[Lost]:
        sends = await uow.message_sends.pending(before, limit, after)
        return [
            Lost((send.requested_at, send.id), jobs.SettleMessage(send.id))
            for send in sends
            if send.id is not None
        ]


class LostRuleMessages:
    """Automatic messages due whose job never ran or died."""

    kind = "rule_messages"

    async def page(
        self, uow: UnitOfWork, before: datetime, limit: int, after: Cursor | None
    ) -> Sequence[Lost]:
        runs = await uow.message_rule_runs.due(before, limit, after)
        return [
            Lost((run.due_at, run.id), jobs.SendRuleMessage(run.id))
            for run in runs
            if run.id is not None
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


class LostStockBatches:
    """Bulk stock updates accepted and not finished: pending, or running under a lease
    that ran out (their worker died)."""

    kind = "stock_batches"

    async def page(
        self, uow: UnitOfWork, before: datetime, limit: int, after: Cursor | None
    ) -> Sequence[Lost]:
        batches = await uow.stock_batches.waiting(before, limit, after)
        return [
            Lost((batch.requested_at, batch.id), jobs.ApplyStockBatch(batch.id))
            for batch in batches
            if batch.id is not None
        ]


class LostSyncs:
    """Sync runs asked for and not run: queued, or left by a worker that died (running
    past its lease, which closes them as abandoned here, or abandoned without a
    successor yet: each gets one, asked for anew)."""

    kind = "syncs"

    async def page(
        self, uow: UnitOfWork, before: datetime, limit: int, after: Cursor | None
    ) -> Sequence[Lost]:
        if after is None:
            await self._run_again(uow, before, limit)
        waiting = await uow.sync_logs.queued(before, limit, after)
        return [
            Lost((log.requested_at, log.id), job_for(log))
            for log in waiting
            if log.requested_at is not None and log.id is not None
        ]

    async def _run_again(self, uow: UnitOfWork, before: datetime, limit: int) -> None:
        for left in await uow.sync_logs.unfinished(before, limit):
            assert left.id is not None
            if left.status is SyncStatus.RUNNING:
                abandoned = await uow.sync_logs.abandon(left.id, LEASE_RAN_OUT, before)
                if abandoned is None:
                    continue  # renewed, or ended, meanwhile
                left = abandoned
                log.warning("sync log %s: its worker died; abandoned", left.id)
            if not left.may_run_again or left.account_id is None:
                continue
            # Asked for again when its run was found dead, so that this very sweep
            # sends it (its requested time is before `before`).
            again_at = left.finished_at or before
            try:
                await uow.sync_logs.add(
                    SyncLog.requested(left.kind, left.trigger, again_at, left.account_id, left)
                )
            except Conflict:
                continue  # a worker runs it again already


class LostReplays:
    """Replays asked for when an account was connected again (application.accounts:
    on_connect_jobs) whose job was lost: dead letters of an active account that failed
    before its latest connection and are still open."""

    kind = "replays"

    async def page(
        self, uow: UnitOfWork, before: datetime, limit: int, after: Cursor | None
    ) -> Sequence[Lost]:
        waiting = await uow.dead_letters.awaiting_replay(before, limit, after)
        return [
            Lost((connected_at, account_id), jobs.ReplayDeadLetters(account_id))
            for account_id, connected_at in waiting
        ]


LOST_WORK: tuple[LostWork, ...] = (
    LostNotifications(),
    LostDeliveries(),
    LostAutoAnswers(),
    LostAnswers(),
    LostMessageSends(),
    LostRuleMessages(),
    LostStockBatches(),
    LostSyncs(),
    LostReplays(),
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
                await uow.commit()
            for lost in found:
                await self._queue.enqueue(lost.job)
            queued += len(found)
            if len(found) < self._batch:
                break
            after = found[-1].cursor
        return queued
