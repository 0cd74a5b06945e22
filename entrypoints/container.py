"""The composition root: the only place that knows which adapter serves which port.

Adapter sets are chosen by configuration: SQL (PostgreSQL or SQLite) or in-memory
storage; dramatiq on Redis or an in-process broker. Other Python applications embed the
service by building this container with their own Settings (see the README).
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import timedelta

import dramatiq
from dependency_injector import containers, providers
from prometheus_client import CollectorRegistry, Counter

from adapters.crypto.fernet import FernetTokenCipher, load_or_create_key_file
from adapters.local.coordination import LocalOnceGuard
from adapters.local.locks import FileLock
from adapters.local.ratelimit import LocalRateLimiter
from adapters.memory.store import InMemoryStore
from adapters.memory.unit_of_work import InMemoryUnitOfWork
from adapters.mercadolibre.client import MercadoLibreClient
from adapters.mercadolibre.marketplace import AiohttpMarketplace
from adapters.mercadolibre.metrics import GatewayMetrics
from adapters.mercadolibre.oauth import AiohttpOAuthGateway
from adapters.mercadolibre.session import session_resource
from adapters.queue.background import background_queue
from adapters.queue.dramatiq_queue import (
    BrokerProbe,
    DramatiqJobQueue,
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
from adapters.webhooks.sender import SystemAddressResolver, webhook_sender_resource
from application.accounts import CountAccountsByStatus, GetAccount, ListAccounts
from application.catalogue import RequestSync, SyncCatalogue, SyncListing
from application.connect import CompleteConnect, DisconnectAccount, StartConnect
from application.dead_letters import (
    CountOpenDeadLetters,
    ListDeadLetters,
    RecordDeadJob,
    ReplayDeadLetter,
    ReplayDeadLetters,
)
from application.health import CheckHealth
from application.inventory import (
    ApplyStockBatch,
    GetStockBatch,
    StockWriter,
    SubmitStockBatch,
    SyncInventory,
    UpdateStock,
)
from application.jobs import RunPeriodicJob
from application.listings import (
    ChangeListingStatus,
    CreateListing,
    DeleteListing,
    GetListing,
    GetListingHealth,
    ListListings,
    PredictCategory,
    UpdateListing,
)
from application.notifications import (
    ListInbox,
    ProcessNotification,
    ProcessNotifications,
    ReceiveNotification,
    RecoverMissedFeeds,
    SweepInbox,
)
from application.ports.rate_limiter import (
    API_CALLS,
    DAY,
    HOUR,
    LISTING_CREATE,
    MESSAGE_SEND,
    RateLimits,
)
from application.reconcile import FanOut, ReconcileOrders, ReconcileQuestions, RecordResource
from application.subscriptions import (
    DeleteSubscription,
    DeliverWebhook,
    ListDeliveries,
    ListSubscriptions,
    RegisterSubscription,
    SweepDeliveries,
)
from application.sync_logs import GetSyncLog, ListSyncLogs
from application.tokens import (
    REFRESH_MARGIN,
    AccessTokenCache,
    RefreshAccount,
    RefreshExpiringTokens,
    RotateTokenKeys,
    TokenVault,
)
from entrypoints.api_keys import load_api_keys
from entrypoints.http.app import create_app
from entrypoints.http.metrics import AccountMetrics, HttpMetrics
from entrypoints.pipeline_metrics import PipelineMetrics
from entrypoints.settings import SANDBOX_CLIENT_ID, Settings, SettingsError
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
    )


def _oauth_gateway(
    settings: Settings, client: MercadoLibreClient, clock: SystemClock
) -> AiohttpOAuthGateway:
    if settings.client_id is None or settings.client_secret is None:
        raise SettingsError(
            "no MercadoLibre application configured: set MELI_CLIENT_ID and "
            "MELI_CLIENT_SECRET (or run `meli serve`, which embeds the sandbox)"
        )
    return AiohttpOAuthGateway(
        client,
        client_id=settings.client_id,
        client_secret=settings.client_secret,
        redirect_uri=settings.effective_redirect_uri,
        clock=clock,
        auth_url=settings.auth_url,
    )


def _refresh_counter(registry: CollectorRegistry) -> Callable[[str], None]:
    counter = Counter(
        "meli_token_refreshes_total",
        "Token refreshes by outcome (refreshed, reused, invalid_grant, error)",
        ["outcome"],
        registry=registry,
    )
    return lambda outcome: counter.labels(outcome).inc()


def _application_id(settings: Settings) -> int:
    """Our MercadoLibre application id, as notifications carry it (§9.2): the client id,
    or the embedded sandbox's."""
    client_id = settings.client_id or SANDBOX_CLIENT_ID
    try:
        return int(client_id)
    except ValueError:
        raise SettingsError(
            f"MELI_CLIENT_ID must be the application's numeric id, got {client_id!r}"
        ) from None


# The notification endpoint lets a batch wait this long for company: a few milliseconds
# of latency buy fewer, larger transactions and broker messages under load.
INGEST_LINGER = 0.003


def _seconds(value: int) -> timedelta:
    return timedelta(seconds=value)


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
        in_process=providers.Singleton(LocalRateLimiter, rate_limits),
    )
    http_session = providers.Resource(session_resource)
    gateway_metrics = providers.Singleton(GatewayMetrics, metrics_registry)
    meli_client = providers.Singleton(
        MercadoLibreClient,
        http_session,
        rate_limiter,
        api_url=settings.provided.api_url,
        metrics=gateway_metrics,
    )
    oauth_gateway = providers.Singleton(_oauth_gateway, settings, meli_client, clock)
    # Its own provider so that a disconnect can empty it without building the vault
    # (whose OAuth client needs credentials the CLI may not have).
    token_cache = providers.Singleton(AccessTokenCache)
    token_vault = providers.Singleton(
        TokenVault,
        unit_of_work.provider,
        oauth_gateway,
        cipher,
        lock,
        clock,
        on_refresh=providers.Singleton(_refresh_counter, metrics_registry),
        cache=token_cache,
    )
    marketplace = providers.Singleton(AiohttpMarketplace, meli_client, token_vault)

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
    count_accounts = providers.Factory(CountAccountsByStatus, unit_of_work.provider)
    start_connect = providers.Factory(
        StartConnect,
        unit_of_work.provider,
        oauth_gateway,
        cipher,
        clock,
        settings.provided.site_id,
    )
    complete_connect = providers.Factory(
        CompleteConnect, unit_of_work.provider, oauth_gateway, cipher, token_vault, clock
    )
    disconnect_account = providers.Factory(
        DisconnectAccount, unit_of_work.provider, clock, token_cache
    )
    refresh_account = providers.Factory(
        RefreshAccount, unit_of_work.provider, token_vault, oauth_gateway, clock
    )
    refresh_expiring_tokens = providers.Factory(
        RefreshExpiringTokens,
        unit_of_work.provider,
        token_vault,
        clock,
        horizon=providers.Callable(
            lambda s: timedelta(seconds=s.token_refresh_interval) + REFRESH_MARGIN, settings
        ),
    )
    rotate_token_keys = providers.Factory(RotateTokenKeys, unit_of_work.provider, cipher, clock)
    sync_listing = providers.Factory(
        SyncListing,
        unit_of_work.provider,
        marketplace,
        clock,
        safety_stock=settings.provided.safety_stock,
    )
    # --- Listings and inventory (issue 6) ---
    safety_stock = providers.Callable(lambda s: s.safety_stock, settings)
    sync_catalogue = providers.Factory(
        SyncCatalogue, unit_of_work.provider, marketplace, clock, safety_stock=safety_stock
    )
    enqueue_catalogue_sync = providers.Factory(
        RequestSync, unit_of_work.provider, job_queue, actor="sync_products"
    )
    enqueue_inventory_sync = providers.Factory(
        RequestSync, unit_of_work.provider, job_queue, actor="sync_inventory"
    )
    list_listings = providers.Factory(ListListings, unit_of_work.provider)
    get_listing = providers.Factory(GetListing, unit_of_work.provider)
    create_listing = providers.Factory(
        CreateListing, unit_of_work.provider, marketplace, clock, safety_stock=safety_stock
    )
    stock_writer = providers.Factory(StockWriter, unit_of_work.provider, marketplace, lock, clock)
    update_listing = providers.Factory(
        UpdateListing,
        unit_of_work.provider,
        marketplace,
        clock,
        safety_stock=safety_stock,
        stock=stock_writer,
    )
    change_listing_status = providers.Factory(
        ChangeListingStatus, unit_of_work.provider, marketplace, clock
    )
    delete_listing = providers.Factory(DeleteListing, unit_of_work.provider, marketplace, clock)
    get_listing_health = providers.Factory(GetListingHealth, unit_of_work.provider, marketplace)
    predict_category = providers.Factory(PredictCategory, unit_of_work.provider, marketplace)
    update_stock = providers.Factory(UpdateStock, stock_writer, clock)
    submit_stock_batch = providers.Factory(SubmitStockBatch, unit_of_work.provider, clock)
    apply_stock_batch = providers.Factory(
        ApplyStockBatch, unit_of_work.provider, stock_writer, clock
    )
    get_stock_batch = providers.Factory(GetStockBatch, unit_of_work.provider)
    sync_inventory = providers.Factory(
        SyncInventory, unit_of_work.provider, marketplace, stock_writer, clock
    )

    list_sync_logs = providers.Factory(ListSyncLogs, unit_of_work.provider)
    get_sync_log = providers.Factory(GetSyncLog, unit_of_work.provider)

    # --- Real time: notifications, dead letters, subscriptions (issue 7) ---
    application_id = providers.Callable(_application_id, settings)
    pipeline_metrics = providers.Singleton(PipelineMetrics, metrics_registry)
    periodic_job_specs = providers.Callable(periodic_jobs, settings)
    # The notification endpoint's units of work hand their jobs to a queue that sends
    # them in the background: the answer to MercadoLibre never waits on the broker.
    ingest_job_queue = providers.Resource(background_queue, job_queue)
    ingest_unit_of_work = providers.Selector(
        storage,
        sql=providers.Factory(SqlUnitOfWork, engine, ingest_job_queue),
        memory=providers.Factory(InMemoryUnitOfWork, memory_store, ingest_job_queue),
    )
    # One per process: it batches the notifications that arrive together.
    receive_notification = providers.Singleton(
        ReceiveNotification,
        ingest_unit_of_work.provider,
        clock,
        application_id,
        events=pipeline_metrics,
        linger=INGEST_LINGER,
    )
    record_resource = providers.Factory(RecordResource, unit_of_work.provider, marketplace)
    process_notification = providers.Factory(
        ProcessNotification,
        unit_of_work.provider,
        record_resource,
        sync_listing,
        clock,
        lease=providers.Callable(_seconds, settings.provided.notification_lease),
        events=pipeline_metrics,
    )
    process_notifications = providers.Factory(ProcessNotifications, process_notification)
    sweep_inbox = providers.Factory(
        SweepInbox,
        unit_of_work.provider,
        job_queue,
        clock,
        grace=providers.Callable(_seconds, settings.provided.inbox_grace),
    )
    list_inbox = providers.Factory(ListInbox, unit_of_work.provider)
    recover_missed_feeds = providers.Factory(
        RecoverMissedFeeds,
        unit_of_work.provider,
        marketplace,
        receive_notification,
        clock,
        application_id,
    )
    reconcile_orders = providers.Factory(ReconcileOrders, unit_of_work.provider, marketplace, clock)
    reconcile_questions = providers.Factory(
        ReconcileQuestions, unit_of_work.provider, marketplace, clock
    )
    fan_out = providers.Factory(FanOut, unit_of_work.provider, job_queue)
    run_periodic_job = providers.Factory(RunPeriodicJob, periodic_job_specs, job_queue)
    list_dead_letters = providers.Factory(ListDeadLetters, unit_of_work.provider)
    replay_dead_letter = providers.Factory(ReplayDeadLetter, unit_of_work.provider, clock)
    replay_dead_letters = providers.Factory(ReplayDeadLetters, unit_of_work.provider, clock)
    count_open_dead_letters = providers.Factory(CountOpenDeadLetters, unit_of_work.provider)
    record_dead_job = providers.Factory(RecordDeadJob, unit_of_work.provider, clock)
    address_resolver = providers.Singleton(SystemAddressResolver)
    webhook_sender = providers.Resource(
        webhook_sender_resource, settings.provided.webhook_allow_private
    )
    register_subscription = providers.Factory(
        RegisterSubscription,
        unit_of_work.provider,
        cipher,
        address_resolver,
        clock,
        allow_private=settings.provided.webhook_allow_private,
    )
    list_subscriptions = providers.Factory(ListSubscriptions, unit_of_work.provider)
    delete_subscription = providers.Factory(DeleteSubscription, unit_of_work.provider, clock)
    list_deliveries = providers.Factory(ListDeliveries, unit_of_work.provider)
    deliver_webhook = providers.Factory(
        DeliverWebhook,
        unit_of_work.provider,
        webhook_sender,
        cipher,
        clock,
        events=pipeline_metrics,
    )
    sweep_deliveries = providers.Factory(
        SweepDeliveries,
        unit_of_work.provider,
        job_queue,
        clock,
        grace=providers.Callable(_seconds, settings.provided.inbox_grace),
    )

    http_metrics = providers.Singleton(HttpMetrics, metrics_registry)
    account_metrics = providers.Singleton(AccountMetrics, metrics_registry)
    http_app = providers.Factory(create_app, container=__self__, api_keys=api_keys)


class _MemoryProbe:
    name = "database"

    async def check(self) -> None:
        return None


def build_container(settings: Settings) -> Container:
    return Container(settings=settings)


# The resources that were created asynchronously, per started container (see start).
_ASYNC_RESOURCES: weakref.WeakKeyDictionary[Container, list[providers.Resource]] = (
    weakref.WeakKeyDictionary()
)


async def start(container: Container) -> None:
    """Create the resources (engine, broker, HTTP session) inside the running loop."""
    # Fail at start, not at the first refresh, when no encryption key can be had.
    container.cipher()
    container.application_id()  # a client id notifications can never match (issue 7)
    await container.init_resources()
    resources = list(container.traverse(types=[providers.Resource]))
    _ASYNC_RESOURCES[container] = [p for p in resources if p.is_async_mode_enabled()]
    # Once created, resources are plain objects; switching their providers out of async
    # mode lets factories that depend on them (a unit of work per call) build
    # synchronously instead of handing back futures.
    for provider in resources:
        provider.disable_async_mode()


async def stop(container: Container) -> None:
    """Close the resources (dispose the engine, close sessions and clients)."""
    for provider in _ASYNC_RESOURCES.pop(container, []):
        provider.enable_async_mode()
    shutdown = container.shutdown_resources()
    if shutdown is not None:
        await shutdown
