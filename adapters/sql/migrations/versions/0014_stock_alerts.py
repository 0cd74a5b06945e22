"""Low-stock thresholds per account or listing, and the alerts raised under them.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _id() -> sa.types.TypeEngine:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "meli_stock_thresholds",
        sa.Column("account_id", _id(), nullable=False),
        sa.Column("item_id", sa.String(32), nullable=False),
        sa.Column("threshold", sa.Integer, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True)),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["meli_accounts.id"],
            name="fk_meli_stock_thresholds_account_id_meli_accounts",
        ),
        sa.PrimaryKeyConstraint("account_id", "item_id", name="pk_meli_stock_thresholds"),
    )
    op.create_table(
        "meli_stock_alerts",
        sa.Column("account_id", _id(), nullable=False),
        sa.Column("item_id", sa.String(32), nullable=False),
        sa.Column("variation_id", sa.BigInteger, nullable=False, autoincrement=False),
        sa.Column("threshold", sa.Integer, nullable=False),
        sa.Column("publishable", sa.Integer, nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["meli_accounts.id"],
            name="fk_meli_stock_alerts_account_id_meli_accounts",
        ),
        sa.PrimaryKeyConstraint(
            "account_id", "item_id", "variation_id", name="pk_meli_stock_alerts"
        ),
    )


def downgrade() -> None:
    op.drop_table("meli_stock_alerts")
    op.drop_table("meli_stock_thresholds")
