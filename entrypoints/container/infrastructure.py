"""The infrastructure adapters, chosen by configuration: SQL (PostgreSQL or SQLite) or
in-memory storage; dramatiq on Redis or an in-process broker; Redis or local locks and
rate limiting; the clock, the cipher and the metrics."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import timedelta

import dramatiq
from dependency_injector import containers, providers

from adapters.crypto.fernet import FernetTokenCipher, load_or_create_key_file
from adapters.local.coordination import LocalOnceGuard
from adapters.local.locks import FileLock
from adapters.local.ratelimit import SharedFileRateLimiter
from adapters.memory.cache import InMemoryExpiringCache
from adapters.memory.probe import InMemoryDatabaseProbe
from adapters.memory.store import InMemoryStore
from adapters.memory.unit_of_work import InMemoryUnitOfWork
from adapters.metrics import PrometheusMetrics
from adapters.queue.background import background_queue
from adapters.queue.codec import CattrsJobCodec
from adapters.queue.dramatiq_queue import (
    BrokerProbe,
    DramatiqJobQueue,
    WorkerLiveness,
    in_process_broker,
    redis_broker,
)
from adapters.redis.coordination import RedisOnceGuard, redis_client
from adapters.redis.locks import RedisLock
from adapters.redis.ratelimit import RedisRateLimiter
from adapters.sql.engine import create_engine
from adapters.sql.probe import SqlDatabaseProbe
from adapters.sql.unit_of_work import SqlUnitOfWork
from adapters.system.clock import SystemClock
from application.ports.rate_limiter import (
    API_CALLS,
    DAY,
    HOUR,
    LISTING_CREATE,
    MESSAGE_SEND,
    RateLimits,
)
from entrypoints.api_keys import load_api_keys, load_session_secret
from entrypoints.settings import Settings, SettingsError


async def _engine(settings: Settings) -> AsyncIterator[object]:
    if settings.storage != "sql":
        yield None
        return
    engine = create_engine(settings.effective_database_url)
    try:
        yield engine
    finally:
        await engine.dispose()


def _broker(settings: Settings) -> Iterator[dramatiq.Broker]:
    broker = redis_broker(settings.redis_url) if settings.redis_url else in_process_broker()
    try:
        yield broker
    finally:
        broker.close()


async def _redis(settings: Settings) -> AsyncIterator[object]:
    if settings.redis_url is None:
        yield None
        return
    client = redis_client(settings.redis_url)
    try:
        yield client
    finally:
        await client.aclose()


def _cipher(settings: Settings) -> FernetTokenCipher:
    """MELI_ENCRYPTION_KEY (first key encrypts, all decrypt), or for a database on this
    machine alone a key generated once into the data directory (mode 0600)."""
    if settings.encryption_key:
        try:
            return FernetTokenCipher(settings.encryption_key)
        except ValueError as error:
            raise SettingsError(f"MELI_ENCRYPTION_KEY: {error}") from None
    if settings.uses_sqlite or settings.storage == "memory":
        return FernetTokenCipher([load_or_create_key_file(settings.encryption_key_file)])
    raise SettingsError(
        "MELI_ENCRYPTION_KEY is required with a shared database: every process must "
        "encrypt tokens with the same key (generate one with `meli keys generate`)"
    )


def _rate_limits(settings: Settings) -> RateLimits:
    return RateLimits(
        per_second=settings.rate_limit_per_second,
        burst=settings.effective_burst,
        quotas={
            API_CALLS: (settings.quota_calls_per_hour, HOUR),
            LISTING_CREATE: (settings.quota_listings_per_day, DAY),
            MESSAGE_SEND: (settings.quota_messages_per_hour, HOUR),
        },
        periodic_budget=settings.periodic_budget,
    )


def _queue_kind(settings: Settings) -> str:
    return "redis" if settings.uses_redis else "in_process"


def seconds(value: int) -> timedelta:
    return timedelta(seconds=value)


class Infrastructure(containers.DeclarativeContainer):
    settings = providers.Dependency(instance_of=Settings)

    clock = providers.Singleton(SystemClock)
    # Rarely changing reads of MercadoLibre (categories), one cache per process.
    category_cache = providers.Singleton(InMemoryExpiringCache, clock)
    metrics = providers.Singleton(PrometheusMetrics)
    api_keys = providers.Singleton(load_api_keys, settings)
    session_secret = providers.Singleton(load_session_secret, settings)

    broker = providers.Resource(_broker, settings)
    job_queue = providers.Singleton(DramatiqJobQueue, broker)
    job_codec = providers.Singleton(CattrsJobCodec)
    # Whether the worker of this process runs (the in-process broker's health): the
    # worker runtime, built by entrypoints/worker, reports to it.
    worker_liveness = providers.Singleton(WorkerLiveness)

    redis = providers.Resource(_redis, settings)
    queue_kind = providers.Callable(_queue_kind, settings)
    once_guard = providers.Selector(
        queue_kind,
        redis=providers.Singleton(RedisOnceGuard, redis),
        in_process=providers.Singleton(LocalOnceGuard),
    )

    engine = providers.Resource(_engine, settings)
    memory_store = providers.Singleton(InMemoryStore)
    storage = providers.Callable(lambda s: s.storage, settings)
    unit_of_work = providers.Selector(
        storage,
        sql=providers.Factory(SqlUnitOfWork, engine, job_queue),
        memory=providers.Factory(InMemoryUnitOfWork, memory_store, job_queue),
    )
    # The notification endpoint's units of work hand their jobs to a queue that sends
    # them in the background: the answer to MercadoLibre never waits on the broker.
    ingest_job_queue = providers.Resource(background_queue, job_queue)
    ingest_unit_of_work = providers.Selector(
        storage,
        sql=providers.Factory(SqlUnitOfWork, engine, ingest_job_queue),
        memory=providers.Factory(InMemoryUnitOfWork, memory_store, ingest_job_queue),
    )

    cipher = providers.Singleton(_cipher, settings)
    lock = providers.Selector(
        queue_kind,
        redis=providers.Singleton(RedisLock, redis),
        in_process=providers.Singleton(FileLock, settings.provided.lock_dir),
    )
    rate_limits = providers.Singleton(_rate_limits, settings)
    rate_limiter = providers.Selector(
        queue_kind,
        redis=providers.Singleton(RedisRateLimiter, redis, rate_limits),
        # Without Redis the machine's processes (server, `meli` commands) share a file.
        in_process=providers.Singleton(
            SharedFileRateLimiter, rate_limits, settings.provided.rate_limiter_file
        ),
    )

    database_probe = providers.Selector(
        storage,
        sql=providers.Singleton(SqlDatabaseProbe, engine),
        memory=providers.Singleton(InMemoryDatabaseProbe),
    )
    broker_probe = providers.Selector(
        queue_kind,
        redis=providers.Singleton(BrokerProbe, broker),
        in_process=providers.Singleton(BrokerProbe, broker, worker_liveness),
    )
