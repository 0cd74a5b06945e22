"""How the real-time pipeline is wired (issue 7): every job named anywhere is a
registered actor, the periodic jobs and their settings, the broker-proof queue."""

from __future__ import annotations

import asyncio

import pytest

from adapters.queue.background import BackgroundJobQueue
from application.connect import ON_CONNECT_JOBS
from application.errors import NotFound, QueueUnavailable
from application.jobs import RunPeriodicJob
from application.ports.jobs import Job
from entrypoints.settings import Settings, SettingsError
from entrypoints.worker.actors import ACTORS
from entrypoints.worker.runtime import DEAD_JOB_ACTOR
from entrypoints.worker.schedule import periodic_jobs


def test_every_job_queued_on_connect_or_by_the_schedule_is_a_registered_actor():
    jobs = periodic_jobs(Settings())
    named = set(ON_CONNECT_JOBS) | {j.actor for j in jobs}
    named |= {j.kwargs["actor"] for j in jobs if "actor" in j.kwargs}
    # Queued by the pipeline itself (ingest, retries, deliveries, replays).
    named |= {
        "process_notification",
        "process_notifications",
        "deliver_webhook",
        "replay_dead_letters",
    }
    assert named <= set(ACTORS)
    assert DEAD_JOB_ACTOR in ACTORS
    assert set(ON_CONNECT_JOBS) == {
        "sync_products",
        "sync_orders",
        "sync_questions",
        "replay_dead_letters",
    }


def test_the_periodic_jobs_run_at_the_products_intervals_and_are_configurable():
    jobs = {job.name: job for job in periodic_jobs(Settings())}
    assert {name: job.every_seconds for name, job in jobs.items()} == {
        "tokens": 4 * 3600,
        "products": 1800,
        "inventory": 3600,
        "orders": 600,
        "questions": 900,
        "inbox_sweep": 60,
        "delivery_sweep": 60,
        "missed_feeds": 3600,
    }
    tuned = Settings.from_mapping(
        {"SYNC_ORDERS_INTERVAL": "120", "SWEEP_INTERVAL": "5", "MISSED_FEEDS_INTERVAL": "900"}
    )
    jobs = {job.name: job.every_seconds for job in periodic_jobs(tuned)}
    assert (jobs["orders"], jobs["inbox_sweep"], jobs["missed_feeds"]) == (120, 5, 900)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("MELI_MISSED_FEEDS_INTERVAL", str(3 * 86400), "between"),
        ("MELI_SWEEP_INTERVAL", "1", "between"),
        ("MELI_WEBHOOK_ALLOWED_IPS", "10.0.0.0/8,not-an-ip", "IP addresses or CIDR"),
        ("MELI_TRUST_PROXY", "perhaps", "true or false"),
    ],
)
def test_bad_realtime_settings_name_the_variable(name, value, message):
    with pytest.raises(SettingsError, match=f"{name}.*{message}"):
        Settings.from_environment({name: value}, env_file=None)


def test_allowed_addresses_are_read_as_networks():
    settings = Settings.from_mapping({"WEBHOOK_ALLOWED_IPS": " 54.88.218.97, 10.0.0.0/8 ,"})
    assert settings.webhook_allowed_ips == ("54.88.218.97/32", "10.0.0.0/8")


class RecordingQueue:
    def __init__(self) -> None:
        self.jobs: list[Job] = []
        self.down = False
        self.calls = 0

    async def enqueue(self, job: Job) -> None:
        self.calls += 1
        await asyncio.sleep(0.01)
        if self.down:
            raise QueueUnavailable("redis: connection refused")
        self.jobs.append(job)


async def test_running_a_periodic_job_by_hand_passes_the_callers_trigger():
    queue = RecordingQueue()
    run = RunPeriodicJob(periodic_jobs(Settings()), queue)

    job = await run("orders", "cli")
    await run("tokens", "api")

    assert job == Job("fan_out", {"actor": "sync_orders", "trigger": "cli"})
    assert queue.jobs[1] == Job("refresh_tokens", {})
    with pytest.raises(NotFound):
        await run("nope", "api")


async def test_the_background_queue_never_makes_the_caller_wait_or_fail():
    inner = RecordingQueue()
    queue = BackgroundJobQueue(inner, concurrency=2, pause_after_failure=60)

    for n in range(5):
        await queue.enqueue(Job("process_notification", {"entry_id": n}))
    assert inner.jobs == [], "sent in the background"
    await queue.drain()
    assert [job.kwargs["entry_id"] for job in inner.jobs] == [0, 1, 2, 3, 4]

    inner.down = True
    for n in range(50):
        await queue.enqueue(Job("process_notification", {"entry_id": n}))
    await queue.drain()
    assert inner.calls <= 5 + 2, "after the first refusal, nothing waits on the broker"
    assert queue.dropped >= 48
