"""Initial schema: accounts, listings, stock, orders, shipments, questions, messages,
templates, the notification inbox and sync logs.

Revision ID: 0001
Revises:
Create Date: 2025-01-01 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The types of adapters/sql/types.py, written out so this revision never changes.
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
WHEN = sa.DateTime(timezone=True)
AMOUNT = sa.Numeric(20, 2).with_variant(sa.String(22), "sqlite")
PENDING_INBOX = "status IN ('received', 'processing', 'failed')"


def account_id(table: str, *, nullable: bool = False) -> sa.Column:
    return sa.Column(
        "account_id",
        ID,
        sa.ForeignKey("meli_accounts.id", name=f"fk_{table}_account_id_meli_accounts"),
        nullable=nullable,
    )


def upgrade() -> None:
    op.create_table(
        "meli_accounts",
        sa.Column("id", ID, nullable=False),
        sa.Column("seller_id", sa.BigInteger(), nullable=False),
        sa.Column("site_id", sa.String(3), nullable=False),
        sa.Column("nickname", sa.String(255), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("status_reason", sa.Text()),
        sa.Column("last_refreshed_at", WHEN),
        sa.Column("connected_at", WHEN),
        sa.Column("updated_at", WHEN),
        sa.Column("access_token_ciphertext", sa.Text()),
        sa.Column("refresh_token_ciphertext", sa.Text()),
        sa.Column("token_expires_at", WHEN),
        sa.Column("token_scope", sa.Text()),
        sa.Column("token_version", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_meli_accounts"),
        sa.UniqueConstraint("seller_id", name="uq_meli_accounts_seller_id"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_meli_accounts_status", "meli_accounts", ["status"])

    op.create_table(
        "meli_products",
        sa.Column("item_id", sa.String(32), nullable=False),
        account_id("meli_products"),
        sa.Column("seller_id", sa.BigInteger(), nullable=False),
        sa.Column("site_id", sa.String(3), nullable=False),
        sa.Column("item_number", sa.BigInteger(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("title_search", sa.Text(), nullable=False),
        sa.Column("category_id", sa.String(32), nullable=False),
        sa.Column("price_amount", AMOUNT, nullable=False),
        sa.Column("currency_id", sa.String(3), nullable=False),
        sa.Column("available_quantity", sa.Integer(), nullable=False),
        sa.Column("sold_quantity", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("sub_status", JSON, nullable=False),
        sa.Column("condition", sa.String(32), nullable=False),
        sa.Column("listing_type_id", sa.String(64), nullable=False),
        sa.Column("buying_mode", sa.String(32), nullable=False),
        sa.Column("permalink", sa.Text()),
        sa.Column("thumbnail", sa.Text()),
        sa.Column("pictures", JSON, nullable=False),
        sa.Column("variations", JSON, nullable=False),
        sa.Column("attributes", JSON, nullable=False),
        sa.Column("shipping", JSON, nullable=False),
        sa.Column("description", sa.Text()),
        sa.Column("video_id", sa.String(255)),
        sa.Column("seller_sku", sa.String(255)),
        sa.Column("health", sa.Float()),
        sa.Column("tags", JSON, nullable=False),
        sa.Column("date_created", WHEN),
        sa.Column("last_updated", WHEN),
        sa.Column("removed_at", WHEN),
        sa.PrimaryKeyConstraint("item_id", name="pk_meli_products"),
    )
    op.create_index(
        "ix_meli_products_account_id_item_number", "meli_products", ["account_id", "item_number"]
    )
    op.create_index("ix_meli_products_status", "meli_products", ["status"])
    op.create_index("ix_meli_products_seller_sku", "meli_products", ["seller_sku"])

    op.create_table(
        "meli_inventory",
        sa.Column("item_id", sa.String(32), nullable=False),
        # 0 when the stock level has no variation (so it takes part in the key).
        sa.Column("variation_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("safety_stock", sa.Integer(), nullable=False),
        sa.Column("updated_at", WHEN),
        sa.PrimaryKeyConstraint("item_id", "variation_id", name="pk_meli_inventory"),
    )

    op.create_table(
        "meli_stock_ledger",
        sa.Column("id", ID, nullable=False),
        sa.Column("item_id", sa.String(32), nullable=False),
        sa.Column("variation_id", sa.BigInteger()),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("previous_quantity", sa.Integer()),
        sa.Column("requested_at", WHEN, nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_meli_stock_ledger"),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_meli_stock_ledger_item_id_variation_id_requested_at",
        "meli_stock_ledger",
        ["item_id", "variation_id", "requested_at"],
    )

    op.create_table(
        "meli_orders",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        account_id("meli_orders"),
        sa.Column("seller_id", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("status_detail", sa.Text()),
        sa.Column("items", JSON, nullable=False),
        sa.Column("total_amount", AMOUNT, nullable=False),
        sa.Column("currency_id", sa.String(3), nullable=False),
        sa.Column("paid_amount", AMOUNT),
        sa.Column("paid_currency_id", sa.String(3)),
        sa.Column("buyer_id", sa.BigInteger(), nullable=False),
        sa.Column("buyer", JSON, nullable=False),
        sa.Column("payments", JSON, nullable=False),
        sa.Column("shipping_id", sa.BigInteger()),
        sa.Column("pack_id", sa.BigInteger()),
        sa.Column("tags", JSON, nullable=False),
        sa.Column("notes", JSON, nullable=False),
        sa.Column("date_created", WHEN, nullable=False),
        sa.Column("date_closed", WHEN),
        sa.Column("last_updated", WHEN),
        sa.PrimaryKeyConstraint("id", name="pk_meli_orders"),
    )
    for column in ("account_id", "status", "buyer_id", "shipping_id", "pack_id", "date_created"):
        op.create_index(f"ix_meli_orders_{column}", "meli_orders", [column])

    op.create_table(
        "meli_shipments",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        account_id("meli_shipments"),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("substatus", sa.String(64)),
        sa.Column("mode", sa.String(32), nullable=False),
        sa.Column("logistic_type", sa.String(64)),
        sa.Column("tracking_number", sa.String(255)),
        sa.Column("tracking_method", sa.String(255)),
        sa.Column("order_ids", JSON, nullable=False),
        sa.Column("cost_amount", AMOUNT),
        sa.Column("cost_currency_id", sa.String(3)),
        sa.Column("receiver_zip_code", sa.String(32)),
        sa.Column("date_created", WHEN),
        sa.Column("last_updated", WHEN),
        sa.PrimaryKeyConstraint("id", name="pk_meli_shipments"),
    )
    op.create_index("ix_meli_shipments_account_id", "meli_shipments", ["account_id"])
    op.create_index("ix_meli_shipments_status", "meli_shipments", ["status"])

    op.create_table(
        "meli_questions",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        account_id("meli_questions"),
        sa.Column("seller_id", sa.BigInteger(), nullable=False),
        sa.Column("item_id", sa.String(32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("date_created", WHEN, nullable=False),
        sa.Column("buyer_id", sa.BigInteger()),
        sa.Column("answer_text", sa.Text()),
        sa.Column("answer_status", sa.String(32)),
        sa.Column("answer_date_created", WHEN),
        sa.Column("last_updated", WHEN),
        sa.PrimaryKeyConstraint("id", name="pk_meli_questions"),
    )
    for column in ("account_id", "item_id", "status", "date_created"):
        op.create_index(f"ix_meli_questions_{column}", "meli_questions", [column])

    op.create_table(
        "meli_messages",
        sa.Column("id", sa.String(64), nullable=False),
        account_id("meli_messages"),
        sa.Column("pack_id", sa.BigInteger(), nullable=False),
        sa.Column("from_user_id", sa.BigInteger(), nullable=False),
        sa.Column("to_user_id", sa.BigInteger(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("date_created", WHEN, nullable=False),
        sa.Column("attachments", JSON, nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("moderation_status", sa.String(32)),
        sa.Column("date_read", WHEN),
        sa.Column("order_id", sa.BigInteger()),
        sa.PrimaryKeyConstraint("id", name="pk_meli_messages"),
    )
    op.create_index(
        "ix_meli_messages_account_id_pack_id_date_created",
        "meli_messages",
        ["account_id", "pack_id", "date_created"],
    )

    op.create_table(
        "meli_message_templates",
        sa.Column("id", ID, nullable=False),
        account_id("meli_message_templates", nullable=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_meli_message_templates"),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_meli_message_templates_account_id", "meli_message_templates", ["account_id"]
    )
    # NULLs never collide in a unique index, so shared templates get their own.
    op.create_index(
        "uq_meli_message_templates_account_id_name",
        "meli_message_templates",
        ["account_id", "name"],
        unique=True,
        postgresql_where=sa.text("account_id IS NOT NULL"),
        sqlite_where=sa.text("account_id IS NOT NULL"),
    )
    op.create_index(
        "uq_meli_message_templates_shared_name",
        "meli_message_templates",
        ["name"],
        unique=True,
        postgresql_where=sa.text("account_id IS NULL"),
        sqlite_where=sa.text("account_id IS NULL"),
    )

    op.create_table(
        "meli_webhooks",
        sa.Column("id", ID, nullable=False),
        sa.Column("notification_id", sa.String(64), nullable=False),
        sa.Column("topic", sa.String(64), nullable=False),
        sa.Column("resource", sa.String(500), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("application_id", sa.BigInteger(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("sent", WHEN),
        sa.Column("received", WHEN),
        sa.Column("actions", JSON, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("received_at", WHEN, nullable=False),
        sa.Column("processing_attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text()),
        sa.Column("processed_at", WHEN),
        sa.Column("next_attempt_at", WHEN),
        sa.Column("origin", sa.String(16), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_meli_webhooks"),
        sa.UniqueConstraint("notification_id", name="uq_meli_webhooks_notification_id"),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_meli_webhooks_status_received_at", "meli_webhooks", ["status", "received_at"]
    )
    op.create_index("ix_meli_webhooks_topic_status", "meli_webhooks", ["topic", "status"])
    op.create_index(
        "uq_meli_webhooks_pending_topic_resource",
        "meli_webhooks",
        ["topic", "resource"],
        unique=True,
        postgresql_where=sa.text(PENDING_INBOX),
        sqlite_where=sa.text(PENDING_INBOX),
    )

    op.create_table(
        "meli_sync_logs",
        sa.Column("id", ID, nullable=False),
        account_id("meli_sync_logs", nullable=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("trigger", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("started_at", WHEN, nullable=False),
        sa.Column("finished_at", WHEN),
        sa.Column("counts", JSON, nullable=False),
        sa.Column("errors", JSON, nullable=False),
        sa.Column("api_calls", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_meli_sync_logs"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_meli_sync_logs_kind_started_at", "meli_sync_logs", ["kind", "started_at"])
    op.create_index(
        "ix_meli_sync_logs_account_id_started_at", "meli_sync_logs", ["account_id", "started_at"]
    )


def downgrade() -> None:
    for table in (
        "meli_sync_logs",
        "meli_webhooks",
        "meli_message_templates",
        "meli_messages",
        "meli_questions",
        "meli_shipments",
        "meli_orders",
        "meli_stock_ledger",
        "meli_inventory",
        "meli_products",
        "meli_accounts",
    ):
        op.drop_table(table)
