"""GET /orders counts an account's orders (or those of a status) from meli_order_counts,
one row per account and status that the order repository keeps in step with the orders,
instead of reading an index entry per order. Filled here from the orders already stored.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | Sequence[str] | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "meli_order_counts",
        sa.Column("account_id", ID, nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("orders", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["meli_accounts.id"], name="fk_meli_order_counts_account_id_meli_accounts"
        ),
        sa.PrimaryKeyConstraint("account_id", "status", name="pk_meli_order_counts"),
    )
    op.execute(
        "INSERT INTO meli_order_counts (account_id, status, orders) "
        "SELECT account_id, status, count(*) FROM meli_orders GROUP BY account_id, status"
    )


def downgrade() -> None:
    op.drop_table("meli_order_counts")
