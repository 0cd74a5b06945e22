from __future__ import annotations

from collections.abc import Sequence

from application.errors import NotFound
from application.jobs import Job, with_trigger
from application.operations.schedule import PeriodicJob
from application.ports.jobs import JobQueue
from domain.sync import SyncTrigger


class RunPeriodicJob:
    """Queue a periodic job now, by its name (REST `POST /jobs/{name}/run`, `meli jobs
    run NAME`): the same job the scheduler queues, recording the caller's trigger."""

    def __init__(self, jobs: Sequence[PeriodicJob], queue: JobQueue) -> None:
        self._jobs = {job.name: job for job in jobs}
        self._queue = queue

    def find(self, name: str) -> PeriodicJob:
        """Raises NotFound for an unknown name."""
        try:
            return self._jobs[name]
        except KeyError:
            raise NotFound("periodic job", name) from None

    async def __call__(self, name: str, trigger: SyncTrigger) -> Job:
        """Raises NotFound for an unknown name, QueueUnavailable."""
        job = with_trigger(self.find(name).job, trigger)
        await self._queue.enqueue(job)
        return job
