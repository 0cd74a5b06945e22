"""GET /orders, quicker: one account's orders of a status come newest first, and are
counted, from one index; ?q= and ?tag= search with LIKE '%...%', which on PostgreSQL
trigram indexes (pg_trgm, a trusted extension: the database's owner may create it) answer
without reading every order. SQLite, for small installations, keeps scanning for those.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0016"
down_revision: str | Sequence[str] | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEARCHED = ("text_search", "tags_search")


def upgrade() -> None:
    op.create_index(
        "ix_meli_orders_account_id_status_date_created",
        "meli_orders",
        ["account_id", "status", "date_created"],
    )
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for column in SEARCHED:
        op.create_index(
            f"ix_meli_orders_{column}_trgm",
            "meli_orders",
            [column],
            postgresql_using="gin",
            postgresql_ops={column: "gin_trgm_ops"},
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for column in SEARCHED:
            op.drop_index(f"ix_meli_orders_{column}_trgm", table_name="meli_orders")
    op.drop_index("ix_meli_orders_account_id_status_date_created", table_name="meli_orders")
