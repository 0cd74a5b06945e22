"""The daily sales roll-up (meli_sales_daily) and the listings' daily visits
(meli_item_visits), and an index on when questions were answered. The roll-up is filled from the orders already stored, so that an
upgraded install reads the same figures as a rebuild (`meli analytics rebuild`).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal

import sqlalchemy as sa
from alembic import op

from domain.analytics import FIGURES, SaleFacts, SaleLine, changes, contribution
from domain.sites import site

revision: str = "0015"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FIGURES = [sa.Column(name, sa.BigInteger(), nullable=False) for name in FIGURES]
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "meli_sales_daily",
        sa.Column("account_id", ID, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("item_id", sa.String(32), nullable=False),
        sa.Column("currency_id", sa.String(3), nullable=False),
        *_FIGURES,
        sa.ForeignKeyConstraint(
            ["account_id"], ["meli_accounts.id"], name="fk_meli_sales_daily_account_id_meli_accounts"
        ),
        sa.PrimaryKeyConstraint(
            "account_id", "day", "item_id", "currency_id", name="pk_meli_sales_daily"
        ),
    )
    op.create_index(
        "ix_meli_sales_daily_totals",
        "meli_sales_daily",
        ["account_id", "day"],
        postgresql_where=sa.text("item_id = ''"),
        sqlite_where=sa.text("item_id = ''"),
    )
    # The median time to answer reads the questions answered in a period.
    op.create_index(
        "ix_meli_questions_answer_date_created", "meli_questions", ["answer_date_created"]
    )
    op.create_table(
        "meli_item_visits",
        sa.Column("account_id", ID, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("item_id", sa.String(32), nullable=False),
        sa.Column("visits", sa.BigInteger(), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["meli_accounts.id"], name="fk_meli_item_visits_account_id_meli_accounts"
        ),
        sa.PrimaryKeyConstraint("account_id", "day", "item_id", name="pk_meli_item_visits"),
    )
    _fill_roll_up()


def _fill_roll_up() -> None:
    bind = op.get_bind()
    zones = {
        row.id: site(row.site_id).zone
        for row in bind.execute(sa.text("SELECT id, site_id FROM meli_accounts"))
    }
    lines: dict[int, list[SaleLine]] = {}
    for row in bind.execute(
        sa.text(
            "SELECT order_id, item_id, currency_id, quantity, unit_price, sale_fee"
            " FROM meli_order_items ORDER BY order_id, line"
        )
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
            " WHERE refunded_amount IS NOT NULL AND order_id IS NOT NULL"
        )
    ):
        refunded[row.order_id] = refunded.get(row.order_id, Decimal(0)) + Decimal(
            str(row.refunded_amount)
        )
    parts = []
    for row in bind.execute(
        sa.text("SELECT id, account_id, status, date_created FROM meli_orders")
    ):
        moment = row.date_created
        if isinstance(moment, str):  # SQLite keeps naive UTC text
            moment = datetime.fromisoformat(moment)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        facts = SaleFacts(
            row.account_id,
            row.status,
            moment,
            tuple(lines.get(row.id, ())),
            refunded.get(row.id, Decimal(0)),
        )
        parts.append(contribution(facts, zones[row.account_id]))
    table = sa.table(
        "meli_sales_daily",
        sa.column("account_id", ID),
        sa.column("day", sa.Date()),
        sa.column("item_id", sa.String()),
        sa.column("currency_id", sa.String()),
        *(sa.column(name, sa.BigInteger()) for name in FIGURES),
    )
    rows = [
        {
            "account_id": key.account_id,
            "day": key.day,
            "item_id": key.item_id,
            "currency_id": key.currency_id,
            **{name: getattr(figures, name) for name in FIGURES},
        }
        for key, figures in changes([], parts).items()
    ]
    if rows:
        op.bulk_insert(table, rows)


def downgrade() -> None:
    op.drop_index("ix_meli_questions_answer_date_created", table_name="meli_questions")
    op.drop_table("meli_item_visits")
    op.drop_table("meli_sales_daily")
