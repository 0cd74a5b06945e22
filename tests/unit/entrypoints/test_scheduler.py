"""The scheduler fires each periodic job once per interval, across replicas."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import attrs
import pytest

from adapters.local.coordination import LocalOnceGuard
from adapters.system.clock import ManualClock
from application import jobs
from application.errors import QueueUnavailable
from application.operations.schedule import PeriodicJob
from entrypoints.worker.scheduler import Scheduler

START = datetime(2026, 11, 26, 12, 0, 0, tzinfo=UTC)
ORDERS = jobs.FanOut("reconcile_orders")
TOKENS = jobs.RefreshExpiringTokens()
JOBS = [PeriodicJob("orders", ORDERS, 600), PeriodicJob("tokens", TOKENS, 3600)]


class RecordingQueue:
    def __init__(self) -> None:
        self.jobs: list[jobs.Job] = []
        self.down = False

    async def enqueue(self, job: jobs.Job, delay_seconds: float = 0.0) -> None:
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
        slot = int(START.timestamp()) // 600
        first = attrs.evolve(ORDERS, slot=slot)
        assert sorted(map(repr, queue.jobs)) == sorted(map(repr, [first, TOKENS]))
        clock.advance(600)
        for replica in replicas:
            await replica.tick()
        # A fan-out is told the slot it serves: the quota plan picks the slice from it.
        assert queue.jobs.count(first) == 1
        assert queue.jobs.count(attrs.evolve(ORDERS, slot=slot + 1)) == 1
        assert queue.jobs.count(TOKENS) == 1

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
        PeriodicJob("bad", TOKENS, 0)


def test_run_stops_when_asked():
    async def scenario():
        stop = asyncio.Event()
        scheduler = Scheduler(JOBS, RecordingQueue(), LocalOnceGuard(), ManualClock(START))
        task = asyncio.create_task(scheduler.run(stop, resolution_seconds=0.01))
        await asyncio.sleep(0.05)
        stop.set()
        await asyncio.wait_for(task, 1)

    asyncio.run(scenario())
