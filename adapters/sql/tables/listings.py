"""Listings, their stock levels and ledger, and bulk stock updates."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Float,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from adapters.sql.tables.schema import account_id_column, metadata
from adapters.sql.types import Amount, Id, Json, UtcDateTime
from application.storable import (
    MAX_CATEGORY_ID,
    MAX_ITEM_ID,
    MAX_SHORT_CODE,
    MAX_SKU,
    MAX_VIDEO_ID,
)

# meli_inventory.variation_id for a stock level without variation: 0 is never a MercadoLibre
# variation id, and unlike NULL it takes part in the primary key on every database.
NO_VARIATION = 0


products = Table(
    "meli_products",
    metadata,
    Column("item_id", String(MAX_ITEM_ID), primary_key=True),
    account_id_column(index=False),  # led by ix_meli_products_account_id_item_number
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
    # ix_meli_products_status below: with the account on PostgreSQL, so the dashboard
    # counts a status's listings from the index alone.
    Column("status", String(32), nullable=False),
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
    Index("ix_meli_products_status", "status", postgresql_include=["account_id"]),
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
