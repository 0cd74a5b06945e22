"""A stopping worker ends within its shutdown timeout (MELI_SHUTDOWN_TIMEOUT): running jobs
finish while there is time, the others are handed back to the queue (unacknowledged: no
retry spent, no dead letter) and their coroutines cancelled; a job past its time limit
stops running on the loop too. On Redis, a job handed back runs again in another worker."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import pytest

from adapters.queue.dramatiq_queue import DramatiqJobQueue, in_process_broker, redis_broker
from application import jobs
from entrypoints.worker.handlers import Handler
from entrypoints.worker.runtime import WorkerRuntime


class Jobs:
    """Stands in for the container: what the handlers did."""

    def __init__(self) -> None:
        self.started: list[int] = []
        self.finished: list[int] = []
        self.cancelled: list[int] = []
        self.running = asyncio.Event()
        self.release = asyncio.Event()


async def _work(record: Jobs, job: jobs.ApplyStockBatch) -> None:
    record.started.append(job.batch_id)
    record.running.set()
    try:
        await record.release.wait()
    except asyncio.CancelledError:
        record.cancelled.append(job.batch_id)
        raise
    record.finished.append(job.batch_id)


HANDLERS = {jobs.ApplyStockBatch: Handler(_work, max_retries=3)}


async def started(broker: Any, record: Jobs, threads: int = 1, **options: Any) -> WorkerRuntime:
    runtime = WorkerRuntime(record, broker, HANDLERS, threads=threads, **options)
    await runtime.start()
    return runtime


async def test_a_job_that_outlives_the_shutdown_timeout_is_handed_back_and_cancelled():
    broker = in_process_broker()
    record = Jobs()
    runtime = await started(broker, record, shutdown_timeout=1)
    await DramatiqJobQueue(broker).enqueue(jobs.ApplyStockBatch(1))
    await asyncio.wait_for(record.running.wait(), 10)

    began = time.monotonic()
    await runtime.stop()
    took = time.monotonic() - began

    assert took < 3, f"stopping took {took:.1f}s with a 1s shutdown timeout"
    assert record.cancelled == [1] and record.finished == []
    # Handed back, not failed: no retry queued by the Retries middleware, no dead letter.
    assert broker.queues["default"].qsize() == 0
    assert broker.queues["default.DQ"].qsize() == 0
    assert broker.dead_letters == []
    broker.close()


async def test_a_job_that_finishes_within_the_shutdown_timeout_is_let_finish():
    broker = in_process_broker()
    record = Jobs()
    runtime = await started(broker, record, shutdown_timeout=10)
    await DramatiqJobQueue(broker).enqueue(jobs.ApplyStockBatch(2))
    await asyncio.wait_for(record.running.wait(), 10)

    stopping = asyncio.create_task(runtime.stop())
    await asyncio.sleep(0.3)
    record.release.set()
    await asyncio.wait_for(stopping, 10)

    assert record.finished == [2] and record.cancelled == []
    broker.close()


async def test_a_job_past_its_time_limit_stops_running_on_the_loop():
    """dramatiq raises TimeLimitExceeded in the worker thread; before, the coroutine the
    thread waited for went on running, unseen, holding what it held."""
    broker = in_process_broker()
    record = Jobs()
    handlers = {jobs.ApplyStockBatch: Handler(_work, max_retries=0, time_limit_ms=200)}
    runtime = WorkerRuntime(record, broker, handlers, threads=1)
    await runtime.start()
    try:
        await DramatiqJobQueue(broker).enqueue(jobs.ApplyStockBatch(3))
        await asyncio.wait_for(record.running.wait(), 10)
        for _ in range(100):
            if record.cancelled:
                break
            await asyncio.sleep(0.05)
        assert record.cancelled == [3]
    finally:
        await runtime.stop(timeout_seconds=5)
        broker.close()


@pytest.mark.redis
async def test_on_redis_a_job_handed_back_at_shutdown_runs_again_in_the_next_worker(redis_url):
    namespace = f"meli-test-{uuid.uuid4().hex}"
    broker = redis_broker(redis_url, namespace=namespace)
    first = Jobs()
    runtime = await started(broker, first, shutdown_timeout=1)
    await DramatiqJobQueue(broker).enqueue(jobs.ApplyStockBatch(4))
    await asyncio.wait_for(first.running.wait(), 10)
    await runtime.stop()
    broker.close()
    assert first.cancelled == [4]

    broker = redis_broker(redis_url, namespace=namespace)
    second = Jobs()
    second.release.set()
    runtime = await started(broker, second)
    try:
        for _ in range(200):
            if second.finished:
                break
            await asyncio.sleep(0.05)
    finally:
        await runtime.stop(timeout_seconds=5)
        broker.close()
    assert second.finished == [4], "the job handed back was not run again"
