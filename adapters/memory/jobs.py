from __future__ import annotations

from application.errors import QueueUnavailable
from application.ports.jobs import Job


class InMemoryJobQueue:
    """Records the jobs it is given, in order; tests read `.jobs`.

    Set `available = False` to play a broker that is down: `enqueue` then raises
    QueueUnavailable and records nothing.
    """

    def __init__(self) -> None:
        self.jobs: list[Job] = []
        self.available = True

    async def enqueue(self, job: Job) -> None:
        if not self.available:
            raise QueueUnavailable(f"the job queue is down; {job.actor} was not enqueued")
        self.jobs.append(job)
