"""A relisted listing names the closed one it relisted (MercadoLibre's parent_item_id).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("meli_products", sa.Column("relisted_from", sa.String(32), nullable=True))
    op.create_index("ix_meli_products_relisted_from", "meli_products", ["relisted_from"])


def downgrade() -> None:
    op.drop_index("ix_meli_products_relisted_from", table_name="meli_products")
    op.drop_column("meli_products", "relisted_from")
