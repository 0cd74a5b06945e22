"""The inbox counts failed reads apart from claims: `failures` is the retry budget, while
`processing_attempts` (every claim, re-arms and lease takeovers included) stays the
token a finish checks.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "meli_webhooks",
        sa.Column("failures", sa.Integer(), server_default=sa.text("0"), nullable=False),
    )
    # Entries between retries keep the budget they had: until now every claim counted as
    # a failure (the current claim of a processing entry is no failure yet).
    op.execute(
        sa.text(
            "UPDATE meli_webhooks SET failures = CASE WHEN status = 'failed' "
            "THEN processing_attempts ELSE processing_attempts - 1 END "
            "WHERE status IN ('failed', 'processing') AND last_error IS NOT NULL "
            "AND processing_attempts > 0"
        )
    )


def downgrade() -> None:
    op.drop_column("meli_webhooks", "failures")
