"""Queued work is in the database first, with a lease: a sync run is a row from its
request on (`requested_at`; `queued` until a worker claims it), held under a lease its
worker renews, closed as `abandoned` when the lease runs out and run again once per
abandonment (`retry_of`, `attempt`); a stock batch is claimed under a lease too.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    # Batch mode: SQLite adds a unique, referencing column only by rebuilding the table.
    with op.batch_alter_table("meli_sync_logs") as batch:
        batch.add_column(sa.Column("requested_at", WHEN))
        batch.add_column(sa.Column("lease_until", WHEN))
        batch.add_column(sa.Column("retry_of", ID))
        batch.add_column(
            sa.Column("attempt", sa.Integer(), server_default=sa.text("1"), nullable=False)
        )
        batch.create_foreign_key(
            "fk_meli_sync_logs_retry_of_meli_sync_logs", "meli_sync_logs", ["retry_of"], ["id"]
        )
        batch.create_unique_constraint("uq_meli_sync_logs_retry_of", ["retry_of"])
    op.create_index(
        "ix_meli_sync_logs_status_requested_at", "meli_sync_logs", ["status", "requested_at"]
    )
    op.add_column("meli_stock_batches", sa.Column("lease_until", WHEN))
    op.create_index(
        "ix_meli_stock_batches_status_requested_at",
        "meli_stock_batches",
        ["status", "requested_at"],
    )


def downgrade() -> None:
    op.drop_index("ix_meli_stock_batches_status_requested_at", table_name="meli_stock_batches")
    op.drop_column("meli_stock_batches", "lease_until")
    op.drop_index("ix_meli_sync_logs_status_requested_at", table_name="meli_sync_logs")
    # Runs this version alone understands end as the ones before it knew them.
    op.execute(
        sa.text(
            "UPDATE meli_sync_logs SET status = 'failed' "
            "WHERE status IN ('queued', 'abandoned')"
        )
    )
    with op.batch_alter_table("meli_sync_logs") as batch:
        batch.drop_constraint("uq_meli_sync_logs_retry_of", type_="unique")
        batch.drop_constraint("fk_meli_sync_logs_retry_of_meli_sync_logs", type_="foreignkey")
        batch.drop_column("attempt")
        batch.drop_column("retry_of")
        batch.drop_column("lease_until")
        batch.drop_column("requested_at")
