"""Post-sale messages (§8), each conversation's status, and every message the service sent
or meant to send."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    text,
)

from adapters.sql.tables.schema import account_id_column, metadata
from adapters.sql.types import Id, Json, UtcDateTime

messages = Table(
    "meli_messages",
    metadata,
    Column("id", String(64), primary_key=True),
    account_id_column(index=False),  # led by ix_meli_messages_account_id_pack_id_date_created
    # The conversation: the pack, or the order when it has no pack (§8.1).
    Column("pack_id", BigInteger, nullable=False),
    Column("from_user_id", BigInteger, nullable=False),
    Column("to_user_id", BigInteger, nullable=False),
    Column("text", Text, nullable=False),
    Column("date_created", UtcDateTime, nullable=False),
    Column("attachments", Json, nullable=False),
    Column("status", String(32), nullable=False),
    Column("moderation_status", String(32)),
    Column("date_read", UtcDateTime),
    Column("order_id", BigInteger),
    Column("moderation_reason", String(64)),
    Column("date_available", UtcDateTime),
    Column("raw", Json, nullable=False, server_default=text("'{}'")),
    Index(
        "ix_meli_messages_account_id_pack_id_date_created",
        "account_id",
        "pack_id",
        "date_created",
    ),
)

# §8.1 conversation_status, per conversation, as last read.
conversations = Table(
    "meli_conversations",
    metadata,
    Column("account_id", Id, ForeignKey("meli_accounts.id"), primary_key=True),
    Column("pack_id", BigInteger, primary_key=True, autoincrement=False),
    Column("status", String(32), nullable=False),
    Column("substatus", String(128)),
    Column("status_date", UtcDateTime),
    Column("claim_id", BigInteger),
    Column("shipping_id", BigInteger),
    Column("path", String(200)),
    Column("seller_max_length", Integer, nullable=False),
)

# The intent recorded before POST /messages/packs/... (§8.2, not idempotent), then its
# outcome: at most one pending per conversation.
_PENDING_SEND = "status = 'pending'"
message_sends = Table(
    "meli_message_sends",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    account_id_column(index=False),
    Column("pack_id", BigInteger, nullable=False),
    Column("order_id", BigInteger, nullable=False),
    Column("to_user_id", BigInteger, nullable=False),
    Column("text", Text, nullable=False),
    Column("attachments", Json, nullable=False),
    Column("status", String(16), nullable=False),
    Column("template_id", BigInteger),
    Column("option_id", String(64)),
    Column("rule_id", BigInteger),
    Column("requested_at", UtcDateTime, nullable=False),
    Column("finished_at", UtcDateTime),
    Column("message_id", String(64)),
    Column("error", Text),
    Index(
        "uq_meli_message_sends_pending_account_id_pack_id",
        "account_id",
        "pack_id",
        unique=True,
        postgresql_where=text(_PENDING_SEND),
        sqlite_where=text(_PENDING_SEND),
    ),
    Index("ix_meli_message_sends_account_id_pack_id", "account_id", "pack_id"),
    Index("ix_meli_message_sends_status_requested_at", "status", "requested_at"),
    sqlite_autoincrement=True,
)

# Automatic messages: a template sent once per order at an event, after a delay.
message_rules = Table(
    "meli_message_rules",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("name", String(100), nullable=False),
    Column("event", String(16), nullable=False),
    Column("template_id", BigInteger, nullable=False),
    Column("delay_seconds", Integer, nullable=False),
    Column("account_ids", Json, nullable=False),
    Column("mode", String(16), nullable=False),
    Column("enabled", Boolean, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    sqlite_autoincrement=True,
)

# Each rule meeting each order, once: the stored work (due) and the log.
message_rule_runs = Table(
    "meli_message_rule_runs",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("rule_id", BigInteger, nullable=False),
    Column("order_id", BigInteger, nullable=False),
    account_id_column(),
    Column("event", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("due_at", UtcDateTime, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("finished_at", UtcDateTime),
    Column("text", Text),
    Column("send_id", BigInteger),
    Column("error", Text),
    Index("uq_meli_message_rule_runs_rule_id_order_id", "rule_id", "order_id", unique=True),
    Index("ix_meli_message_rule_runs_status_due_at", "status", "due_at"),
    sqlite_autoincrement=True,
)
