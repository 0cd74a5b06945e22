"""Pending OAuth connect flows: state and sealed PKCE verifier, single use.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "meli_oauth_states",
        sa.Column("state", sa.String(128), nullable=False),
        sa.Column("site_id", sa.String(3), nullable=False),
        sa.Column("code_verifier_ciphertext", sa.Text(), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("expires_at", WHEN, nullable=False),
        sa.PrimaryKeyConstraint("state", name=op.f("pk_meli_oauth_states")),
    )
    op.create_index(
        op.f("ix_meli_oauth_states_expires_at"), "meli_oauth_states", ["expires_at"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_meli_oauth_states_expires_at"), table_name="meli_oauth_states")
    op.drop_table("meli_oauth_states")
