from __future__ import annotations

import attrs

from application.errors import QueueUnavailable
from application.jobs import Job, job_name


@attrs.define(frozen=True)
class Queued:
    job: Job
    delay_seconds: float = 0.0


class InMemoryJobQueue:
    """Records the jobs it is given, in order; tests read `.jobs` (and `.queued`, with
    their delays).

    Set `available = False` to play a broker that is down: `enqueue` then raises
    QueueUnavailable and records nothing.
    """

    def __init__(self) -> None:
        self.queued: list[Queued] = []
        self.available = True

    @property
    def jobs(self) -> list[Job]:
        return [entry.job for entry in self.queued]

    async def enqueue(self, job: Job, delay_seconds: float = 0.0) -> None:
        if not self.available:
            raise QueueUnavailable(f"the job queue is down; {job_name(type(job))} was not enqueued")
        self.queued.append(Queued(job, delay_seconds))

    def clear(self) -> None:
        self.queued.clear()
