"""A JobQueue that never makes its caller wait for the broker.

The notification endpoint must answer MercadoLibre within 500 ms (§9.4) whatever the
broker does; its unit of work hands jobs here after commit. They are sent from background
tasks, a few at a time. When the broker refuses one, sending pauses for a while and the
jobs meanwhile are dropped: the notifications are stored, and the inbox sweep queues them
again. The database is the source of truth; the queue is only a wake-up call.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator

from application.errors import QueueUnavailable
from application.jobs import Job
from application.ports.jobs import JobQueue

log = logging.getLogger(__name__)


class BackgroundJobQueue:
    """Fire and forget on top of another JobQueue; `enqueue` never raises or waits."""

    def __init__(
        self,
        inner: JobQueue,
        *,
        concurrency: int = 4,
        max_pending: int = 10_000,
        pause_after_failure: float = 5.0,
    ) -> None:
        self._inner = inner
        self._slots = asyncio.Semaphore(concurrency)
        self._max_pending = max_pending
        self._pause = pause_after_failure
        self._paused_until = 0.0
        self._tasks: set[asyncio.Task[None]] = set()
        self.dropped = 0

    @property
    def pending(self) -> int:
        return len(self._tasks)

    async def enqueue(self, job: Job, delay_seconds: float = 0.0) -> None:
        if self._paused() or len(self._tasks) >= self._max_pending:
            self.dropped += 1
            return
        task = asyncio.create_task(self._send(job, delay_seconds))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _paused(self) -> bool:
        return time.monotonic() < self._paused_until

    async def _send(self, job: Job, delay_seconds: float) -> None:
        async with self._slots:
            # Checked again once a slot is free: the job ahead may just have found the
            # broker down, and waiting on it again would only hold a thread.
            if self._paused():
                self.dropped += 1
                return
            try:
                await self._inner.enqueue(job, delay_seconds)
            except QueueUnavailable as error:
                if not self._paused():
                    log.warning(
                        "the broker refused %s; jobs are not sent for %gs, the inbox "
                        "sweep queues them later: %s",
                        job,
                        self._pause,
                        error,
                    )
                self._paused_until = time.monotonic() + self._pause
                self.dropped += 1
            except Exception:
                log.exception("sending %s to the broker failed", job)
                self.dropped += 1

    async def drain(self, timeout: float = 5.0) -> None:
        """Wait (at most `timeout`) for the jobs still being sent."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=timeout)


async def background_queue(inner: JobQueue) -> AsyncIterator[BackgroundJobQueue]:
    """BackgroundJobQueue as a dependency-injector Resource: drained at shutdown."""
    queue = BackgroundJobQueue(inner)
    try:
        yield queue
    finally:
        await queue.drain()
