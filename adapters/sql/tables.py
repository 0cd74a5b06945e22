"""The schema, private to the SQL adapter. Migrations must keep it in step (see
tests/integration/test_migrations.py, which compares the two)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    text,
)

from adapters.sql.types import Amount, Id, Json, UtcDateTime
from application.storable import (
    MAX_CATEGORY_ID,
    MAX_ITEM_ID,
    MAX_SHORT_CODE,
    MAX_SKU,
    MAX_VIDEO_ID,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# Inbox statuses that still wait for work; at most one such entry per topic and resource.
PENDING_INBOX_STATUSES = ("received", "processing", "failed")
_PENDING_INBOX = "status IN ('received', 'processing', 'failed')"

# meli_inventory.variation_id for a stock level without variation: 0 is never a MercadoLibre
# variation id, and unlike NULL it takes part in the primary key on every database.
NO_VARIATION = 0


def _account_id(*, nullable: bool = False, index: bool = True) -> Column:
    return Column("account_id", Id, ForeignKey("meli_accounts.id"), nullable=nullable, index=index)


accounts = Table(
    "meli_accounts",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("seller_id", BigInteger, nullable=False, unique=True),
    Column("site_id", String(3), nullable=False),
    Column("nickname", String(255), nullable=False),
    Column("status", String(32), nullable=False, index=True),
    Column("status_reason", Text),
    Column("last_refreshed_at", UtcDateTime),
    Column("connected_at", UtcDateTime),
    Column("updated_at", UtcDateTime),
    # The sealed token pair: ciphertext only, written by store_tokens/erase_tokens.
    Column("access_token_ciphertext", Text),
    Column("refresh_token_ciphertext", Text),
    Column("token_expires_at", UtcDateTime),
    Column("token_scope", Text),
    Column("token_version", Integer, nullable=False, server_default=text("0")),
    sqlite_autoincrement=True,
)

products = Table(
    "meli_products",
    metadata,
    Column("item_id", String(MAX_ITEM_ID), primary_key=True),
    _account_id(index=False),  # led by ix_meli_products_account_id_item_number
    Column("seller_id", BigInteger, nullable=False),
    Column("site_id", String(3), nullable=False),
    # The digits of the item id: "newest first" is numeric order, which text order is not.
    Column("item_number", BigInteger, nullable=False),
    Column("title", Text, nullable=False),
    # Lower-cased by the mapper so the case-insensitive search behaves the same on every
    # database (SQLite's lower() and LIKE only fold ASCII).
    Column("title_search", Text, nullable=False),
    Column("category_id", String(MAX_CATEGORY_ID), nullable=False),
    Column("price_amount", Amount, nullable=False),
    Column("currency_id", String(3), nullable=False),
    Column("available_quantity", Integer, nullable=False),
    Column("sold_quantity", Integer, nullable=False),
    Column("status", String(32), nullable=False, index=True),
    Column("sub_status", Json, nullable=False),
    Column("condition", String(32), nullable=False),
    Column("listing_type_id", String(MAX_SHORT_CODE), nullable=False),
    Column("buying_mode", String(32), nullable=False),
    Column("permalink", Text),
    Column("thumbnail", Text),
    Column("pictures", Json, nullable=False),
    Column("variations", Json, nullable=False),
    Column("attributes", Json, nullable=False),
    Column("shipping", Json, nullable=False),
    Column("description", Text),
    Column("video_id", String(MAX_VIDEO_ID)),
    Column("seller_sku", String(MAX_SKU), index=True),
    Column("health", Float),
    Column("tags", Json, nullable=False),
    Column("date_created", UtcDateTime),
    Column("last_updated", UtcDateTime),
    Column("removed_at", UtcDateTime),
    # The closed listing this one relisted (MercadoLibre's parent_item_id).
    Column("relisted_from", String(MAX_ITEM_ID), index=True),
    Index("ix_meli_products_account_id_item_number", "account_id", "item_number"),
)

inventory = Table(
    "meli_inventory",
    metadata,
    Column("item_id", String(MAX_ITEM_ID), primary_key=True),
    Column("variation_id", BigInteger, primary_key=True, autoincrement=False),
    Column("quantity", Integer, nullable=False),
    Column("safety_stock", Integer, nullable=False),
    Column("updated_at", UtcDateTime),
)

stock_ledger = Table(
    "meli_stock_ledger",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("item_id", String(MAX_ITEM_ID), nullable=False),
    Column("variation_id", BigInteger),
    Column("quantity", Integer, nullable=False),
    Column("previous_quantity", Integer),
    Column("requested_at", UtcDateTime, nullable=False),
    Column("source", String(64), nullable=False),
    Index(
        "ix_meli_stock_ledger_item_id_variation_id_requested_at",
        "item_id",
        "variation_id",
        "requested_at",
    ),
    sqlite_autoincrement=True,
)

orders = Table(
    "meli_orders",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    _account_id(index=False),  # led by ix_meli_orders_account_id_date_created
    Column("seller_id", BigInteger, nullable=False),
    Column("status", String(32), nullable=False, index=True),
    Column("status_detail", Text),
    Column("total_amount", Amount, nullable=False),
    Column("currency_id", String(3), nullable=False),
    Column("paid_amount", Amount),
    Column("paid_currency_id", String(3)),
    Column("shipping_cost", Amount),
    Column("buyer_id", BigInteger, nullable=False, index=True),
    Column("buyer", Json, nullable=False),
    Column("shipping_id", BigInteger, index=True),
    Column("pack_id", BigInteger, index=True),
    Column("tags", Json, nullable=False),
    # " tag1 tag2 ": one LIKE '% tag %' finds a tag on every database.
    Column("tags_search", Text, nullable=False, server_default=text("''")),
    # Order id, listing ids and titles, buyer nickname; case-folded, without accents.
    Column("text_search", Text, nullable=False, server_default=text("''")),
    Column("notes", Json, nullable=False),
    Column("feedback_sale", String(32)),
    Column("feedback_purchase", String(32)),
    Column("cancel_detail", Json),
    Column("buying_mode", String(32)),
    Column("date_created", UtcDateTime, nullable=False, index=True),
    Column("date_closed", UtcDateTime),
    Column("last_updated", UtcDateTime),
    # The order as MercadoLibre last sent it (§5.1; either shape).
    Column("raw", Json, nullable=False, server_default=text("'{}'")),
    Index("ix_meli_orders_account_id_date_created", "account_id", "date_created"),
)

# One row per line of an order (§5.1 order_items), in MercadoLibre's order.
order_items = Table(
    "meli_order_items",
    metadata,
    Column(
        "order_id",
        BigInteger,
        ForeignKey("meli_orders.id", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
    ),
    Column("line", Integer, primary_key=True, autoincrement=False),
    Column("item_id", String(MAX_ITEM_ID), nullable=False, index=True),
    Column("variation_id", BigInteger),
    Column("title", Text, nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("unit_price", Amount, nullable=False),
    Column("currency_id", String(3), nullable=False),
    Column("full_unit_price", Amount),
    Column("sale_fee", Amount),
    Column("seller_sku", String(MAX_SKU)),
    Column("category_id", String(MAX_CATEGORY_ID)),
)

# The payments of orders (§5.1 payments, GET /payments/{id}), in the order's currency.
payments = Table(
    "meli_payments",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("order_id", BigInteger, ForeignKey("meli_orders.id", ondelete="CASCADE"), index=True),
    Column("line", Integer, nullable=False, server_default=text("0")),
    Column("status", String(32), nullable=False),
    Column("status_detail", String(64)),
    Column("amount", Amount, nullable=False),
    Column("currency_id", String(3), nullable=False),
    Column("payment_method_id", String(64)),
    Column("payment_type", String(64)),
    Column("installments", Integer),
    Column("payer_id", BigInteger),
    Column("total_paid_amount", Amount),
    Column("shipping_cost", Amount),
    Column("marketplace_fee", Amount),
    Column("refunded_amount", Amount),
    Column("date_approved", UtcDateTime),
    Column("date_created", UtcDateTime),
    Column("last_modified", UtcDateTime),
)

shipments = Table(
    "meli_shipments",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    _account_id(),
    Column("status", String(32), nullable=False, index=True),
    Column("substatus", String(64)),
    Column("mode", String(32), nullable=False),
    Column("logistic_type", String(64)),
    Column("tracking_number", String(255)),
    Column("tracking_method", String(255)),
    Column("order_ids", Json, nullable=False),
    Column("cost_amount", Amount),
    Column("cost_currency_id", String(3)),
    Column("list_cost", Amount),
    Column("cost_type", String(32)),
    Column("shipping_method", String(255)),
    Column("buffering_date", UtcDateTime),
    Column("pack_id", BigInteger),
    Column("tags", Json, nullable=False, server_default=text("'[]'")),
    Column("receiver_zip_code", String(32)),
    Column("date_created", UtcDateTime),
    Column("last_updated", UtcDateTime),
    # The shipment as MercadoLibre last sent it (§6.1; either shape).
    Column("raw", Json, nullable=False, server_default=text("'{}'")),
)

# Carts (§5.4): the orders bought together and their one shipment.
packs = Table(
    "meli_packs",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    _account_id(),
    Column("status", String(32), nullable=False),
    Column("status_detail", Text),
    Column("shipment_id", BigInteger),
    Column("buyer_id", BigInteger),
    Column("order_ids", Json, nullable=False),
    Column("date_created", UtcDateTime),
    Column("last_updated", UtcDateTime),
    Column("raw", Json, nullable=False, server_default=text("'{}'")),
)

questions = Table(
    "meli_questions",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    _account_id(),
    Column("seller_id", BigInteger, nullable=False),
    Column("item_id", String(32), nullable=False, index=True),
    Column("text", Text, nullable=False),
    # Without accents, case-folded by the mapper: the same search on every database.
    Column("text_search", Text, nullable=False, server_default=text("''")),
    Column("status", String(32), nullable=False, index=True),
    Column("date_created", UtcDateTime, nullable=False, index=True),
    Column("buyer_id", BigInteger),
    Column("answer_text", Text),
    Column("answer_status", String(32)),
    Column("answer_date_created", UtcDateTime),
    Column("last_updated", UtcDateTime),
    Column("hold", Boolean, nullable=False, server_default=false()),
    Column("suspected_spam", Boolean, nullable=False, server_default=false()),
    Column("deleted_from_listing", Boolean, nullable=False, server_default=false()),
    Column("app_id", BigInteger),
    # The question as MercadoLibre last sent it (§7; both shapes).
    Column("raw", Json, nullable=False, server_default=text("'{}'")),
    # The inbox order as one number (see the repository): unanswered oldest first, then the
    # others newest first, so that a page of an account's inbox is one index range.
    Column("inbox_order", BigInteger, nullable=False, server_default=text("0")),
    # Set while the question waits for the auto-answer rules (queued work, swept if lost).
    Column("rules_due_at", UtcDateTime, index=True),
    Index("ix_meli_questions_account_id_inbox_order", "account_id", "inbox_order"),
    # The inbox filtered by status (UNANSWERED above all), counted from the index alone.
    Index("ix_meli_questions_account_id_status_inbox_order", "account_id", "status", "inbox_order"),
)

# Every answer sent or meant to be sent, with its outcome: the intent recorded before the
# call (§7 POST /answers is not idempotent) and the log of automatic answers.
_HOLDING_ANSWER = "status IN ('pending', 'sent')"
question_answers = Table(
    "meli_question_answers",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("question_id", BigInteger, ForeignKey("meli_questions.id"), nullable=False, index=True),
    _account_id(index=False),
    Column("text", Text, nullable=False),
    Column("source", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("rule_id", BigInteger),
    Column("template_id", BigInteger),
    Column("requested_at", UtcDateTime, nullable=False),
    Column("finished_at", UtcDateTime),
    Column("error", Text),
    # One answer per question: at most one attempt pending or sent.
    Index(
        "uq_meli_question_answers_holding_question_id",
        "question_id",
        unique=True,
        postgresql_where=text(_HOLDING_ANSWER),
        sqlite_where=text(_HOLDING_ANSWER),
    ),
    Index("ix_meli_question_answers_rule_id_requested_at", "rule_id", "requested_at"),
    Index("ix_meli_question_answers_status_requested_at", "status", "requested_at"),
    Index("ix_meli_question_answers_account_id_requested_at", "account_id", "requested_at"),
    sqlite_autoincrement=True,
)

messages = Table(
    "meli_messages",
    metadata,
    Column("id", String(64), primary_key=True),
    _account_id(index=False),  # led by ix_meli_messages_account_id_pack_id_date_created
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
    Index(
        "ix_meli_messages_account_id_pack_id_date_created",
        "account_id",
        "pack_id",
        "date_created",
    ),
)

# Texts with {variables} for answers and messages; shared (no account) or an account's.
templates = Table(
    "meli_templates",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    _account_id(nullable=True),
    Column("name", String(100), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("text", Text, nullable=False),
    Column("updated_at", UtcDateTime),
    # NULLs never collide in a unique index, so shared templates (no account) get their own.
    Index(
        "uq_meli_templates_account_id_name",
        "account_id",
        "name",
        unique=True,
        postgresql_where=text("account_id IS NOT NULL"),
        sqlite_where=text("account_id IS NOT NULL"),
    ),
    Index(
        "uq_meli_templates_shared_name",
        "name",
        unique=True,
        postgresql_where=text("account_id IS NULL"),
        sqlite_where=text("account_id IS NULL"),
    ),
    sqlite_autoincrement=True,
)

# Auto-answer rules: what they match, where, when, with which template.
answer_rules = Table(
    "meli_answer_rules",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("name", String(100), nullable=False),
    Column("template_id", Id, ForeignKey("meli_templates.id"), nullable=False, index=True),
    Column("keywords", Json, nullable=False),
    Column("pattern", Text),
    Column("priority", Integer, nullable=False),
    Column("account_ids", Json, nullable=False),
    Column("item_ids", Json, nullable=False),
    Column("category_ids", Json, nullable=False),
    Column("active_hours", Json),
    Column("mode", String(16), nullable=False),
    Column("enabled", Boolean, nullable=False),
    Column("created_at", UtcDateTime),
    sqlite_autoincrement=True,
)

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
    _account_id(nullable=True, index=False),  # led by ix_meli_sync_logs_account_id_started_at
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

# Pending OAuth connect flows (AuthorizationRequest): single use, minutes long.
oauth_states = Table(
    "meli_oauth_states",
    metadata,
    Column("state", String(128), primary_key=True),
    Column("site_id", String(3), nullable=False),
    Column("code_verifier_ciphertext", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False, index=True),
)

# Bulk stock updates: the requests and, once applied, a result per request.
stock_batches = Table(
    "meli_stock_batches",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("status", String(16), nullable=False),
    Column("source", String(32), nullable=False),
    Column("requested_at", UtcDateTime, nullable=False),
    Column("finished_at", UtcDateTime),
    Column("requests", Json, nullable=False),
    Column("results", Json, nullable=False),
    Column("error", Text),
    # Until when the worker applying it holds it (0007); the sweep takes it back after.
    Column("lease_until", UtcDateTime),
    Index("ix_meli_stock_batches_status_requested_at", "status", "requested_at"),
    sqlite_autoincrement=True,
)

# --- The notification pipeline: snapshots, dead letters, subscriptions ------------------

# The last read of each MercadoLibre resource a notification pointed at, as MercadoLibre
# sent it, for topics without a model of their own yet. Newest read wins.
resources = Table(
    "meli_resources",
    metadata,
    Column("path", String(500), primary_key=True),
    Column("topic", String(64), nullable=False),
    _account_id(),
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
    _account_id(nullable=True, index=False),
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

ALL_TABLES = (
    accounts,
    products,
    inventory,
    stock_ledger,
    orders,
    order_items,
    payments,
    shipments,
    packs,
    questions,
    question_answers,
    messages,
    templates,
    answer_rules,
    webhooks,
    sync_logs,
    oauth_states,
    stock_batches,
    resources,
    dead_letters,
    subscriptions,
    webhook_deliveries,
)
