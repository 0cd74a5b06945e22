"""Questions become typed: meli_questions gains hold, suspected spam, deletion from the
listing, the raw JSON, a search text, the inbox order and the auto-answer mark, and the
question snapshots of meli_resources move into it; answers sent (meli_question_answers)
and auto-answer rules (meli_answer_rules) get tables; templates (meli_templates, from
meli_message_templates) gain a kind and `{variable}` texts.

Revision ID: 0009
Revises: 0007
Create Date: 2026-12-01 00:00:00
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATUSES = {
    "UNANSWERED",
    "ANSWERED",
    "CLOSED_UNANSWERED",
    "UNDER_REVIEW",
    "BANNED",
    "DELETED",
    "DISABLED",
}
_HOLDING = "status IN ('pending', 'sent')"


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
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def _normalised(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _question_row(body: dict[str, Any], account_id: int) -> dict[str, Any] | None:
    """A snapshot of /questions/{id} (§7, either shape) as a meli_questions row, or None
    when it lacks what a row needs."""
    question_id = _int(body.get("id"))
    seller_id = _int(body.get("seller_id"))
    created = _when(body.get("date_created"))
    status = body.get("status")
    item_id = body.get("item_id")
    if None in (question_id, seller_id, created) or status not in STATUSES:
        return None
    if not isinstance(item_id, str):
        return None
    asker = body.get("from")
    buyer_id = _int(body.get("buyer_id"))
    if buyer_id is None and isinstance(asker, dict):
        buyer_id = _int(asker.get("id"))
    answer = body.get("answer") if isinstance(body.get("answer"), dict) else None
    text = body.get("text") if isinstance(body.get("text"), str) else ""
    millis = int(created.timestamp() * 1000)  # type: ignore[union-attr]
    return {
        "id": question_id,
        "account_id": account_id,
        "seller_id": seller_id,
        "item_id": item_id,
        "text": text[:2000],
        "text_search": _normalised(text[:2000]),
        "status": status,
        "date_created": created,
        "buyer_id": buyer_id,
        "answer_text": (answer.get("text") or "") if answer else None,
        "answer_status": (answer.get("status") or "ACTIVE") if answer else None,
        "answer_date_created": _when(answer.get("date_created")) if answer else None,
        "last_updated": _when(body.get("last_updated")),
        "hold": body.get("hold") is True,
        "suspected_spam": body.get("suspected_spam") is True,
        "deleted_from_listing": body.get("deleted_from_listing") is True,
        "app_id": _int(body.get("app_id")),
        "raw": body,
        "inbox_order": millis if status == "UNANSWERED" else 10**14 - millis,
    }


def _braces(body: str) -> str:
    """A `$name` / `${name}` text of the old message templates in `{name}` form."""
    escaped = body.replace("{", "{{").replace("}", "}}")
    converted = re.sub(
        r"\$(?:\$|\{\{([A-Za-z_]\w*)\}\}|([A-Za-z_]\w*))",
        lambda m: "$" if m.group(0) == "$$" else "{" + (m.group(1) or m.group(2)).lower() + "}",
        escaped,
    )
    return converted


def upgrade() -> None:
    bind = op.get_bind()
    with op.batch_alter_table("meli_questions") as batch:
        batch.add_column(
            sa.Column("text_search", sa.Text(), server_default=sa.text("''"), nullable=False)
        )
        for name in ("hold", "suspected_spam", "deleted_from_listing"):
            batch.add_column(
                sa.Column(name, sa.Boolean(), server_default=sa.false(), nullable=False)
            )
        batch.add_column(sa.Column("app_id", sa.BigInteger(), nullable=True))
        batch.add_column(
            sa.Column("raw", _json(), server_default=sa.text("'{}'"), nullable=False)
        )
        batch.add_column(
            sa.Column("inbox_order", sa.BigInteger(), server_default=sa.text("0"), nullable=False)
        )
        batch.add_column(sa.Column("rules_due_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_index("ix_meli_questions_rules_due_at", ["rules_due_at"])
        batch.create_index(
            "ix_meli_questions_account_id_inbox_order", ["account_id", "inbox_order"]
        )
        batch.create_index(
            "ix_meli_questions_account_id_status_inbox_order",
            ["account_id", "status", "inbox_order"],
        )

    questions = sa.table(
        "meli_questions",
        *(
            sa.column(name)
            for name in (
                "id",
                "account_id",
                "seller_id",
                "item_id",
                "text",
                "text_search",
                "status",
                "buyer_id",
                "answer_text",
                "answer_status",
                "hold",
                "suspected_spam",
                "deleted_from_listing",
                "app_id",
                "inbox_order",
            )
        ),
        sa.column("date_created", sa.DateTime(timezone=True)),
        sa.column("answer_date_created", sa.DateTime(timezone=True)),
        sa.column("last_updated", sa.DateTime(timezone=True)),
        sa.column("raw", _json()),
    )
    is_sqlite = bind.dialect.name == "sqlite"
    snapshots = bind.execute(
        sa.text("SELECT path, account_id, body FROM meli_resources WHERE topic = 'questions'")
    ).fetchall()
    rows = []
    for _path, account_id, body in snapshots:
        data = json.loads(body) if isinstance(body, str) else body
        row = _question_row(data, account_id) if isinstance(data, dict) else None
        if row is not None:
            if is_sqlite:  # naive UTC text, as the adapter's UtcDateTime stores it
                for key in ("date_created", "answer_date_created", "last_updated"):
                    if row[key] is not None:
                        row[key] = row[key].replace(tzinfo=None)
            rows.append(row)
    known = {r[0] for r in bind.execute(sa.text("SELECT id FROM meli_questions")).fetchall()}
    fresh = list({row["id"]: row for row in rows if row["id"] not in known}.values())
    if fresh:
        op.bulk_insert(questions, fresh)
    op.execute(sa.text("DELETE FROM meli_resources WHERE topic = 'questions'"))

    op.create_table(
        "meli_question_answers",
        sa.Column("id", _id(), nullable=False),
        sa.Column(
            "question_id",
            sa.BigInteger(),
            sa.ForeignKey(
                "meli_questions.id",
                name="fk_meli_question_answers_question_id_meli_questions",
            ),
            nullable=False,
        ),
        sa.Column(
            "account_id",
            _id(),
            sa.ForeignKey(
                "meli_accounts.id", name="fk_meli_question_answers_account_id_meli_accounts"
            ),
            nullable=False,
        ),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("rule_id", sa.BigInteger()),
        sa.Column("template_id", sa.BigInteger()),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
        sa.Column("error", sa.Text()),
        sa.PrimaryKeyConstraint("id", name="pk_meli_question_answers"),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_meli_question_answers_question_id", "meli_question_answers", ["question_id"]
    )
    op.create_index(
        "uq_meli_question_answers_holding_question_id",
        "meli_question_answers",
        ["question_id"],
        unique=True,
        postgresql_where=sa.text(_HOLDING),
        sqlite_where=sa.text(_HOLDING),
    )
    for name, columns in (
        ("ix_meli_question_answers_rule_id_requested_at", ["rule_id", "requested_at"]),
        ("ix_meli_question_answers_status_requested_at", ["status", "requested_at"]),
        ("ix_meli_question_answers_account_id_requested_at", ["account_id", "requested_at"]),
    ):
        op.create_index(name, "meli_question_answers", columns)

    op.create_table(
        "meli_templates",
        sa.Column("id", _id(), nullable=False),
        sa.Column(
            "account_id",
            _id(),
            sa.ForeignKey("meli_accounts.id", name="fk_meli_templates_account_id_meli_accounts"),
            nullable=True,
        ),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("id", name="pk_meli_templates"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_meli_templates_account_id", "meli_templates", ["account_id"])
    op.create_index(
        "uq_meli_templates_account_id_name",
        "meli_templates",
        ["account_id", "name"],
        unique=True,
        postgresql_where=sa.text("account_id IS NOT NULL"),
        sqlite_where=sa.text("account_id IS NOT NULL"),
    )
    op.create_index(
        "uq_meli_templates_shared_name",
        "meli_templates",
        ["name"],
        unique=True,
        postgresql_where=sa.text("account_id IS NULL"),
        sqlite_where=sa.text("account_id IS NULL"),
    )
    old = bind.execute(
        sa.text("SELECT id, account_id, name, body FROM meli_message_templates")
    ).fetchall()
    if old:
        templates = sa.table(
            "meli_templates",
            sa.column("id"),
            sa.column("account_id"),
            sa.column("name"),
            sa.column("kind"),
            sa.column("text"),
        )
        op.bulk_insert(
            templates,
            [
                {
                    "id": row[0],
                    "account_id": row[1],
                    "name": row[2],
                    "kind": "message",
                    "text": _braces(row[3]),
                }
                for row in old
            ],
        )
        if bind.dialect.name == "postgresql":
            op.execute(
                sa.text(
                    "SELECT setval(pg_get_serial_sequence('meli_templates', 'id'), "
                    "(SELECT MAX(id) FROM meli_templates))"
                )
            )
    op.drop_table("meli_message_templates")

    op.create_table(
        "meli_answer_rules",
        sa.Column("id", _id(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column(
            "template_id",
            _id(),
            sa.ForeignKey("meli_templates.id", name="fk_meli_answer_rules_template_id_meli_templates"),
            nullable=False,
        ),
        sa.Column("keywords", _json(), nullable=False),
        sa.Column("pattern", sa.Text()),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("account_ids", _json(), nullable=False),
        sa.Column("item_ids", _json(), nullable=False),
        sa.Column("category_ids", _json(), nullable=False),
        sa.Column("active_hours", _json()),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("id", name="pk_meli_answer_rules"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_meli_answer_rules_template_id", "meli_answer_rules", ["template_id"])


def downgrade() -> None:
    op.drop_table("meli_answer_rules")
    op.create_table(
        "meli_message_templates",
        sa.Column("id", _id(), nullable=False),
        sa.Column(
            "account_id",
            _id(),
            sa.ForeignKey(
                "meli_accounts.id", name="fk_meli_message_templates_account_id_meli_accounts"
            ),
            nullable=True,
        ),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_meli_message_templates"),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_meli_message_templates_account_id", "meli_message_templates", ["account_id"]
    )
    op.create_index(
        "uq_meli_message_templates_account_id_name",
        "meli_message_templates",
        ["account_id", "name"],
        unique=True,
        postgresql_where=sa.text("account_id IS NOT NULL"),
        sqlite_where=sa.text("account_id IS NOT NULL"),
    )
    op.create_index(
        "uq_meli_message_templates_shared_name",
        "meli_message_templates",
        ["name"],
        unique=True,
        postgresql_where=sa.text("account_id IS NULL"),
        sqlite_where=sa.text("account_id IS NULL"),
    )
    op.drop_table("meli_templates")
    op.drop_table("meli_question_answers")
    with op.batch_alter_table("meli_questions") as batch:
        batch.drop_index("ix_meli_questions_account_id_status_inbox_order")
        batch.drop_index("ix_meli_questions_account_id_inbox_order")
        batch.drop_index("ix_meli_questions_rules_due_at")
        for name in (
            "rules_due_at",
            "inbox_order",
            "raw",
            "app_id",
            "deleted_from_listing",
            "suspected_spam",
            "hold",
            "text_search",
        ):
            batch.drop_column(name)
