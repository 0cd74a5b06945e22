"""GET /orders counts an account's orders (of a status, of a tag) from meli_order_counts,
one row per account, status and tag ('' for all) that the order repository keeps in step
with the orders, instead of reading an index entry per order. Filled here from the
orders already stored, grouped in SQL (few distinct tag sets) and split into tags here,
as the repository does. On PostgreSQL the orders are no longer scanned in parallel.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03 00:00:00
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | Sequence[str] | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    counts = op.create_table(
        "meli_order_counts",
        sa.Column("account_id", ID, nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("tag", sa.Text(), nullable=False),
        sa.Column("orders", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["meli_accounts.id"], name="fk_meli_order_counts_account_id_meli_accounts"
        ),
        sa.PrimaryKeyConstraint("account_id", "status", "tag", name="pk_meli_order_counts"),
    )
    total: Counter[tuple[int, str, str]] = Counter()
    groups = op.get_bind().execute(
        sa.text(
            "SELECT account_id, status, tags_search, count(*) AS orders FROM meli_orders "
            "GROUP BY account_id, status, tags_search"
        )
    )
    for account_id, status, tags_search, orders in groups:
        # The same keys as adapters.sql.repositories.order_counts.count_keys (not imported:
        # a migration keeps meaning what it meant when it was written).
        for tag in {"", *(t for t in tags_search.split(" ") if t)}:
            total[(account_id, status, tag)] += orders
    rows = [{"account_id": a, "status": s, "tag": t, "orders": n} for (a, s, t), n in total.items()]
    if rows:
        op.bulk_insert(counts, rows)
    if op.get_bind().dialect.name == "postgresql":
        # A page of GET /orders reads a few hundred index entries; planned with parallel
        # workers (as PostgreSQL sometimes did for ?shipment_status=), their start cost
        # 30 to 300 ms on a busy machine for 0.3 ms of work.
        op.execute("ALTER TABLE meli_orders SET (parallel_workers = 0)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE meli_orders RESET (parallel_workers)")
    op.drop_table("meli_order_counts")
