"""Dramatiq actors bound to the container's event loop.

Every job of the catalogue (application.jobs) is an actor named after it; the message's
keyword arguments are turned back into the job (adapters.queue.codec) and handed to its
handler (handlers.py). Dramatiq runs actors in worker threads, while our use cases are
coroutines whose resources (database engine, HTTP session) belong to one event loop: each
actor therefore hands its coroutine to that loop and waits for it, in `meli worker` and
inside `meli serve` alike, so both run exactly the same actors.

The wait is a short poll, so that what dramatiq raises in the thread (a job's time
limit) reaches it, and stops the coroutine too. Stopping (SIGTERM) takes no new
message, lets running jobs finish until MELI_SHUTDOWN_TIMEOUT nearly runs out, then
hands back those still running: their messages go back to the queue unacknowledged (no
retry spent, no dead letter) and their coroutines are cancelled, so each records how it
ended (a sync log is closed as `abandoned`) before the process exits.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import threading
import weakref
from collections import defaultdict
from collections.abc import Callable, Mapping
from typing import Any

import attrs
import dramatiq
from dramatiq.brokers.redis import RedisBroker
from dramatiq.middleware import CurrentMessage

from adapters.queue.codec import job_from
from adapters.queue.dramatiq_queue import DEFAULT_QUEUE
from application.jobs import LEGACY_NAMES, Job, job_name
from entrypoints.container import Container
from entrypoints.worker.handlers import HANDLERS, Handler

log = logging.getLogger(__name__)

# The actor that records a job whose retries ran out as a dead letter. Dramatiq sends it
# (the message as a dict, the retry info) through `on_retry_exhausted`.
DEAD_JOB_ACTOR = "record_dead_job"

# How often a worker thread waiting for its coroutine looks up (to be told to stop).
POLL_SECONDS = 0.2

DEFAULT_SHUTDOWN_TIMEOUT = 30.0

_BOOTED: weakref.WeakSet[dramatiq.Broker] = weakref.WeakSet()


@attrs.define(eq=False)
class _Running:
    """A job a worker thread runs on the loop: its coroutine's future and its message."""

    message: dramatiq.MessageProxy | None
    future: concurrent.futures.Future[Any] | None = None
    task: asyncio.Task[Any] | None = None  # set once the coroutine started on the loop
    handed_back: bool = False

    async def run(self, coroutine: Any) -> Any:
        self.task = asyncio.current_task()
        return await coroutine


class WorkerRuntime:
    def __init__(
        self,
        container: Container,
        broker: dramatiq.Broker,
        handlers: Mapping[type[Job], Handler],
        threads: int,
        shutdown_timeout: float = DEFAULT_SHUTDOWN_TIMEOUT,
    ) -> None:
        self._container = container
        self._broker = broker
        self._handlers = handlers
        self._threads = threads
        self._shutdown_timeout = shutdown_timeout
        self._loop: asyncio.AbstractEventLoop | None = None
        self._running: set[_Running] = set()
        self._guard = threading.Lock()
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
                self._bridge(name, lambda job, h=handler: h.serve(self._container, job)),
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
        """Run `coroutine` on the loop from a worker thread and wait for it; None once
        the job was handed back (see stop)."""
        if self._loop is None:
            coroutine.close()
            raise RuntimeError("the worker runtime was not started")
        running = _Running(CurrentMessage.get_current_message())
        # Known before it starts: a stop that comes at once must see it.
        with self._guard:
            self._running.add(running)
        running.future = future = asyncio.run_coroutine_threadsafe(
            running.run(coroutine), self._loop
        )
        try:
            while True:
                try:
                    return future.result(timeout=POLL_SECONDS)
                except concurrent.futures.CancelledError:
                    if running.handed_back:
                        return None
                    raise
                except TimeoutError:
                    if future.done():
                        raise  # the job's own TimeoutError
                    if running.handed_back:
                        return None
        except BaseException:
            # What dramatiq raises in this thread (a time limit) stops the job itself:
            # it must not go on running on the loop, unseen.
            future.cancel()
            raise
        finally:
            with self._guard:
                self._running.discard(running)

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        if not any(isinstance(m, CurrentMessage) for m in self._broker.middleware):
            self._broker.add_middleware(CurrentMessage())
        if self._broker not in _BOOTED:
            # What dramatiq's own CLI does at boot: the time limits are enforced from here.
            self._broker.emit_after("process_boot")
            _BOOTED.add(self._broker)
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

    @property
    def running_jobs(self) -> int:
        with self._guard:
            return len(self._running)

    async def stop(self, timeout_seconds: float | None = None) -> None:
        """Stop within `timeout_seconds` (MELI_SHUTDOWN_TIMEOUT): take no new message,
        let the running jobs finish while there is time, then hand back the others
        (their messages requeued unacknowledged, their coroutines cancelled)."""
        worker, self.worker = self.worker, None
        if worker is None:
            return
        loop = asyncio.get_running_loop()
        timeout = self._shutdown_timeout if timeout_seconds is None else timeout_seconds
        deadline = loop.time() + timeout
        grace = min(5.0, timeout / 5)
        for thread in worker.workers:
            thread.stop()  # finishes its current message, takes no other
        # No more fetching either: a message a consumer fetched at the last moment would
        # sit in its cache, claimed by this process, until Redis gives up on it. On Redis
        # the consumers are paused, so that they keep the process's heartbeat while the
        # running jobs finish; a paused consumer thread then sleeps dramatiq's restart
        # delay (3 s) before it sees the stop. The in-process broker has no heartbeat:
        # its consumers stop at once.
        for consumer in worker.consumers.values():
            if isinstance(self._broker, RedisBroker):
                consumer.pause()
            else:
                consumer.stop()
        await asyncio.sleep(0)  # a job submitted a moment ago starts on the loop
        with self._guard:
            running = [job.task for job in self._running if job.task is not None]
        if running:
            await asyncio.wait(running, timeout=max(0.0, deadline - 2 * grace - loop.time()))
        with self._guard:
            leftover = [job for job in self._running if job.task is None or not job.task.done()]
        if leftover:
            await self._hand_back(worker, leftover, deadline - grace)
        # Blocking join in a thread: running actors need this loop to finish. Messages
        # fetched but not started go back to the queue there.
        left_ms = int(max(1.0, deadline - loop.time()) * 1000)
        await asyncio.to_thread(worker.stop, left_ms)

    async def _hand_back(self, worker: dramatiq.Worker, jobs: list[_Running], until: float) -> None:
        log.warning("%d job(s) still running at shutdown are handed back to the queue", len(jobs))
        by_queue: dict[str, list[dramatiq.MessageProxy]] = defaultdict(list)
        for job in jobs:
            if job.message is not None:
                by_queue[job.message.queue_name].append(job.message)
        # Requeued before their threads are let go: the acknowledgement that follows then
        # finds nothing to delete (the Redis broker acks only what is still its own);
        # the other way round, it would delete the message first.
        for queue_name, messages in by_queue.items():
            consumer = worker.consumers.get(queue_name)
            if consumer is None:
                continue
            try:
                await asyncio.to_thread(consumer.requeue_messages, messages)
            except Exception:
                log.warning("the jobs of %s could not be requeued", queue_name, exc_info=True)
        tasks = []
        for job in jobs:
            job.handed_back = True
            if job.task is not None:
                job.task.cancel()
                tasks.append(job.task)
            elif job.future is not None:
                job.future.cancel()  # not started on the loop yet: it never will
        left = until - asyncio.get_running_loop().time()
        if tasks:
            # Each records how it ended (a sync log closed as abandoned) before the
            # container's resources close.
            _, stuck = await asyncio.wait(tasks, timeout=max(0.1, left))
            if stuck:
                log.error("%d job(s) did not stop when cancelled; abandoned", len(stuck))


def build_worker(container: Container) -> WorkerRuntime:
    """The worker of this process, running every job of the catalogue."""
    settings = container.settings()
    runtime = WorkerRuntime(
        container,
        container.broker(),
        HANDLERS,
        settings.worker_threads,
        shutdown_timeout=settings.shutdown_timeout,
    )
    container.worker_liveness().watch(lambda: runtime.is_running)
    return runtime
