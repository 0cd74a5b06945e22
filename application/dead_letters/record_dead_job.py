from __future__ import annotations

import logging

from application.jobs import Job, job_name
from application.ports.clock import Clock
from application.ports.jobs import JobCodec
from application.ports.unit_of_work import UnitOfWorkFactory
from domain.dead_letters import DeadLetter, DeadLetterSource

log = logging.getLogger(__name__)


class RecordDeadJob:
    """A job that failed on every retry the broker gave it becomes a dead letter, so an
    operator sees it and can run it again (`on_retry_exhausted`, entrypoints/worker)."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, codec: JobCodec) -> None:
        self._uow = uow
        self._clock = clock
        self._codec = codec

    async def __call__(self, job: Job, error: str, attempts: int) -> DeadLetter:
        account_id = getattr(job, "account_id", None)
        async with self._uow() as uow:
            letter = await uow.dead_letters.add(
                DeadLetter(
                    source=DeadLetterSource.JOB,
                    reference=self._codec.encode(job),
                    topic=job_name(type(job)),
                    error=error,
                    attempts=attempts,
                    failed_at=self._clock.now(),
                    account_id=account_id if isinstance(account_id, int) else None,
                )
            )
            await uow.commit()
        log.warning("job %s failed for good: %s", job, error)
        return letter
