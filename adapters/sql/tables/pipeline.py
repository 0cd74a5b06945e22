"""The notification pipeline and the work it leads to: the inbox, sync logs, resource
snapshots, dead letters, outbound subscriptions and their deliveries."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from adapters.sql.tables.schema import account_id_column, metadata
from adapters.sql.types import Id, Json, UtcDateTime

# Inbox statuses that still wait for work; at most one such entry per topic and resource.
PENDING_INBOX_STATUSES = ("received", "processing", "failed")
_PENDING_INBOX = "status IN ('received', 'processing', 'failed')"
_RECOVERED = "origin = 'recovered'"


webhooks = Table(
    "meli_webhooks",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("notification_id", String(64), nullable=False),
    Column("topic", String(64), nullable=False),
    Column("resource", String(500), nullable=False),
    Column("user_id", BigInteger, nullable=False),
    Column("application_id", BigInteger, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("sent", UtcDateTime),
    Column("received", UtcDateTime),
    Column("actions", Json, nullable=False),
    Column("status", String(16), nullable=False),
    Column("received_at", UtcDateTime, nullable=False),
    Column("processing_attempts", Integer, nullable=False),
    Column("last_error", Text),
    Column("processed_at", UtcDateTime),
    Column("next_attempt_at", UtcDateTime),
    Column("origin", String(16), nullable=False),
    # The retry budget; processing_attempts counts claims and is finish's token (0006).
    Column("failures", Integer, nullable=False, server_default=text("0")),
    UniqueConstraint("notification_id"),
    Index("ix_meli_webhooks_status_received_at", "status", "received_at"),
    Index("ix_meli_webhooks_topic_status", "topic", "status"),
    # The catalogue sync reads first what a seller's notifications announced lately.
    Index("ix_meli_webhooks_user_topic_received_at", "user_id", "topic", "received_at"),
    # The quota plan: sellers with notifications recovered from the missed feeds lately.
    Index(
        "ix_meli_webhooks_recovered_received_at",
        "received_at",
        postgresql_where=text(_RECOVERED),
        sqlite_where=text(_RECOVERED),
    ),
    # Coalescing reads the latest processed_at of one resource.
    Index("ix_meli_webhooks_topic_resource_processed_at", "topic", "resource", "processed_at"),
    # Dedupe: one pending entry per resource, race-free across processes.
    Index(
        "uq_meli_webhooks_pending_topic_resource",
        "topic",
        "resource",
        unique=True,
        postgresql_where=text(_PENDING_INBOX),
        sqlite_where=text(_PENDING_INBOX),
    ),
    sqlite_autoincrement=True,
)

sync_logs = Table(
    "meli_sync_logs",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    account_id_column(nullable=True, index=False),  # led by ix_meli_sync_logs_account_id_started_at
    Column("kind", String(32), nullable=False),
    Column("trigger", String(32), nullable=False),
    Column("status", String(16), nullable=False),
    Column("started_at", UtcDateTime, nullable=False),
    Column("finished_at", UtcDateTime),
    Column("counts", Json, nullable=False),
    Column("errors", Json, nullable=False),
    Column("api_calls", Integer, nullable=False),
    # A run asked for through the queue is a row from its request on (0007): the sweep
    # queues again what waits, and closes as abandoned a run whose lease ran out.
    Column("requested_at", UtcDateTime),
    Column("lease_until", UtcDateTime),
    # At most one successor per abandoned run, race-free across processes.
    Column("retry_of", Id, ForeignKey("meli_sync_logs.id"), unique=True),
    Column("attempt", Integer, nullable=False, server_default=text("1")),
    Index("ix_meli_sync_logs_kind_started_at", "kind", "started_at"),
    Index("ix_meli_sync_logs_account_id_started_at", "account_id", "started_at"),
    Index("ix_meli_sync_logs_status_requested_at", "status", "requested_at"),
    sqlite_autoincrement=True,
)


# The last read of each MercadoLibre resource a notification pointed at, as MercadoLibre
# sent it, for topics without a model of their own yet. Newest read wins.
resources = Table(
    "meli_resources",
    metadata,
    Column("path", String(500), primary_key=True),
    Column("topic", String(64), nullable=False),
    account_id_column(),
    Column("body", Json, nullable=False),
    Column("fetched_at", UtcDateTime, nullable=False),
    Index("ix_meli_resources_topic_path", "topic", "path"),
)

# Notifications and jobs that failed for good, until an operator replays them.
dead_letters = Table(
    "meli_dead_letters",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("source", String(16), nullable=False),
    Column("reference", Text, nullable=False),
    Column("topic", String(64), nullable=False),
    account_id_column(nullable=True, index=False),
    Column("error", Text, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("failed_at", UtcDateTime, nullable=False),
    Column("replayed_at", UtcDateTime),
    Index("ix_meli_dead_letters_replayed_at_failed_at", "replayed_at", "failed_at"),
    Index("ix_meli_dead_letters_account_id_failed_at", "account_id", "failed_at"),
    sqlite_autoincrement=True,
)

# Other services' subscriptions to processed events; the secret only encrypted.
subscriptions = Table(
    "meli_subscriptions",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("topic", String(64), nullable=False, index=True),
    Column("callback_url", Text, nullable=False),
    Column("secret_ciphertext", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("deleted_at", UtcDateTime),
    sqlite_autoincrement=True,
)

# One row per event and subscription: the delivery log.
webhook_deliveries = Table(
    "meli_webhook_deliveries",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column(
        "subscription_id",
        Id,
        ForeignKey("meli_subscriptions.id"),
        nullable=False,
        index=False,  # led by uq_meli_webhook_deliveries_subscription_id_event_id
    ),
    Column("event_id", String(64), nullable=False),
    Column("topic", String(64), nullable=False),
    Column("payload", Json, nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("last_status", Integer),
    Column("last_error", Text),
    Column("next_attempt_at", UtcDateTime),
    Column("created_at", UtcDateTime, nullable=False),
    Column("delivered_at", UtcDateTime),
    UniqueConstraint("subscription_id", "event_id"),
    Index("ix_meli_webhook_deliveries_status_created_at", "status", "created_at"),
    sqlite_autoincrement=True,
)
