"""The quota plan finds the sellers with notifications recovered from the missed feeds
lately (a partial index: recovered entries are few), and a catalogue sync the listings a
seller's notifications announced since its last run.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_meli_webhooks_recovered_received_at",
        "meli_webhooks",
        ["received_at"],
        postgresql_where=sa.text("origin = 'recovered'"),
        sqlite_where=sa.text("origin = 'recovered'"),
    )
    op.create_index(
        "ix_meli_webhooks_user_topic_received_at",
        "meli_webhooks",
        ["user_id", "topic", "received_at"],
    )


def downgrade() -> None:
    op.drop_index("ix_meli_webhooks_user_topic_received_at", table_name="meli_webhooks")
    op.drop_index("ix_meli_webhooks_recovered_received_at", table_name="meli_webhooks")
