"""Low-stock thresholds (per account or per listing) and the alerts raised under them."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Integer, PrimaryKeyConstraint, String, Table

from adapters.sql.tables.schema import account_id_column, metadata
from adapters.sql.types import UtcDateTime
from application.storable import MAX_ITEM_ID

# meli_stock_thresholds.item_id of the account-wide threshold: unlike NULL it takes part
# in the primary key on every database, and no item id is empty.
ACCOUNT_WIDE = ""

stock_thresholds = Table(
    "meli_stock_thresholds",
    metadata,
    account_id_column(index=False),  # leads the primary key
    Column("item_id", String(MAX_ITEM_ID), nullable=False),
    Column("threshold", Integer, nullable=False),
    Column("updated_at", UtcDateTime),
    PrimaryKeyConstraint("account_id", "item_id"),
)

# One row per stock level under its threshold whose alert was raised: the row is what
# keeps the alert from being raised again until the level is back up (then it goes).
stock_alerts = Table(
    "meli_stock_alerts",
    metadata,
    account_id_column(index=False),  # leads the primary key
    Column("item_id", String(MAX_ITEM_ID), nullable=False),
    # NO_VARIATION (0) for a listing without variations, as in meli_inventory.
    Column("variation_id", BigInteger, nullable=False, autoincrement=False),
    Column("threshold", Integer, nullable=False),
    Column("publishable", Integer, nullable=False),
    Column("raised_at", UtcDateTime, nullable=False),
    PrimaryKeyConstraint("account_id", "item_id", "variation_id"),
)
