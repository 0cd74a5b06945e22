"""The scheduler fires each periodic job once per interval, across replicas."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from adapters.local.coordination import LocalOnceGuard
from adapters.system.clock import ManualClock
from application.errors import QueueUnavailable
from application.ports.jobs import Job
from entrypoints.worker.scheduler import PeriodicJob, Scheduler

START = datetime(2026, 11, 26, 12, 0, 0, tzinfo=UTC)
JOBS = [PeriodicJob("orders", "sync_orders", 600), PeriodicJob("tokens", "refresh_tokens", 3600)]


class RecordingQueue:
    def __init__(self) -> None:
        self.jobs: list[Job] = []
        self.down = False

    async def enqueue(self, job: Job) -> None:
        if self.down:
            raise QueueUnavailable("broker down")
        self.jobs.append(job)


def test_each_job_fires_once_per_slot_whatever_the_number_of_replicas():
    async def scenario():
        clock, queue, guard = ManualClock(START), RecordingQueue(), LocalOnceGuard()
        replicas = [Scheduler(JOBS, queue, guard, clock) for _ in range(3)]
        for _ in range(3):
            for replica in replicas:
                await replica.tick()
        assert sorted(j.actor for j in queue.jobs) == ["refresh_tokens", "sync_orders"]
        clock.advance(600)
        for replica in replicas:
            await replica.tick()
        assert [j.actor for j in queue.jobs].count("sync_orders") == 2
        assert [j.actor for j in queue.jobs].count("refresh_tokens") == 1

    asyncio.run(scenario())


def test_a_broker_outage_is_retried_in_the_same_slot():
    async def scenario():
        clock, queue = ManualClock(START), RecordingQueue()
        scheduler = Scheduler(JOBS[:1], queue, LocalOnceGuard(), clock)
        queue.down = True
        assert await scheduler.tick() == []
        queue.down = False
        clock.advance(1)
        assert await scheduler.tick() == ["orders"]
        assert await scheduler.tick() == []
        clock.advance(600)
        assert await scheduler.tick() == ["orders"]

    asyncio.run(scenario())


def test_intervals_must_be_positive():
    with pytest.raises(ValueError, match="at least one second"):
        PeriodicJob("bad", "x", 0)


def test_run_stops_when_asked():
    async def scenario():
        stop = asyncio.Event()
        scheduler = Scheduler(JOBS, RecordingQueue(), LocalOnceGuard(), ManualClock(START))
        task = asyncio.create_task(scheduler.run(stop, resolution_seconds=0.01))
        await asyncio.sleep(0.05)
        stop.set()
        await asyncio.wait_for(task, 1)

    asyncio.run(scenario())
