"""The job queue on dramatiq: a Redis broker in production, an in-process one embedded.

A job is a dramatiq message addressed by the job's name, its values as keyword arguments
(adapters.queue.codec); the actors themselves are declared by the worker entrypoint
against the same broker. The broker is built here, explicitly,
and passed around: nothing relies on dramatiq's global broker, so it cannot be set after
actors were imported by accident.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import dramatiq
import redis
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import (
    AgeLimit,
    Callbacks,
    Pipelines,
    Retries,
    ShutdownNotifications,
    TimeLimit,
)

from adapters.queue.codec import job_kwargs
from application.errors import QueueUnavailable, Unavailable
from application.jobs import Job, job_name

log = logging.getLogger(__name__)

DEFAULT_QUEUE = "default"
# Actors retry on their own terms (use cases record failures and dead letters); the
# broker-level retry is a safety net for crashes between steps.
MAX_RETRIES = 5
MIN_BACKOFF_MS = 1_000
MAX_BACKOFF_MS = 300_000
TIME_LIMIT_MS = 30 * 60 * 1000


def _middleware() -> list[dramatiq.Middleware]:
    return [
        AgeLimit(),
        TimeLimit(time_limit=TIME_LIMIT_MS),
        ShutdownNotifications(),
        Callbacks(),
        Pipelines(),
        Retries(max_retries=MAX_RETRIES, min_backoff=MIN_BACKOFF_MS, max_backoff=MAX_BACKOFF_MS),
    ]


def redis_broker(url: str, namespace: str = "meli") -> RedisBroker:
    """A broker on Redis; short socket timeouts so a dead Redis fails fast, not slowly."""
    client = redis.Redis.from_url(
        url, socket_connect_timeout=2, socket_timeout=5, health_check_interval=30
    )
    return RedisBroker(client=client, namespace=namespace, middleware=_middleware())


def in_process_broker() -> StubBroker:
    """A broker living in this process (messages are lost on exit; the database is the
    source of truth and the recovery sweeps re-enqueue what was pending)."""
    return StubBroker(middleware=_middleware())


class DramatiqJobQueue:
    """JobQueue on a dramatiq broker."""

    def __init__(self, broker: dramatiq.Broker, queue_name: str = DEFAULT_QUEUE) -> None:
        self.broker = broker
        self.queue_name = queue_name
        broker.declare_queue(queue_name)

    async def enqueue(self, job: Job, delay_seconds: float = 0.0) -> None:
        name = job_name(type(job))
        message = dramatiq.Message(
            queue_name=self.queue_name,
            actor_name=name,
            args=(),
            kwargs=job_kwargs(job),
            options={},
        )
        delay = int(delay_seconds * 1000) or None
        try:
            # The Redis client is blocking; keep the event loop free while it talks.
            await asyncio.to_thread(self.broker.enqueue, message, delay=delay)
        except (redis.RedisError, OSError) as error:
            raise QueueUnavailable(f"the job broker did not take {name}: {error}") from error


class WorkerLiveness:
    """Whether this process's worker runs: the health of the in-process broker, whose
    jobs run only while it does. The worker runtime tells it how to know (`watch`)."""

    def __init__(self) -> None:
        self._check: Callable[[], bool] | None = None

    def watch(self, check: Callable[[], bool]) -> None:
        self._check = check

    def __call__(self) -> bool:
        return self._check is not None and self._check()


class BrokerProbe:
    """Health of the broker: Redis answers PING, or the in-process worker is running."""

    name = "broker"

    def __init__(
        self, broker: dramatiq.Broker, worker_running: Callable[[], bool] | None = None
    ) -> None:
        self.broker = broker
        self.worker_running = worker_running

    async def check(self) -> None:
        if isinstance(self.broker, RedisBroker):
            try:
                await asyncio.wait_for(asyncio.to_thread(self.broker.client.ping), timeout=3)
            except (redis.RedisError, OSError, TimeoutError) as error:
                raise Unavailable(f"redis did not answer: {error}") from error
            return
        if self.worker_running is not None and not self.worker_running():
            raise Unavailable("the in-process worker is not running")
