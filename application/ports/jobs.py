"""The job queue, and the durable form of a job (a dead letter keeps one to replay)."""

from __future__ import annotations

from typing import Protocol

from application.jobs import Job


class JobQueue(Protocol):
    async def enqueue(self, job: Job, delay_seconds: float = 0.0) -> None:
        """Hand the job to the broker, to run after `delay_seconds`. Raises
        QueueUnavailable.

        Not idempotent: enqueueing twice runs twice, so every job must be idempotent.
        The database stays the source of truth; a lost job is recovered by a sweep.
        """
        ...


class JobCodec(Protocol):
    def encode(self, job: Job) -> str:
        """The job as text that names it and its values: `decode` gives it back."""
        ...

    def decode(self, text: str) -> Job:
        """The job `text` names. Raises ValueError for text that names no job (an
        unknown name, missing or wrongly typed values). Accepts the names and shapes
        earlier versions wrote (application.jobs.LEGACY_NAMES)."""
        ...
