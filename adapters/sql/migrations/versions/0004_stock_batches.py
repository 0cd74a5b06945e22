"""Bulk stock updates with a result per request.

Revision ID: 0004
Revises: 0002
Create Date: 2026-11-26 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "meli_stock_batches",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("requested_at", WHEN, nullable=False),
        sa.Column("finished_at", WHEN),
        sa.Column("requests", JSON, nullable=False),
        sa.Column("results", JSON, nullable=False),
        sa.Column("error", sa.Text()),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meli_stock_batches")),
        sqlite_autoincrement=True,
    )


def downgrade() -> None:
    op.drop_table("meli_stock_batches")
