"""How the background work is wired: every job of the catalogue has one handler, the
schedule and the handlers agree, the periodic jobs and their settings, the queue that
never makes the notification endpoint wait."""

from __future__ import annotations

import asyncio

import pytest

from adapters.queue.background import BackgroundJobQueue
from application import jobs
from application.accounts.complete_connect import on_connect_jobs
from application.errors import NotFound, QueueUnavailable
from application.operations.run_periodic_job import RunPeriodicJob
from application.operations.schedule import periodic_jobs
from application.ports.rate_limiter import CallClass
from application.quota.call_class import current_call_class
from domain.sync import SyncTrigger
from entrypoints.container.operations import intervals
from entrypoints.settings import Settings, SettingsError
from entrypoints.worker.handlers import HANDLERS, Handler


def test_every_job_of_the_catalogue_has_a_handler_and_every_handler_a_job():
    assert set(HANDLERS) == set(jobs.JOB_TYPES)


def test_every_schedule_entry_is_claimed_by_the_handler_of_the_job_it_queues():
    schedule = {entry.name: entry for entry in periodic_jobs(intervals(Settings()))}
    claims = {(job_type, name) for job_type, h in HANDLERS.items() for name in h.scheduled}
    for name, entry in schedule.items():
        assert (type(entry.job), name) in claims, f"{name}: {entry.job}"
        if isinstance(entry.job, jobs.FanOut):
            assert (jobs.job_type(entry.job.job), name) in claims, name


def test_every_handler_claims_only_schedule_entries_that_queue_its_job():
    schedule = {entry.name: entry.job for entry in periodic_jobs(intervals(Settings()))}
    for job_type, handler in HANDLERS.items():
        for name in handler.scheduled:
            assert name in schedule, f"{job_type.__name__} claims {name}, which is not scheduled"
            queued = schedule[name]
            fanned = jobs.job_type(queued.job) if isinstance(queued, jobs.FanOut) else None
            assert job_type in (type(queued), fanned), f"{name} queues {queued}"


def test_the_bulk_reads_are_periodic_calls_and_notifications_their_own_class():
    classes = {job_type: handler.call_class for job_type, handler in HANDLERS.items()}
    periodic = {jobs.SyncCatalogue, jobs.SyncInventory, jobs.ReconcileOrders}
    periodic |= {jobs.ReconcileQuestions, jobs.RecoverMissedFeeds, jobs.ReadUnreadMessages}
    periodic |= {jobs.RecordVisits, jobs.RecordReputations}
    assert {t for t, c in classes.items() if c is CallClass.PERIODIC} == periodic
    assert {t for t, c in classes.items() if c is CallClass.NOTIFICATION} == {
        jobs.ProcessNotification,
        jobs.ProcessNotifications,
    }
    # A stock batch, an answer, a webhook: what people asked for.
    assert classes[jobs.ApplyStockBatch] is CallClass.INTERACTIVE


async def test_a_handler_runs_its_job_with_its_calls_in_its_class():
    seen = []

    async def run(container, job):
        seen.append(current_call_class())

    await Handler(run, call_class=CallClass.PERIODIC).serve(None, None)  # type: ignore[arg-type]
    assert seen == [CallClass.PERIODIC]
    assert current_call_class() is CallClass.INTERACTIVE


def test_the_jobs_queued_on_connect_are_the_first_syncs_and_a_replay():
    queued = on_connect_jobs(7)
    assert {type(job) for job in queued} <= set(HANDLERS)
    assert queued == (
        jobs.SyncCatalogue(7, SyncTrigger.CONNECT),
        jobs.ReconcileOrders(7, SyncTrigger.CONNECT),
        jobs.ReconcileQuestions(7, SyncTrigger.CONNECT),
        jobs.ReplayDeadLetters(7),
    )


def test_the_periodic_jobs_run_at_the_products_intervals_and_are_configurable():
    every = {entry.name: entry.every_seconds for entry in periodic_jobs(intervals(Settings()))}
    assert every == {
        "tokens": 4 * 3600,
        # MELI_SYNC_PRODUCTS_INTERVAL (1800) is the staleness asked for: the quota plan
        # picks each account's slots on a tick of a twentieth of it.
        "products": 90,
        "inventory": 3600,
        "orders": 600,
        "questions": 900,
        "inbox_sweep": 60,
        "delivery_sweep": 60,
        "work_sweep": 60,
        "missed_feeds": 3600,
        "messages": 900,
        "visits": 6 * 3600,
        "reputation": 3600,
    }
    tuned = Settings.from_mapping(
        {
            "SYNC_ORDERS_INTERVAL": "120",
            "SWEEP_INTERVAL": "5",
            "MISSED_FEEDS_INTERVAL": "900",
            "SYNC_MESSAGES_INTERVAL": "300",
            "REPUTATION_INTERVAL": "21600",
        }
    )
    every = {entry.name: entry.every_seconds for entry in periodic_jobs(intervals(tuned))}
    assert (every["orders"], every["inbox_sweep"], every["missed_feeds"]) == (120, 5, 900)
    assert (every["messages"], every["reputation"]) == (300, 21600)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("MELI_MISSED_FEEDS_INTERVAL", str(3 * 86400), "between"),
        ("MELI_SWEEP_INTERVAL", "1", "between"),
        ("MELI_WEBHOOK_ALLOWED_IPS", "10.0.0.0/8,not-an-ip", "IP addresses or CIDR"),
        ("MELI_TRUST_PROXY", "perhaps", "true or false"),
    ],
)
def test_bad_notification_and_schedule_settings_name_the_variable(name, value, message):
    with pytest.raises(SettingsError, match=f"{name}.*{message}"):
        Settings.from_environment({name: value}, env_file=None)


def test_allowed_addresses_are_read_as_networks():
    settings = Settings.from_mapping({"WEBHOOK_ALLOWED_IPS": " 54.88.218.97, 10.0.0.0/8 ,"})
    assert settings.webhook_allowed_ips == ("54.88.218.97/32", "10.0.0.0/8")


class RecordingQueue:
    def __init__(self) -> None:
        self.jobs: list[jobs.Job] = []
        self.down = False
        self.calls = 0

    async def enqueue(self, job: jobs.Job, delay_seconds: float = 0.0) -> None:
        self.calls += 1
        await asyncio.sleep(0.01)
        if self.down:
            raise QueueUnavailable("redis: connection refused")
        self.jobs.append(job)


async def test_running_a_periodic_job_by_hand_passes_the_callers_trigger():
    queue = RecordingQueue()
    run = RunPeriodicJob(periodic_jobs(intervals(Settings())), queue)

    job = await run("orders", SyncTrigger.CLI)
    await run("tokens", SyncTrigger.API)

    assert job == jobs.FanOut("reconcile_orders", SyncTrigger.CLI)
    assert queue.jobs == [job, jobs.RefreshExpiringTokens()]
    with pytest.raises(NotFound):
        await run("nope", SyncTrigger.API)


async def test_the_background_queue_never_makes_the_caller_wait_or_fail():
    inner = RecordingQueue()
    queue = BackgroundJobQueue(inner, concurrency=2, pause_after_failure=60)

    for n in range(5):
        await queue.enqueue(jobs.ProcessNotification(n))
    assert inner.jobs == [], "sent in the background"
    await queue.drain()
    assert [job.entry_id for job in inner.jobs] == [0, 1, 2, 3, 4]

    inner.down = True
    for n in range(50):
        await queue.enqueue(jobs.ProcessNotification(n))
    await queue.drain()
    assert inner.calls <= 5 + 2, "after the first refusal, nothing waits on the broker"
    assert queue.dropped >= 48
