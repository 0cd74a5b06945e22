"""The job queue on dramatiq: the same actors run from the in-process broker and Redis."""

from __future__ import annotations

import asyncio
import time
import uuid

import pytest

from adapters.queue.dramatiq_queue import (
    BrokerProbe,
    DramatiqJobQueue,
    in_process_broker,
    redis_broker,
)
from application.errors import QueueUnavailable, Unavailable
from application.ports.jobs import Job
from entrypoints.worker.runtime import ActorSpec, WorkerRuntime
from tests.helpers import free_port


class Recorder:
    """Stands in for the container: actors receive it and record what they ran, and on
    which event loop."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict]] = []
        self.loops: set[int] = set()
        self.done = asyncio.Event()
        self.expected = 1


async def record(container: Recorder, **kwargs) -> None:
    container.loops.add(id(asyncio.get_running_loop()))
    container.calls.append(("record", kwargs))
    if len(container.calls) >= container.expected:
        container.done.set()


ACTORS = {"record": ActorSpec("record", record, max_retries=0)}


async def run_jobs(broker, jobs: list[Job]) -> Recorder:
    recorder = Recorder()
    recorder.expected = len(jobs)
    runtime = WorkerRuntime(recorder, broker, ACTORS, threads=2)
    await runtime.start()
    try:
        queue = DramatiqJobQueue(broker)
        for job in jobs:
            await queue.enqueue(job)
        await asyncio.wait_for(recorder.done.wait(), timeout=15)
    finally:
        await runtime.stop(timeout_seconds=5)
    return recorder


async def test_in_process_jobs_run_on_the_callers_event_loop():
    recorder = await run_jobs(
        in_process_broker(), [Job("record", {"account_id": 1}), Job("record", {"account_id": 2})]
    )
    assert sorted(c[1]["account_id"] for c in recorder.calls) == [1, 2]
    assert recorder.loops == {id(asyncio.get_running_loop())}


async def test_delayed_jobs_wait_their_delay():
    started = time.monotonic()
    recorder = await run_jobs(in_process_broker(), [Job("record", {"n": 1}, delay_seconds=0.5)])
    assert recorder.calls and time.monotonic() - started >= 0.5


async def test_redis_jobs_reach_a_worker(redis_url):
    broker = redis_broker(redis_url, namespace=f"meli-test-{uuid.uuid4().hex}")
    try:
        recorder = await run_jobs(broker, [Job("record", {"item_id": "MLA1"})])
        assert recorder.calls == [("record", {"item_id": "MLA1"})]
        await BrokerProbe(broker).check()
    finally:
        broker.close()


async def test_a_dead_redis_fails_fast_with_queue_unavailable():
    broker = redis_broker(f"redis://127.0.0.1:{free_port()}/0")
    started = time.monotonic()
    with pytest.raises(QueueUnavailable, match="record"):
        await DramatiqJobQueue(broker).enqueue(Job("record"))
    with pytest.raises(Unavailable, match="redis"):
        await BrokerProbe(broker).check()
    assert time.monotonic() - started < 10


async def test_the_in_process_probe_follows_the_worker():
    broker = in_process_broker()
    runtime = WorkerRuntime(Recorder(), broker, ACTORS, threads=1)
    probe = BrokerProbe(broker, lambda: runtime.is_running)
    with pytest.raises(Unavailable):
        await probe.check()
    await runtime.start()
    await probe.check()
    await runtime.stop(timeout_seconds=5)
    with pytest.raises(Unavailable):
        await probe.check()
