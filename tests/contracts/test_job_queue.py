"""Every JobQueue adapter holds to one contract: a job comes out as the typed job that
went in (every job of the catalogue), in order, after its delay; a broker that is down is
QueueUnavailable. Adapters: in-memory, dramatiq in-process, dramatiq on Redis, and the
background queue (which never raises: it drops and counts, see its own tests)."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator

import pytest

from adapters.memory.jobs import InMemoryJobQueue
from adapters.queue.background import BackgroundJobQueue
from adapters.queue.dramatiq_queue import (
    BrokerProbe,
    DramatiqJobQueue,
    in_process_broker,
    redis_broker,
)
from application import jobs
from application.errors import QueueUnavailable, Unavailable
from domain.sync import SyncTrigger
from entrypoints.worker.handlers import Handler
from entrypoints.worker.runtime import WorkerRuntime
from tests.helpers import free_port

# One of every job of the catalogue, with values that are not the defaults.
EVERY_JOB: list[jobs.Job] = [
    jobs.SyncCatalogue(1, SyncTrigger.CONNECT, log_id=77),
    jobs.SyncInventory(2, SyncTrigger.API),
    jobs.ReconcileOrders(3, SyncTrigger.CLI),
    jobs.ReconcileQuestions(4),
    jobs.ReplayDeadLetters(5),
    jobs.ReplayDeadLetters(None),
    jobs.AutoAnswerQuestion(12_000_000_001),
    jobs.SettleAnswer(13),
    jobs.SettleMessage(14),
    jobs.SendRuleMessage(15),
    jobs.ApplyStockBatch(6),
    jobs.ProcessNotification(7),
    jobs.ProcessNotifications((8, 9, 10)),
    jobs.DeliverWebhook(11, reset=True),
    jobs.RecoverMissedFeeds(SyncTrigger.NOTIFICATION),
    jobs.RefreshExpiringTokens(),
    jobs.ReadUnreadMessages(),
    jobs.RecordVisits(),
    jobs.RecordReputations(),
    jobs.RequeueLostWork(("notifications", "deliveries")),
    jobs.FanOut("reconcile_orders", SyncTrigger.API),
]


def test_the_sample_covers_every_job_of_the_catalogue():
    assert {type(job) for job in EVERY_JOB} == set(jobs.JOB_TYPES)


class Recorder:
    """Stands in for the container: handlers receive it and record the jobs they ran,
    and on which event loop."""

    def __init__(self, expected: int) -> None:
        self.jobs: list[tuple[jobs.Job, float]] = []
        self.loops: set[int] = set()
        self.expected = expected
        self.done = asyncio.Event()


async def _record(recorder: Recorder, job: jobs.Job) -> None:
    recorder.loops.add(id(asyncio.get_running_loop()))
    recorder.jobs.append((job, time.monotonic()))
    if len(recorder.jobs) >= recorder.expected:
        recorder.done.set()


HANDLERS = {job_type: Handler(_record, max_retries=0) for job_type in jobs.JOB_TYPES}


class Harness:
    """Enqueues through one adapter and tells what came out the other side."""

    name: str
    can_fail = True

    async def enqueue(self, job: jobs.Job, delay: float = 0.0) -> None:
        await self.queue.enqueue(job, delay)

    async def arrived(self, expected: int) -> list[tuple[jobs.Job, float]]:
        """(job, monotonic time it was handed over) for every job that came out."""
        raise NotImplementedError


class MemoryHarness(Harness):
    def __init__(self) -> None:
        self.queue = InMemoryJobQueue()
        self.times: list[float] = []

    async def enqueue(self, job: jobs.Job, delay: float = 0.0) -> None:
        await self.queue.enqueue(job, delay)
        self.times.append(time.monotonic() + delay)

    async def arrived(self, expected: int) -> list[tuple[jobs.Job, float]]:
        return [(q.job, at) for q, at in zip(self.queue.queued, self.times, strict=True)]


class DramatiqHarness(Harness):
    def __init__(self, broker) -> None:
        self.broker = broker
        self.queue = DramatiqJobQueue(broker)
        self.recorder = Recorder(0)
        self.runtime = WorkerRuntime(self.recorder, broker, HANDLERS, threads=1)

    async def arrived(self, expected: int) -> list[tuple[jobs.Job, float]]:
        self.recorder.expected = expected
        if len(self.recorder.jobs) < expected:
            self.recorder.done.clear()
            await asyncio.wait_for(self.recorder.done.wait(), timeout=15)
        return list(self.recorder.jobs)


class BackgroundHarness(MemoryHarness):
    can_fail = False  # it never raises: see tests/unit/adapters for what it drops

    def __init__(self) -> None:
        super().__init__()
        self.inner = self.queue
        self.queue = BackgroundJobQueue(self.inner, concurrency=1)

    async def arrived(self, expected: int) -> list[tuple[jobs.Job, float]]:
        await self.queue.drain()
        self.queue = self.inner
        return await super().arrived(expected)


@pytest.fixture(
    params=["memory", "in_process", pytest.param("redis", marks=pytest.mark.redis), "background"]
)
async def harness(request: pytest.FixtureRequest) -> AsyncIterator[Harness]:
    kind = request.param
    if kind == "memory":
        yield MemoryHarness()
        return
    if kind == "background":
        yield BackgroundHarness()
        return
    if kind == "in_process":
        broker = in_process_broker()
    else:
        url = request.getfixturevalue("redis_url")
        broker = redis_broker(url, namespace=f"meli-test-{uuid.uuid4().hex}")
    harness = DramatiqHarness(broker)
    await harness.runtime.start()
    try:
        yield harness
    finally:
        await harness.runtime.stop(timeout_seconds=5)
        broker.close()


async def test_every_job_comes_out_as_the_typed_job_that_went_in(harness):
    for job in EVERY_JOB:
        await harness.enqueue(job)

    arrived = [job for job, _ in await harness.arrived(len(EVERY_JOB))]

    assert sorted(map(repr, arrived)) == sorted(map(repr, EVERY_JOB))


async def test_a_delayed_job_is_not_handed_over_before_its_delay(harness):
    started = time.monotonic()
    await harness.enqueue(jobs.ProcessNotification(1), delay=0.5)

    [(job, at)] = await harness.arrived(1)

    assert job == jobs.ProcessNotification(1)
    assert at - started >= 0.5


async def test_a_broker_that_is_down_is_queue_unavailable():
    down = [
        lambda: DramatiqJobQueue(redis_broker(f"redis://127.0.0.1:{free_port()}/0")),
        _memory_down,
    ]
    for make in down:
        started = time.monotonic()
        with pytest.raises(QueueUnavailable, match="process_notification"):
            await make().enqueue(jobs.ProcessNotification(1))
        assert time.monotonic() - started < 10


def _memory_down() -> InMemoryJobQueue:
    queue = InMemoryJobQueue()
    queue.available = False
    return queue


async def test_in_process_jobs_run_on_the_callers_event_loop():
    harness = DramatiqHarness(in_process_broker())
    await harness.runtime.start()
    try:
        await harness.enqueue(jobs.ApplyStockBatch(1))
        await harness.enqueue(jobs.ApplyStockBatch(2))
        await harness.arrived(2)
    finally:
        await harness.runtime.stop(timeout_seconds=5)
    assert harness.recorder.loops == {id(asyncio.get_running_loop())}


async def test_a_message_queued_under_an_earlier_name_runs_as_the_same_job():
    """Messages still in a broker across an upgrade (application.jobs.LEGACY_NAMES)."""
    import dramatiq

    harness = DramatiqHarness(in_process_broker())
    await harness.runtime.start()
    try:
        message = dramatiq.Message(
            queue_name="default",
            actor_name="fan_out",
            args=(),
            kwargs={"actor": "sync_products", "trigger": "schedule"},
            options={},
        )
        harness.broker.enqueue(message)
        [(job, _)] = await harness.arrived(1)
    finally:
        await harness.runtime.stop(timeout_seconds=5)
    assert job == jobs.FanOut("sync_products", SyncTrigger.SCHEDULE)


async def test_redis_health_is_a_ping(redis_url):
    broker = redis_broker(redis_url, namespace=f"meli-test-{uuid.uuid4().hex}")
    try:
        await BrokerProbe(broker).check()
    finally:
        broker.close()
    dead = redis_broker(f"redis://127.0.0.1:{free_port()}/0")
    with pytest.raises(Unavailable, match="redis"):
        await BrokerProbe(dead).check()


async def test_the_in_process_probe_follows_the_worker():
    broker = in_process_broker()
    runtime = WorkerRuntime(Recorder(1), broker, HANDLERS, threads=1)
    probe = BrokerProbe(broker, lambda: runtime.is_running)
    with pytest.raises(Unavailable):
        await probe.check()
    await runtime.start()
    await probe.check()
    await runtime.stop(timeout_seconds=5)
    with pytest.raises(Unavailable):
        await probe.check()
