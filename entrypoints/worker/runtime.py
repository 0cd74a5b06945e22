"""Dramatiq actors bound to the container's event loop.

Every job of the catalogue (application.jobs) is an actor named after it; the message's
keyword arguments are turned back into the job (adapters.queue.codec) and handed to its
handler (handlers.py). Dramatiq runs actors in worker threads, while our use cases are
coroutines whose resources (database engine, HTTP session) belong to one event loop: each
actor therefore hands its coroutine to that loop and waits for it, in `meli worker` and
inside `meli serve` alike, so both run exactly the same actors.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from typing import Any

import dramatiq
from dramatiq.brokers.redis import RedisBroker

from adapters.queue.codec import job_from
from adapters.queue.dramatiq_queue import DEFAULT_QUEUE
from application.jobs import LEGACY_NAMES, Job, job_name
from entrypoints.container import Container
from entrypoints.worker.handlers import HANDLERS, Handler

log = logging.getLogger(__name__)

# The actor that records a job whose retries ran out as a dead letter. Dramatiq sends it
# (the message as a dict, the retry info) through `on_retry_exhausted`.
DEAD_JOB_ACTOR = "record_dead_job"


class WorkerRuntime:
    def __init__(
        self,
        container: Container,
        broker: dramatiq.Broker,
        handlers: Mapping[type[Job], Handler],
        threads: int,
    ) -> None:
        self._container = container
        self._broker = broker
        self._handlers = handlers
        self._threads = threads
        self._loop: asyncio.AbstractEventLoop | None = None
        self.worker: dramatiq.Worker | None = None

    def _names(self) -> dict[str, type[Job]]:
        names = {job_name(job_type): job_type for job_type in self._handlers}
        for legacy, job_type in LEGACY_NAMES.items():
            if job_type in self._handlers:
                names.setdefault(legacy, job_type)
        return names

    def declare(self) -> None:
        """Declare every actor on the broker (idempotent per broker)."""
        declared = set(self._broker.get_declared_actors())
        for name, job_type in self._names().items():
            if name in declared:
                continue
            handler = self._handlers[job_type]
            options: dict[str, Any] = {}
            if handler.dead_letter:
                options["on_retry_exhausted"] = DEAD_JOB_ACTOR
            dramatiq.actor(
                self._bridge(name, lambda job, h=handler: h.run(self._container, job)),
                actor_name=name,
                broker=self._broker,
                queue_name=DEFAULT_QUEUE,
                max_retries=handler.max_retries,
                time_limit=handler.time_limit_ms,
                **options,
            )
        if DEAD_JOB_ACTOR not in declared:
            dramatiq.actor(
                self._dead_job_bridge(),
                actor_name=DEAD_JOB_ACTOR,
                broker=self._broker,
                queue_name=DEFAULT_QUEUE,
                max_retries=5,
            )

    def _bridge(self, name: str, run: Callable[[Job], Any]) -> Callable[..., Any]:
        def actor(**kwargs: Any) -> Any:
            job = job_from(name, kwargs)
            log.debug("running %s", job)
            return self._on_loop(run(job))

        actor.__name__ = name
        return actor

    def _dead_job_bridge(self) -> Callable[..., Any]:
        def record_dead_job(message: dict[str, Any], retry_info: dict[str, Any]) -> Any:
            name = message.get("actor_name", "?")
            try:
                job = job_from(name, message.get("kwargs") or {})
            except ValueError as error:
                log.error("a job that failed for good cannot be recorded: %s", error)
                return None
            options = message.get("options") or {}
            trace = str(options.get("traceback") or "").strip().splitlines()
            error = trace[-1] if trace else "failed on every retry"
            attempts = int(retry_info.get("retries", 0)) + 1
            return self._on_loop(self._container.record_dead_job()(job, error, attempts))

        return record_dead_job

    def _on_loop(self, coroutine: Any) -> Any:
        if self._loop is None:
            coroutine.close()
            raise RuntimeError("the worker runtime was not started")
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result()

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
            "worker started with %d threads and jobs %s",
            self._threads,
            ", ".join(sorted(job_name(t) for t in self._handlers)) or "(none)",
        )

    @property
    def is_running(self) -> bool:
        return self.worker is not None and any(t.is_alive() for t in self.worker.workers)

    async def stop(self, timeout_seconds: float = 30.0) -> None:
        if self.worker is not None:
            # Blocking join in a thread: running actors need this loop to finish.
            await asyncio.to_thread(self.worker.stop, int(timeout_seconds * 1000))
            self.worker = None


def build_worker(container: Container) -> WorkerRuntime:
    """The worker of this process, running every job of the catalogue."""
    runtime = WorkerRuntime(
        container, container.broker(), HANDLERS, container.settings().worker_threads
    )
    container.worker_liveness().watch(lambda: runtime.is_running)
    return runtime
