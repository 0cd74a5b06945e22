"""Dramatiq actors bound to the container's event loop.

Dramatiq runs actors in worker threads; our use cases are coroutines whose resources
(database engine, HTTP session) belong to one event loop. Each actor therefore hands its
coroutine to that loop and waits for it, in `meli worker` and inside `meli serve` alike,
so both run exactly the same actors.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import attrs
import dramatiq
from dramatiq.brokers.redis import RedisBroker

from adapters.queue.dramatiq_queue import DEFAULT_QUEUE

log = logging.getLogger(__name__)

JobHandler = Callable[..., Awaitable[Any]]

# The actor that records a job whose retries ran out as a dead letter (issue 7). Dramatiq
# sends it (message as a dict, retry info) through `on_retry_exhausted`.
DEAD_JOB_ACTOR = "record_dead_job"


@attrs.define(frozen=True)
class ActorSpec:
    """An actor: its name (the Job's `actor`), the coroutine it runs, broker options."""

    name: str
    handler: JobHandler  # called as handler(container, **job kwargs)
    max_retries: int = 5
    time_limit_ms: int = 30 * 60 * 1000
    # Whether a failure after the last retry leaves a dead letter (DEAD_JOB_ACTOR).
    dead_letter: bool = True


class WorkerRuntime:
    def __init__(
        self,
        container: Any,
        broker: dramatiq.Broker,
        actors: Mapping[str, ActorSpec],
        threads: int,
    ) -> None:
        self._container = container
        self._broker = broker
        self._actors = actors
        self._threads = threads
        self._loop: asyncio.AbstractEventLoop | None = None
        self.worker: dramatiq.Worker | None = None

    def declare(self) -> None:
        """Declare every actor on the broker (idempotent per broker)."""
        declared = set(self._broker.get_declared_actors())
        for spec in self._actors.values():
            if spec.name in declared:
                continue
            options: dict[str, Any] = {}
            if spec.dead_letter and DEAD_JOB_ACTOR in self._actors:
                options["on_retry_exhausted"] = DEAD_JOB_ACTOR
            dramatiq.actor(
                self._bridge(spec),
                actor_name=spec.name,
                broker=self._broker,
                queue_name=DEFAULT_QUEUE,
                max_retries=spec.max_retries,
                time_limit=spec.time_limit_ms,
                **options,
            )

    def _bridge(self, spec: ActorSpec) -> Callable[..., Any]:
        def run(*args: Any, **kwargs: Any) -> Any:
            if self._loop is None:
                raise RuntimeError("the worker runtime was not started")
            future = asyncio.run_coroutine_threadsafe(
                spec.handler(self._container, *args, **kwargs), self._loop
            )
            return future.result()

        run.__name__ = spec.name
        return run

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self.declare()
        # The in-process broker is polled; a short timeout keeps shutdowns quick.
        timeout = 1000 if isinstance(self._broker, RedisBroker) else 100
        self.worker = dramatiq.Worker(
            self._broker, worker_threads=self._threads, worker_timeout=timeout
        )
        self.worker.start()
        log.info(
            "worker started with %d threads and actors %s",
            self._threads,
            ", ".join(sorted(self._actors)) or "(none)",
        )

    @property
    def is_running(self) -> bool:
        return self.worker is not None and any(t.is_alive() for t in self.worker.workers)

    async def stop(self, timeout_seconds: float = 30.0) -> None:
        if self.worker is not None:
            # Blocking join in a thread: running actors need this loop to finish.
            await asyncio.to_thread(self.worker.stop, int(timeout_seconds * 1000))
            self.worker = None
