"""Orders with their items and payments, shipments and packs (their conversations:
messages.py)."""

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
    text,
)

from adapters.sql.tables.schema import account_id_column, metadata, postgresql_index
from adapters.sql.types import Amount, Id, Json, UtcDateTime
from application.storable import (
    MAX_CATEGORY_ID,
    MAX_ITEM_ID,
    MAX_SKU,
)

orders = Table(
    "meli_orders",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    account_id_column(index=False),  # led by ix_meli_orders_account_id_date_created
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
    Column("shipping_id", BigInteger),
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
    # The dashboard counts the paid orders whose shipment has not left from this index
    # alone on PostgreSQL (the order's status and account are in it).
    Index("ix_meli_orders_shipping_id", "shipping_id", postgresql_include=["status", "account_id"]),
    # GET /orders?status= of one account, newest first, and its count from the index alone.
    Index("ix_meli_orders_account_id_status_date_created", "account_id", "status", "date_created"),
    # GET /orders?q= and ?tag= are LIKE '%...%' searches: trigram indexes let PostgreSQL
    # answer them without reading every order (SQLite, for small installations, scans).
    postgresql_index(
        "ix_meli_orders_text_search_trgm",
        "text_search",
        postgresql_using="gin",
        postgresql_ops={"text_search": "gin_trgm_ops"},
    ),
    postgresql_index(
        "ix_meli_orders_tags_search_trgm",
        "tags_search",
        postgresql_using="gin",
        postgresql_ops={"tags_search": "gin_trgm_ops"},
    ),
    # No parallel scans of the orders (0017): a page of GET /orders is a few hundred index
    # entries, and PostgreSQL sometimes planned it with two workers, whose start cost
    # 30 to 300 ms on a busy machine for 0.3 ms of work.
    postgresql_with={"parallel_workers": 0},
)

# How many orders each account has in each status (`tag` '') and, of those, with each tag
# (a word of tags_search), moved by the order repository in the statement after the one
# that writes the orders (adapters.sql.repositories.order_counts): GET /orders counts an
# account's orders, of a status or a tag, from here instead of reading an index entry
# per order (5 ms for 100,000).
order_counts = Table(
    "meli_order_counts",
    metadata,
    Column("account_id", Id, ForeignKey("meli_accounts.id"), primary_key=True),
    Column("status", String(32), primary_key=True),
    Column("tag", Text, primary_key=True),
    Column("orders", BigInteger, nullable=False),
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
    account_id_column(),
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
    account_id_column(),
    Column("status", String(32), nullable=False),
    Column("status_detail", Text),
    Column("shipment_id", BigInteger),
    Column("buyer_id", BigInteger),
    Column("order_ids", Json, nullable=False),
    Column("date_created", UtcDateTime),
    Column("last_updated", UtcDateTime),
    Column("raw", Json, nullable=False, server_default=text("'{}'")),
)
