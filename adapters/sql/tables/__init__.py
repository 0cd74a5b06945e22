"""The schema, private to the SQL adapter, one module per capability. Migrations must keep
it in step (see tests/integration/test_migrations.py, which compares the two)."""

from __future__ import annotations

from adapters.sql.tables.accounts import accounts, oauth_states
from adapters.sql.tables.analytics import item_visits, order_sales, reputations, sales_daily
from adapters.sql.tables.listings import (
    NO_VARIATION,
    inventory,
    products,
    stock_batches,
    stock_ledger,
)
from adapters.sql.tables.messages import (
    conversations,
    message_rule_runs,
    message_rules,
    message_sends,
    messages,
)
from adapters.sql.tables.orders import (
    order_counts,
    order_items,
    orders,
    packs,
    payments,
    shipments,
)
from adapters.sql.tables.pipeline import (
    _PENDING_INBOX,
    PENDING_INBOX_STATUSES,
    dead_letters,
    resources,
    subscriptions,
    sync_logs,
    webhook_deliveries,
    webhooks,
)
from adapters.sql.tables.questions import (
    _HOLDING_ANSWER,
    answer_rules,
    question_answers,
    questions,
    templates,
)
from adapters.sql.tables.schema import account_id_column, metadata, on_this_database
from adapters.sql.tables.stock_alerts import ACCOUNT_WIDE, stock_alerts, stock_thresholds

ALL_TABLES = (
    accounts,
    products,
    inventory,
    stock_ledger,
    orders,
    order_counts,
    order_items,
    payments,
    shipments,
    packs,
    questions,
    question_answers,
    messages,
    conversations,
    message_sends,
    message_rules,
    message_rule_runs,
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
    stock_thresholds,
    stock_alerts,
    sales_daily,
    order_sales,
    item_visits,
    reputations,
)

__all__ = [
    "ACCOUNT_WIDE",
    "ALL_TABLES",
    "NO_VARIATION",
    "PENDING_INBOX_STATUSES",
    "_HOLDING_ANSWER",
    "_PENDING_INBOX",
    "account_id_column",
    "accounts",
    "answer_rules",
    "conversations",
    "dead_letters",
    "inventory",
    "item_visits",
    "message_rule_runs",
    "message_rules",
    "message_sends",
    "messages",
    "metadata",
    "oauth_states",
    "on_this_database",
    "order_counts",
    "order_items",
    "order_sales",
    "orders",
    "packs",
    "payments",
    "products",
    "question_answers",
    "questions",
    "reputations",
    "resources",
    "sales_daily",
    "shipments",
    "stock_alerts",
    "stock_batches",
    "stock_ledger",
    "stock_thresholds",
    "subscriptions",
    "sync_logs",
    "templates",
    "webhook_deliveries",
    "webhooks",
]
