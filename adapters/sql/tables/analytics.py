"""The daily sales roll-up (domain.analytics) and the listings' daily visits."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Date, ForeignKey, Index, String, Table, text

from adapters.sql.tables.schema import metadata
from adapters.sql.types import Id, UtcDateTime
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
