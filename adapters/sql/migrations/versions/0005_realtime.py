"""Notifications processed as they come: resource snapshots, dead letters, outbound subscriptions and their
delivery log, and the index that coalescing reads the inbox by.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
WHEN = sa.DateTime(timezone=True)


def account_id(table: str, *, nullable: bool = False) -> sa.Column:
    return sa.Column(
        "account_id",
        ID,
        sa.ForeignKey("meli_accounts.id", name=f"fk_{table}_account_id_meli_accounts"),
        nullable=nullable,
    )


def upgrade() -> None:
    op.create_index(
        "ix_meli_webhooks_topic_resource_processed_at",
        "meli_webhooks",
        ["topic", "resource", "processed_at"],
    )

    op.create_table(
        "meli_resources",
        sa.Column("path", sa.String(500), nullable=False),
        sa.Column("topic", sa.String(64), nullable=False),
        account_id("meli_resources"),
        sa.Column("body", JSON, nullable=False),
        sa.Column("fetched_at", WHEN, nullable=False),
        sa.PrimaryKeyConstraint("path", name="pk_meli_resources"),
    )
    op.create_index("ix_meli_resources_account_id", "meli_resources", ["account_id"])
    op.create_index("ix_meli_resources_topic_path", "meli_resources", ["topic", "path"])

    op.create_table(
        "meli_dead_letters",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("reference", sa.Text(), nullable=False),
        sa.Column("topic", sa.String(64), nullable=False),
        account_id("meli_dead_letters", nullable=True),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("failed_at", WHEN, nullable=False),
        sa.Column("replayed_at", WHEN),
        sa.PrimaryKeyConstraint("id", name="pk_meli_dead_letters"),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_meli_dead_letters_replayed_at_failed_at",
        "meli_dead_letters",
        ["replayed_at", "failed_at"],
    )
    op.create_index(
        "ix_meli_dead_letters_account_id_failed_at",
        "meli_dead_letters",
        ["account_id", "failed_at"],
    )

    op.create_table(
        "meli_subscriptions",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("topic", sa.String(64), nullable=False),
        sa.Column("callback_url", sa.Text(), nullable=False),
        sa.Column("secret_ciphertext", sa.Text(), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("deleted_at", WHEN),
        sa.PrimaryKeyConstraint("id", name="pk_meli_subscriptions"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_meli_subscriptions_topic", "meli_subscriptions", ["topic"])

    op.create_table(
        "meli_webhook_deliveries",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column(
            "subscription_id",
            ID,
            sa.ForeignKey(
                "meli_subscriptions.id",
                name="fk_meli_webhook_deliveries_subscription_id_meli_subscriptions",
            ),
            nullable=False,
        ),
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("topic", sa.String(64), nullable=False),
        sa.Column("payload", JSON, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_status", sa.Integer()),
        sa.Column("last_error", sa.Text()),
        sa.Column("next_attempt_at", WHEN),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("delivered_at", WHEN),
        sa.PrimaryKeyConstraint("id", name="pk_meli_webhook_deliveries"),
        sa.UniqueConstraint(
            "subscription_id",
            "event_id",
            name="uq_meli_webhook_deliveries_subscription_id_event_id",
        ),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_meli_webhook_deliveries_status_created_at",
        "meli_webhook_deliveries",
        ["status", "created_at"],
    )


def downgrade() -> None:
    for table in (
        "meli_webhook_deliveries",
        "meli_subscriptions",
        "meli_dead_letters",
        "meli_resources",
    ):
        op.drop_table(table)
    op.drop_index("ix_meli_webhooks_topic_resource_processed_at", table_name="meli_webhooks")
