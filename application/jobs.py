"""The periodic jobs, run by hand: the same jobs the scheduler queues (REST `POST
/jobs/{name}/run`, `meli jobs run NAME`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from application.errors import NotFound
from application.ports.jobs import Job, JobQueue, JsonScalar


class PeriodicJobSpec(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def actor(self) -> str: ...

    @property
    def every_seconds(self) -> int: ...

    @property
    def kwargs(self) -> Mapping[str, JsonScalar]: ...


def job_for(spec: PeriodicJobSpec, trigger: str) -> Job:
    """The job a periodic job queues; jobs that record a trigger get the caller's."""
    kwargs = dict(spec.kwargs)
    if "trigger" in kwargs:
        kwargs["trigger"] = trigger
    return Job(spec.actor, kwargs)


class RunPeriodicJob:
    def __init__(self, jobs: Sequence[PeriodicJobSpec], queue: JobQueue) -> None:
        self._jobs = {job.name: job for job in jobs}
        self._queue = queue

    def find(self, name: str) -> PeriodicJobSpec:
        try:
            return self._jobs[name]
        except KeyError:
            raise NotFound("periodic job", name) from None

    async def __call__(self, name: str, trigger: str) -> Job:
        """Queue the job now. Raises NotFound for an unknown name, QueueUnavailable."""
        job = job_for(self.find(name), trigger)
        await self._queue.enqueue(job)
        return job
