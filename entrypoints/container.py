"""The composition root: the only place that knows which adapter serves which port.

Adapter sets are chosen by configuration: SQL (PostgreSQL or SQLite) or in-memory
storage; dramatiq on Redis or an in-process broker. Other Python applications embed the
service by building this container with their own Settings (see the README).
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import AsyncIterator, Callable, Iterator

import dramatiq
from dependency_injector import containers, providers
from prometheus_client import CollectorRegistry

from adapters.local.coordination import LocalOnceGuard
from adapters.memory.store import InMemoryStore
from adapters.memory.unit_of_work import InMemoryUnitOfWork
from adapters.queue.dramatiq_queue import (
    BrokerProbe,
    DramatiqJobQueue,
    in_process_broker,
    redis_broker,
)
from adapters.redis.coordination import RedisOnceGuard, redis_client
from adapters.sql.engine import create_engine
from adapters.sql.probe import SqlDatabaseProbe
from adapters.sql.unit_of_work import SqlUnitOfWork
from adapters.system.clock import SystemClock
from application.accounts import GetAccount, ListAccounts
from application.health import CheckHealth
from application.sync_logs import GetSyncLog, ListSyncLogs
from entrypoints.api_keys import load_api_keys
from entrypoints.http.app import create_app
from entrypoints.settings import Settings
from entrypoints.worker.actors import ACTORS
from entrypoints.worker.runtime import WorkerRuntime
from entrypoints.worker.schedule import periodic_jobs
from entrypoints.worker.scheduler import Scheduler

log = logging.getLogger(__name__)


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


def _running_check(runtime: WorkerRuntime) -> Callable[[], bool]:
    return lambda: runtime.is_running


async def _redis(settings: Settings) -> AsyncIterator[object]:
    if settings.redis_url is None:
        yield None
        return
    client = redis_client(settings.redis_url)
    try:
        yield client
    finally:
        await client.aclose()


def _queue_kind(settings: Settings) -> str:
    return "redis" if settings.uses_redis else "in_process"


class Container(containers.DeclarativeContainer):
    __self__ = providers.Self()
    settings = providers.Dependency(instance_of=Settings)

    clock = providers.Singleton(SystemClock)
    metrics_registry = providers.Singleton(CollectorRegistry)
    api_keys = providers.Singleton(load_api_keys, settings)

    broker = providers.Resource(_broker, settings)
    job_queue = providers.Singleton(DramatiqJobQueue, broker)
    worker = providers.Singleton(
        WorkerRuntime,
        container=__self__,
        broker=broker,
        actors=providers.Object(ACTORS),
        threads=settings.provided.worker_threads,
    )

    redis = providers.Resource(_redis, settings)
    queue_kind = providers.Callable(_queue_kind, settings)
    once_guard = providers.Selector(
        queue_kind,
        redis=providers.Singleton(RedisOnceGuard, redis),
        in_process=providers.Singleton(LocalOnceGuard),
    )
    scheduler = providers.Singleton(
        Scheduler,
        jobs=providers.Callable(periodic_jobs, settings),
        queue=job_queue,
        guard=once_guard,
        clock=clock,
    )

    engine = providers.Resource(_engine, settings)
    memory_store = providers.Singleton(InMemoryStore)
    storage = providers.Callable(lambda s: s.storage, settings)
    unit_of_work = providers.Selector(
        storage,
        sql=providers.Factory(SqlUnitOfWork, engine, job_queue),
        memory=providers.Factory(InMemoryUnitOfWork, memory_store, job_queue),
    )

    database_probe = providers.Selector(
        storage,
        sql=providers.Singleton(SqlDatabaseProbe, engine),
        memory=providers.Singleton(lambda: _MemoryProbe()),
    )
    broker_probe = providers.Selector(
        queue_kind,
        redis=providers.Singleton(BrokerProbe, broker),
        in_process=providers.Singleton(
            BrokerProbe, broker, providers.Callable(_running_check, worker)
        ),
    )
    check_health = providers.Factory(
        CheckHealth, probes=providers.List(database_probe, broker_probe), clock=clock
    )

    list_accounts = providers.Factory(ListAccounts, unit_of_work.provider)
    get_account = providers.Factory(GetAccount, unit_of_work.provider)
    list_sync_logs = providers.Factory(ListSyncLogs, unit_of_work.provider)
    get_sync_log = providers.Factory(GetSyncLog, unit_of_work.provider)

    http_app = providers.Factory(create_app, container=__self__, api_keys=api_keys)


class _MemoryProbe:
    name = "database"

    async def check(self) -> None:
        return None


def build_container(settings: Settings) -> Container:
    return Container(settings=settings)


async def start(container: Container) -> None:
    """Create the resources (engine, broker) inside the running event loop."""
    await container.init_resources()
    # Once created, resources are plain objects; switching their providers out of async
    # mode lets factories that depend on them (a unit of work per call) build
    # synchronously instead of handing back futures.
    for provider in container.traverse(types=[providers.Resource]):
        provider.disable_async_mode()


async def stop(container: Container) -> None:
    for provider in container.traverse(types=[providers.Resource]):
        if inspect.isasyncgenfunction(provider.provides):
            provider.enable_async_mode()
    shutdown = container.shutdown_resources()
    if shutdown is not None:
        await shutdown
