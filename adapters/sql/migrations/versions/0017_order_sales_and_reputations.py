"""What each order adds to the sales roll-up, kept beside it (meli_order_sales): an order
that changes takes its kept contribution away and adds its new one, instead of reading
its former lines and refunds on every write. Filled from the orders already stored, by
the same rule (domain.analytics) that filled the roll-up (0015). And each account's
reputation as last read (meli_reputations), which the metrics of every process show.
On PostgreSQL the indexes on the orders' shipment and the listings' status carry the
columns the dashboard's counts filter on, so that they are counted from the index alone.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from domain.analytics import ALL_LISTINGS, FIGURES, SaleFacts, SaleLine, contribution
from domain.sites import site

revision: str = "0017"
down_revision: str | Sequence[str] | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
# Orders filled at a time.
CHUNK = 5_000


def upgrade() -> None:
    op.create_table(
        "meli_order_sales",
        sa.Column("order_id", sa.BigInteger(), nullable=False),
        sa.Column("account_id", ID, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("item_id", sa.String(32), nullable=False),
        sa.Column("currency_id", sa.String(3), nullable=False),
        *(sa.Column(name, sa.BigInteger(), nullable=False) for name in FIGURES),
        sa.PrimaryKeyConstraint(
            "order_id", "account_id", "day", "item_id", "currency_id", name="pk_meli_order_sales"
        ),
    )
    _fill()
    op.create_table(
        "meli_reputations",
        sa.Column("account_id", ID, nullable=False),
        sa.Column("level_id", sa.String(32), nullable=True),
        sa.Column("power_seller_status", sa.String(32), nullable=True),
        sa.Column("completed_sales", sa.BigInteger(), nullable=True),
        sa.Column(
            "metrics", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["meli_accounts.id"],
            name="fk_meli_reputations_account_id_meli_accounts",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", name="pk_meli_reputations"),
    )
    _cover(True)


# (table, index, column, the columns PostgreSQL keeps in it)
COVERING = (
    ("meli_orders", "ix_meli_orders_shipping_id", "shipping_id", ["status", "account_id"]),
    ("meli_products", "ix_meli_products_status", "status", ["account_id"]),
)


def _cover(covered: bool) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, name, column, included in COVERING:
        op.drop_index(name, table_name=table)
        op.create_index(name, table, [column], postgresql_include=included if covered else [])


def _moment(value: datetime | str) -> datetime:
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _fill() -> None:
    bind = op.get_bind()
    zones = {
        row.id: site(row.site_id).zone
        for row in bind.execute(sa.text("SELECT id, site_id FROM meli_accounts"))
    }
    table = sa.table(
        "meli_order_sales",
        sa.column("order_id", sa.BigInteger()),
        sa.column("account_id", ID),
        sa.column("day", sa.Date()),
        sa.column("item_id", sa.String()),
        sa.column("currency_id", sa.String()),
        *(sa.column(name, sa.BigInteger()) for name in FIGURES),
    )
    last = -(2**63)
    while True:
        heads = bind.execute(
            sa.text(
                "SELECT id, account_id, status, date_created FROM meli_orders"
                " WHERE id > :last ORDER BY id LIMIT :chunk"
            ),
            {"last": last, "chunk": CHUNK},
        ).all()
        if not heads:
            return
        first, last = heads[0].id, heads[-1].id
        within = {"first": first, "last": last}
        lines: dict[int, list[SaleLine]] = {}
        for row in bind.execute(
            sa.text(
                "SELECT order_id, item_id, currency_id, quantity, unit_price, sale_fee"
                " FROM meli_order_items WHERE order_id BETWEEN :first AND :last"
                " ORDER BY order_id, line"
            ),
            within,
        ):
            lines.setdefault(row.order_id, []).append(
                SaleLine(
                    row.item_id,
                    row.currency_id,
                    row.quantity,
                    Decimal(str(row.unit_price)),
                    None if row.sale_fee is None else Decimal(str(row.sale_fee)),
                )
            )
        refunded: dict[int, Decimal] = {}
        for row in bind.execute(
            sa.text(
                "SELECT order_id, refunded_amount FROM meli_payments"
                " WHERE refunded_amount IS NOT NULL AND order_id BETWEEN :first AND :last"
            ),
            within,
        ):
            refunded[row.order_id] = refunded.get(row.order_id, Decimal(0)) + Decimal(
                str(row.refunded_amount)
            )
        rows = []
        for head in heads:
            facts = SaleFacts(
                head.account_id,
                head.status,
                _moment(head.date_created),
                tuple(lines.get(head.id, ())),
                refunded.get(head.id, Decimal(0)),
            )
            for key, figures in sorted(contribution(facts, zones[head.account_id]).items()):
                if key.item_id == ALL_LISTINGS:
                    continue
                rows.append(
                    {
                        "order_id": head.id,
                        "account_id": key.account_id,
                        "day": key.day,
                        "item_id": key.item_id,
                        "currency_id": key.currency_id,
                        **{name: getattr(figures, name) for name in FIGURES},
                    }
                )
        if rows:
            op.bulk_insert(table, rows)


def downgrade() -> None:
    _cover(False)
    op.drop_table("meli_reputations")
    op.drop_table("meli_order_sales")
