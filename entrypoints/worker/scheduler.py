"""The scheduler: enqueues periodic jobs; safe to run as several replicas.

Time is cut into slots of each job's interval; a job fires once per slot, and the
OnceGuard makes sure only one replica fires it. Jobs go through the same queue and
actors as the manual triggers of the REST API and the CLI.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from application.errors import ApplicationError
from application.operations.schedule import PeriodicJob
from application.ports.clock import Clock
from application.ports.jobs import JobQueue
from application.ports.once_guard import OnceGuard
from entrypoints.container import Container

log = logging.getLogger(__name__)


class Scheduler:
    def __init__(
        self, jobs: Sequence[PeriodicJob], queue: JobQueue, guard: OnceGuard, clock: Clock
    ) -> None:
        self.jobs = tuple(jobs)
        self._queue = queue
        self._guard = guard
        self._clock = clock
        self._fired: dict[str, int] = {}
        self._owed: dict[str, int] = {}

    async def tick(self) -> list[str]:
        """Fire every job whose current slot has not fired yet; return their names."""
        fired = []
        now = self._clock.now().timestamp()
        for job in self.jobs:
            slot = int(now // job.every_seconds)
            if self._fired.get(job.name) == slot:
                continue
            try:
                # A replica that won the slot but could not enqueue keeps the slot and
                # retries on its next tick; the others already lost the guard.
                won = self._owed.get(job.name) == slot or await self._guard.first(
                    f"schedule:{job.name}:{slot}", job.every_seconds
                )
                if won:
                    self._owed[job.name] = slot
                    await self._queue.enqueue(job.at(slot))
                    del self._owed[job.name]
                    fired.append(job.name)
                    log.info("scheduled %s (slot %d)", job.name, slot)
            except ApplicationError as error:
                log.warning("could not schedule %s, will retry: %s", job.name, error)
                continue
            self._fired[job.name] = slot
        return fired

    async def run(self, stop: asyncio.Event, resolution_seconds: float = 1.0) -> None:
        log.info(
            "scheduler running: %s",
            ", ".join(f"{j.name} every {j.every_seconds}s" for j in self.jobs) or "no jobs",
        )
        while not stop.is_set():
            await self.tick()
            try:
                await asyncio.wait_for(stop.wait(), timeout=resolution_seconds)
            except TimeoutError:
                pass


def build_scheduler(container: Container) -> Scheduler:
    return Scheduler(
        container.periodic_jobs(),
        container.job_queue(),
        container.once_guard(),
        container.clock(),
    )
