"""Typed post-sale messages (§8): meli_messages gains the moderation reason, the date the
message became available and MercadoLibre's JSON; each conversation's status gets a table
(meli_conversations), and every message sent or meant to be sent another
(meli_message_sends: the intent recorded before the call); automatic messages get their
rules (meli_message_rules) and each rule's run per order (meli_message_rule_runs). Message
snapshots of meli_resources move into meli_messages.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 00:00:00
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PENDING = "status = 'pending'"


def _json() -> sa.types.TypeEngine:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _id() -> sa.types.TypeEngine:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _when(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)


def _int(value: Any) -> int | None:
    if isinstance(value, dict):
        value = value.get("user_id")
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def _message_row(message: dict[str, Any], account_id: int) -> dict[str, Any] | None:
    """One message of a /messages/{id} snapshot (§8.1 shape, or the §8.4 legacy one) as
    a meli_messages row, or None when it lacks what a row needs."""
    dates = message.get("message_date") if isinstance(message.get("message_date"), dict) else {}
    pack_id = None
    for resource in message.get("message_resources") or []:
        if isinstance(resource, dict) and resource.get("name") in ("packs", "orders"):
            pack_id = _int(resource.get("id"))
    if pack_id is None:
        pack_id = _int(message.get("resource_id"))
    text = message.get("text")
    if isinstance(text, dict):
        text = text.get("plain")
    moderation = message.get("message_moderation") or message.get("moderation") or {}
    row = {
        "id": str(message.get("id") or message.get("message_id") or ""),
        "account_id": account_id,
        "pack_id": pack_id,
        "from_user_id": _int(message.get("from")),
        "to_user_id": _int(message.get("to")),
        "text": (text if isinstance(text, str) else "").replace("\x00", ""),
        "date_created": _when(dates.get("created") or message.get("date")),
        "attachments": [],
        "status": str(message.get("status") or "available"),
        "moderation_status": moderation.get("status") if isinstance(moderation, dict) else None,
        "moderation_reason": moderation.get("reason") if isinstance(moderation, dict) else None,
        "date_read": _when(dates.get("read") or message.get("date_read")),
        "date_available": _when(dates.get("available") or message.get("date_available")),
        "order_id": None,
        "raw": message,
    }
    needed = ("id", "pack_id", "from_user_id", "to_user_id", "date_created")
    return row if all(row[name] for name in needed) else None


def upgrade() -> None:
    op.add_column("meli_messages", sa.Column("moderation_reason", sa.String(64)))
    op.add_column("meli_messages", sa.Column("date_available", sa.DateTime(timezone=True)))
    op.add_column(
        "meli_messages",
        sa.Column("raw", _json(), nullable=False, server_default=sa.text("'{}'")),
    )
    op.create_table(
        "meli_conversations",
        sa.Column(
            "account_id",
            _id(),
            sa.ForeignKey(
                "meli_accounts.id", name="fk_meli_conversations_account_id_meli_accounts"
            ),
            nullable=False,
        ),
        sa.Column("pack_id", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("substatus", sa.String(128)),
        sa.Column("status_date", sa.DateTime(timezone=True)),
        sa.Column("claim_id", sa.BigInteger()),
        sa.Column("shipping_id", sa.BigInteger()),
        sa.Column("path", sa.String(200)),
        sa.Column("seller_max_length", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("account_id", "pack_id", name="pk_meli_conversations"),
    )
    op.create_table(
        "meli_message_sends",
        sa.Column("id", _id(), nullable=False),
        sa.Column(
            "account_id",
            _id(),
            sa.ForeignKey(
                "meli_accounts.id", name="fk_meli_message_sends_account_id_meli_accounts"
            ),
            nullable=False,
        ),
        sa.Column("pack_id", sa.BigInteger(), nullable=False),
        sa.Column("order_id", sa.BigInteger(), nullable=False),
        sa.Column("to_user_id", sa.BigInteger(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("attachments", _json(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("template_id", sa.BigInteger()),
        sa.Column("option_id", sa.String(64)),
        sa.Column("rule_id", sa.BigInteger()),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
        sa.Column("message_id", sa.String(64)),
        sa.Column("error", sa.Text()),
        sa.PrimaryKeyConstraint("id", name="pk_meli_message_sends"),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "uq_meli_message_sends_pending_account_id_pack_id",
        "meli_message_sends",
        ["account_id", "pack_id"],
        unique=True,
        postgresql_where=sa.text(_PENDING),
        sqlite_where=sa.text(_PENDING),
    )
    op.create_index(
        "ix_meli_message_sends_account_id_pack_id", "meli_message_sends", ["account_id", "pack_id"]
    )
    op.create_index(
        "ix_meli_message_sends_status_requested_at",
        "meli_message_sends",
        ["status", "requested_at"],
    )
    op.create_table(
        "meli_message_rules",
        sa.Column("id", _id(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("event", sa.String(16), nullable=False),
        sa.Column("template_id", sa.BigInteger(), nullable=False),
        sa.Column("delay_seconds", sa.Integer(), nullable=False),
        sa.Column("account_ids", _json(), nullable=False),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_meli_message_rules"),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "meli_message_rule_runs",
        sa.Column("id", _id(), nullable=False),
        sa.Column("rule_id", sa.BigInteger(), nullable=False),
        sa.Column("order_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "account_id",
            _id(),
            sa.ForeignKey(
                "meli_accounts.id", name="fk_meli_message_rule_runs_account_id_meli_accounts"
            ),
            nullable=False,
        ),
        sa.Column("event", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
        sa.Column("text", sa.Text()),
        sa.Column("send_id", sa.BigInteger()),
        sa.Column("error", sa.Text()),
        sa.PrimaryKeyConstraint("id", name="pk_meli_message_rule_runs"),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "uq_meli_message_rule_runs_rule_id_order_id",
        "meli_message_rule_runs",
        ["rule_id", "order_id"],
        unique=True,
    )
    op.create_index(
        "ix_meli_message_rule_runs_status_due_at", "meli_message_rule_runs", ["status", "due_at"]
    )
    op.create_index(
        "ix_meli_message_rule_runs_account_id", "meli_message_rule_runs", ["account_id"]
    )
    _move_snapshots()


def _move_snapshots() -> None:
    bind = op.get_bind()
    snapshots = bind.execute(
        sa.text("SELECT account_id, body FROM meli_resources WHERE topic = 'messages'")
    )
    table = sa.table(
        "meli_messages",
        *(
            sa.column(name)
            for name in (
                "id account_id pack_id from_user_id to_user_id text date_created "
                "status moderation_status moderation_reason date_read date_available order_id"
            ).split()
        ),
        sa.column("attachments", _json()),
        sa.column("raw", _json()),
    )
    existing = {row[0] for row in bind.execute(sa.text("SELECT id FROM meli_messages"))}
    for account_id, body in snapshots:
        if account_id is None:
            continue
        body = json.loads(body) if isinstance(body, str) else body
        if not isinstance(body, dict):
            continue
        listed = body.get("messages") if isinstance(body.get("messages"), list) else [body]
        for message in listed:
            row = _message_row(message, account_id) if isinstance(message, dict) else None
            if row is not None and row["id"] not in existing:
                bind.execute(table.insert().values(**row))
                existing.add(row["id"])
    op.execute(sa.text("DELETE FROM meli_resources WHERE topic = 'messages'"))


def downgrade() -> None:
    op.drop_table("meli_message_rule_runs")
    op.drop_table("meli_message_rules")
    op.drop_table("meli_message_sends")
    op.drop_table("meli_conversations")
    op.drop_column("meli_messages", "raw")
    op.drop_column("meli_messages", "date_available")
    op.drop_column("meli_messages", "moderation_reason")
