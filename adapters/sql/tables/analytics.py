"""The daily sales roll-up (domain.analytics), the listings' daily visits and the
sellers' reputation as last read."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Date, ForeignKey, Index, String, Table, text

from adapters.sql.tables.schema import metadata
from adapters.sql.types import Id, Json, UtcDateTime
from application.storable import MAX_ITEM_ID


def _account_key() -> Column:
    return Column("account_id", Id, ForeignKey("meli_accounts.id"), primary_key=True)


# One row per account, local day (the site's time zone), listing and currency; kept by
# the order repository in the transaction that writes the order. Amounts in cents.
sales_daily = Table(
    "meli_sales_daily",
    metadata,
    _account_key(),
    Column("day", Date, primary_key=True),
    Column("item_id", String(MAX_ITEM_ID), primary_key=True),
    Column("currency_id", String(3), primary_key=True),
    Column("orders", BigInteger, nullable=False),
    Column("units", BigInteger, nullable=False),
    Column("gross", BigInteger, nullable=False),
    Column("fees", BigInteger, nullable=False),
    Column("refunded", BigInteger, nullable=False),
    Column("cancelled_orders", BigInteger, nullable=False),
    Column("cancelled_amount", BigInteger, nullable=False),
    # The day's rows of all listings (item_id ''), read for totals without the others.
    Index(
        "ix_meli_sales_daily_totals",
        "account_id",
        "day",
        postgresql_where=text("item_id = ''"),
        sqlite_where=text("item_id = ''"),
    ),
)

# What each stored order adds to meli_sales_daily now: one row per order, local day,
# listing and currency (domain.analytics.contribution without the day's totals, which are
# their sums). A change of the order takes these away and adds its new ones, so the
# roll-up moves without reading the order's former lines and refunds; the writer holds
# the order's row lock (its upsert in meli_orders) while it does.
order_sales = Table(
    "meli_order_sales",
    metadata,
    # No foreign keys and no index but the key: these rows are written with every order
    # (orders are never deleted; a rebuild of one account reads them all).
    Column("order_id", BigInteger, primary_key=True, autoincrement=False),
    Column("account_id", Id, primary_key=True),
    Column("day", Date, primary_key=True),
    Column("item_id", String(MAX_ITEM_ID), primary_key=True),
    Column("currency_id", String(3), primary_key=True),
    Column("orders", BigInteger, nullable=False),
    Column("units", BigInteger, nullable=False),
    Column("gross", BigInteger, nullable=False),
    Column("fees", BigInteger, nullable=False),
    Column("refunded", BigInteger, nullable=False),
    Column("cancelled_orders", BigInteger, nullable=False),
    Column("cancelled_amount", BigInteger, nullable=False),
)

# Visits of a listing on a day, as MercadoLibre counts them (§ visits), read daily.
item_visits = Table(
    "meli_item_visits",
    metadata,
    _account_key(),
    Column("day", Date, primary_key=True),
    Column("item_id", String(MAX_ITEM_ID), primary_key=True),
    Column("visits", BigInteger, nullable=False),
    Column("read_at", UtcDateTime, nullable=False),
)

# Each account's reputation as the periodic `reputation` job (or GET /analytics/reputation)
# last read it (§3 seller_reputation): what the metrics show in every process.
reputations = Table(
    "meli_reputations",
    metadata,
    Column(
        "account_id",
        Id,
        ForeignKey("meli_accounts.id", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
    ),
    Column("level_id", String(32)),
    Column("power_seller_status", String(32)),
    Column("completed_sales", BigInteger),
    # [{"name", "rate", "value", "period", "limit"}], rates and limits as decimal text.
    Column("metrics", Json, nullable=False),
    Column("read_at", UtcDateTime, nullable=False),
)
