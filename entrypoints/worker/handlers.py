"""The one table from each job (application.jobs) to what runs it.

Each handler calls one use case and is idempotent: running it twice does no harm, which
is what lets the queue retry it, the sweep put it back and the scheduler fire it from any
replica. `scheduled` names the periodic jobs (application.operations.schedule) that
queue it, directly or fanned out per account; tests/unit/entrypoints hold the table to the
job catalogue and the schedule.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import attrs

from application import jobs
from application.ports.rate_limiter import CallClass
from application.quota.call_class import calls_as
from entrypoints.container import Container

log = logging.getLogger(__name__)


@attrs.define(frozen=True)
class Handler:
    run: Callable[[Container, Any], Awaitable[None]]
    max_retries: int = 5
    # Whether a failure after the last broker retry leaves a dead letter. Jobs that keep
    # their own retry schedule and dead letters in the database leave none here: the
    # broker's retries are only a safety net for crashes between their steps.
    dead_letter: bool = True
    scheduled: tuple[str, ...] = ()
    # dramatiq stops the job past it (the coroutine is cancelled with it); the syncs
    # have none here: they stop themselves at MELI_SYNC_TIMEOUT and record why.
    time_limit_ms: float = 30 * 60 * 1000
    # The priority its MercadoLibre calls get from the rate limiter: the bulk reads are
    # PERIODIC whoever asked for them (a manual run reads as much as a scheduled one).
    call_class: CallClass = CallClass.INTERACTIVE

    async def serve(self, container: Container, job: Any) -> None:
        """Run the job with its calls in the handler's priority class."""
        with calls_as(self.call_class):
            await self.run(container, job)


SELF_LIMITED = float("inf")


def _logged(what: str, sync_log: Any) -> None:
    if sync_log is None:
        log.info("%s: nothing to run (another worker runs it, or it ended)", what)
        return
    log.info("%s: %s %s", what, sync_log.status.value, sync_log.counts)


async def sync_catalogue(c: Container, job: jobs.SyncCatalogue) -> None:
    _logged(
        f"sync_catalogue of account {job.account_id}",
        await c.sync_catalogue()(job.account_id, job.trigger, log_id=job.log_id),
    )


async def sync_inventory(c: Container, job: jobs.SyncInventory) -> None:
    _logged(
        f"sync_inventory of account {job.account_id}",
        await c.sync_inventory()(job.account_id, job.trigger, log_id=job.log_id),
    )


async def reconcile_orders(c: Container, job: jobs.ReconcileOrders) -> None:
    _logged(
        f"reconcile_orders of account {job.account_id}",
        await c.reconcile_orders()(job.account_id, job.trigger, log_id=job.log_id),
    )


async def reconcile_questions(c: Container, job: jobs.ReconcileQuestions) -> None:
    _logged(
        f"reconcile_questions of account {job.account_id}",
        await c.reconcile_questions()(job.account_id, job.trigger, log_id=job.log_id),
    )


async def replay_dead_letters(c: Container, job: jobs.ReplayDeadLetters) -> None:
    replays = await c.replay_dead_letters()(job.account_id)
    if replays:
        log.info("replay_dead_letters of account %s: %d", job.account_id, len(replays))


async def auto_answer_question(c: Container, job: jobs.AutoAnswerQuestion) -> None:
    outcome = await c.auto_answer_question()(job.question_id)
    log.info("auto_answer_question %s: %s", job.question_id, outcome.value)


async def settle_message(c: Container, job: jobs.SettleMessage) -> None:
    send = await c.settle_message()(job.send_id)
    log.info("settle_message %s: %s", job.send_id, send.status.value)


async def send_rule_message(c: Container, job: jobs.SendRuleMessage) -> None:
    run = await c.send_rule_message()(job.run_id)
    log.info("send_rule_message %s: %s %s", job.run_id, run.status.value, run.error or "")


async def settle_answer(c: Container, job: jobs.SettleAnswer) -> None:
    attempt = await c.settle_answer()(job.attempt_id)
    log.info("settle_answer %s: %s", job.attempt_id, attempt.status.value)


async def apply_stock_batch(c: Container, job: jobs.ApplyStockBatch) -> None:
    batch = await c.apply_stock_batch()(job.batch_id)
    log.info("apply_stock_batch %s: %s", job.batch_id, batch.status.value)


async def process_notification(c: Container, job: jobs.ProcessNotification) -> None:
    await c.process_notification()(job.entry_id)


async def process_notifications(c: Container, job: jobs.ProcessNotifications) -> None:
    await c.process_notifications()(job.entry_ids)


async def deliver_webhook(c: Container, job: jobs.DeliverWebhook) -> None:
    await c.deliver_webhook()(job.delivery_id, job.reset)


async def recover_missed_feeds(c: Container, job: jobs.RecoverMissedFeeds) -> None:
    _logged("recover_missed_feeds", await c.recover_missed_feeds()(job.trigger))


async def read_unread_messages(c: Container, job: jobs.ReadUnreadMessages) -> None:
    log.info("read_unread_messages: %s", await c.read_unread_messages()())


async def record_visits(c: Container, job: jobs.RecordVisits) -> None:
    log.info("record_visits: days stored per account %s", await c.record_visits()(job.days))


async def record_reputations(c: Container, job: jobs.RecordReputations) -> None:
    log.info("record_reputations: levels read per account %s", await c.record_reputations()())


async def refresh_expiring_tokens(c: Container, job: jobs.RefreshExpiringTokens) -> None:
    log.info("refresh_expiring_tokens: %s", await c.refresh_expiring_tokens()())


async def requeue_lost_work(c: Container, job: jobs.RequeueLostWork) -> None:
    await c.requeue_lost_work()(job.kinds)


async def fan_out(c: Container, job: jobs.FanOut) -> None:
    queued = await c.fan_out()(job.job, job.trigger, job.slot)
    log.info("fan_out: %s queued for %d account(s)", job.job, queued)


def periodic_sync(run: Callable[[Container, Any], Awaitable[None]], schedule: str) -> Handler:
    """A sync the scheduler fans out: bounded by its own timeout (MELI_SYNC_TIMEOUT), its
    calls periodic ones in the quota plan."""
    return Handler(
        run,
        max_retries=2,
        scheduled=(schedule,),
        time_limit_ms=SELF_LIMITED,
        call_class=CallClass.PERIODIC,
    )


HANDLERS: Mapping[type[jobs.Job], Handler] = {
    jobs.SyncCatalogue: periodic_sync(sync_catalogue, "products"),
    jobs.SyncInventory: periodic_sync(sync_inventory, "inventory"),
    jobs.ReconcileOrders: periodic_sync(reconcile_orders, "orders"),
    jobs.ReconcileQuestions: periodic_sync(reconcile_questions, "questions"),
    jobs.ReplayDeadLetters: Handler(replay_dead_letters, max_retries=3),
    jobs.AutoAnswerQuestion: Handler(auto_answer_question, max_retries=3),
    jobs.SettleAnswer: Handler(settle_answer, max_retries=5),
    jobs.SettleMessage: Handler(settle_message, max_retries=5),
    jobs.SendRuleMessage: Handler(send_rule_message, max_retries=5),
    jobs.ApplyStockBatch: Handler(apply_stock_batch, max_retries=3),
    jobs.ProcessNotification: Handler(
        process_notification,
        max_retries=3,
        dead_letter=False,
        call_class=CallClass.NOTIFICATION,
    ),
    jobs.ProcessNotifications: Handler(
        process_notifications,
        max_retries=3,
        dead_letter=False,
        call_class=CallClass.NOTIFICATION,
    ),
    jobs.DeliverWebhook: Handler(deliver_webhook, max_retries=3, dead_letter=False),
    jobs.RecoverMissedFeeds: Handler(
        recover_missed_feeds,
        max_retries=2,
        scheduled=("missed_feeds",),
        call_class=CallClass.PERIODIC,
    ),
    jobs.ReadUnreadMessages: Handler(
        read_unread_messages,
        max_retries=2,
        scheduled=("messages",),
        call_class=CallClass.PERIODIC,
    ),
    jobs.RecordVisits: Handler(
        record_visits, max_retries=2, scheduled=("visits",), call_class=CallClass.PERIODIC
    ),
    jobs.RecordReputations: Handler(
        record_reputations,
        max_retries=2,
        scheduled=("reputation",),
        call_class=CallClass.PERIODIC,
    ),
    jobs.RefreshExpiringTokens: Handler(
        refresh_expiring_tokens, max_retries=3, scheduled=("tokens",)
    ),
    jobs.RequeueLostWork: Handler(
        requeue_lost_work,
        max_retries=0,
        dead_letter=False,
        scheduled=("inbox_sweep", "delivery_sweep", "work_sweep"),
    ),
    jobs.FanOut: Handler(
        fan_out, max_retries=3, scheduled=("products", "inventory", "orders", "questions")
    ),
}
