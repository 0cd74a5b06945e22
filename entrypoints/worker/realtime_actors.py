"""The background jobs of the real-time pipeline (issue 7), by actor name.

Each calls one use case and is idempotent. `process_notification` and `deliver_webhook`
keep their own retry schedule and dead letters in the database, so the broker's retries
are only a safety net for crashes between steps and leave no dead letter of their own.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from application.dead_letters import PROCESS_NOTIFICATION
from application.notifications import PROCESS_NOTIFICATIONS
from application.reconcile import FAN_OUT, SYNC_ORDERS, SYNC_QUESTIONS
from application.subscriptions import DELIVER_WEBHOOK
from domain.sync import SyncTrigger
from entrypoints.worker.runtime import DEAD_JOB_ACTOR, ActorSpec

if TYPE_CHECKING:
    from entrypoints.container import Container

log = logging.getLogger(__name__)

SWEEP_INBOX = "sweep_inbox"
SWEEP_DELIVERIES = "sweep_deliveries"
RECOVER_MISSED_FEEDS = "recover_missed_feeds"
REPLAY_DEAD_LETTERS = "replay_dead_letters"

__all__ = [
    "DELIVER_WEBHOOK",
    "FAN_OUT",
    "PROCESS_NOTIFICATION",
    "PROCESS_NOTIFICATIONS",
    "RECOVER_MISSED_FEEDS",
    "REPLAY_DEAD_LETTERS",
    "SWEEP_DELIVERIES",
    "SWEEP_INBOX",
    "SYNC_ORDERS",
    "SYNC_QUESTIONS",
]


async def process_notification(container: Container, entry_id: int) -> None:
    await container.process_notification()(entry_id)


async def process_notifications(container: Container, entry_ids: str) -> None:
    await container.process_notifications()(entry_ids)


async def sweep_inbox(container: Container) -> None:
    await container.sweep_inbox()()


async def sweep_deliveries(container: Container) -> None:
    await container.sweep_deliveries()()


async def recover_missed_feeds(container: Container, trigger: str = "schedule") -> None:
    sync_log = await container.recover_missed_feeds()(SyncTrigger(trigger))
    log.info("missed feeds: %s %s", sync_log.status.value, sync_log.counts)


async def sync_orders(container: Container, account_id: int, trigger: str = "schedule") -> None:
    sync_log = await container.reconcile_orders()(account_id, SyncTrigger(trigger))
    log.info("orders of account %s: %s %s", account_id, sync_log.status.value, sync_log.counts)


async def sync_questions(container: Container, account_id: int, trigger: str = "schedule") -> None:
    sync_log = await container.reconcile_questions()(account_id, SyncTrigger(trigger))
    log.info("questions of account %s: %s %s", account_id, sync_log.status.value, sync_log.counts)


async def fan_out(container: Container, actor: str, trigger: str = "schedule") -> None:
    queued = await container.fan_out()(actor, trigger)
    log.info("%s queued for %d account(s)", actor, queued)


async def deliver_webhook(container: Container, delivery_id: int, reset: bool = False) -> None:
    await container.deliver_webhook()(delivery_id, reset)


async def replay_dead_letters(
    container: Container, account_id: int | None = None, trigger: str | None = None
) -> None:
    """After (re)connecting an account: its work that failed for want of a grant can
    run now (application.connect.ON_CONNECT_JOBS)."""
    replays = await container.replay_dead_letters()(account_id)
    if replays:
        log.info("replayed %d dead letter(s) of account %s", len(replays), account_id)


async def record_dead_job(
    container: Container, message: dict[str, Any], retry_info: dict[str, Any]
) -> None:
    """Dramatiq's `on_retry_exhausted`: the failed message, as a dict, and its retries."""
    options = message.get("options") or {}
    trace = str(options.get("traceback") or "").strip().splitlines()
    error = trace[-1] if trace else "failed on every retry"
    await container.record_dead_job()(
        message.get("actor_name", "?"),
        message.get("kwargs") or {},
        error,
        int(retry_info.get("retries", 0)) + 1,
    )


REALTIME_ACTORS = (
    ActorSpec(PROCESS_NOTIFICATION, process_notification, max_retries=3, dead_letter=False),
    ActorSpec(PROCESS_NOTIFICATIONS, process_notifications, max_retries=3, dead_letter=False),
    ActorSpec(SWEEP_INBOX, sweep_inbox, max_retries=0, dead_letter=False),
    ActorSpec(SWEEP_DELIVERIES, sweep_deliveries, max_retries=0, dead_letter=False),
    ActorSpec(RECOVER_MISSED_FEEDS, recover_missed_feeds, max_retries=2),
    ActorSpec(SYNC_ORDERS, sync_orders, max_retries=2),
    ActorSpec(SYNC_QUESTIONS, sync_questions, max_retries=2),
    ActorSpec(FAN_OUT, fan_out, max_retries=3),
    ActorSpec(DELIVER_WEBHOOK, deliver_webhook, max_retries=3, dead_letter=False),
    ActorSpec(REPLAY_DEAD_LETTERS, replay_dead_letters, max_retries=3),
    ActorSpec(DEAD_JOB_ACTOR, record_dead_job, max_retries=5, dead_letter=False),
)
