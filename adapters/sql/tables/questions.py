"""Buyer questions, the answers sent, templates and auto-answer rules."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    false,
    text,
)

from adapters.sql.tables.schema import account_id_column, metadata
from adapters.sql.types import Id, Json, UtcDateTime

questions = Table(
    "meli_questions",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    account_id_column(),
    Column("seller_id", BigInteger, nullable=False),
    Column("item_id", String(32), nullable=False, index=True),
    Column("text", Text, nullable=False),
    # Without accents, case-folded by the mapper: the same search on every database.
    Column("text_search", Text, nullable=False, server_default=text("''")),
    Column("status", String(32), nullable=False, index=True),
    Column("date_created", UtcDateTime, nullable=False, index=True),
    Column("buyer_id", BigInteger),
    Column("answer_text", Text),
    Column("answer_status", String(32)),
    Column("answer_date_created", UtcDateTime, index=True),
    Column("last_updated", UtcDateTime),
    Column("hold", Boolean, nullable=False, server_default=false()),
    Column("suspected_spam", Boolean, nullable=False, server_default=false()),
    Column("deleted_from_listing", Boolean, nullable=False, server_default=false()),
    Column("app_id", BigInteger),
    # The question as MercadoLibre last sent it (§7; both shapes).
    Column("raw", Json, nullable=False, server_default=text("'{}'")),
    # The inbox order as one number (see the repository): unanswered oldest first, then the
    # others newest first, so that a page of an account's inbox is one index range.
    Column("inbox_order", BigInteger, nullable=False, server_default=text("0")),
    # Set while the question waits for the auto-answer rules (queued work, swept if lost).
    Column("rules_due_at", UtcDateTime, index=True),
    Index("ix_meli_questions_account_id_inbox_order", "account_id", "inbox_order"),
    # The inbox filtered by status (UNANSWERED above all), counted from the index alone.
    Index("ix_meli_questions_account_id_status_inbox_order", "account_id", "status", "inbox_order"),
)

# Every answer sent or meant to be sent, with its outcome: the intent recorded before the
# call (§7 POST /answers is not idempotent) and the log of automatic answers.
_HOLDING_ANSWER = "status IN ('pending', 'sent')"
question_answers = Table(
    "meli_question_answers",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("question_id", BigInteger, ForeignKey("meli_questions.id"), nullable=False, index=True),
    account_id_column(index=False),
    Column("text", Text, nullable=False),
    Column("source", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("rule_id", BigInteger),
    Column("template_id", BigInteger),
    Column("requested_at", UtcDateTime, nullable=False),
    Column("finished_at", UtcDateTime),
    Column("error", Text),
    # One answer per question: at most one attempt pending or sent.
    Index(
        "uq_meli_question_answers_holding_question_id",
        "question_id",
        unique=True,
        postgresql_where=text(_HOLDING_ANSWER),
        sqlite_where=text(_HOLDING_ANSWER),
    ),
    Index("ix_meli_question_answers_rule_id_requested_at", "rule_id", "requested_at"),
    Index("ix_meli_question_answers_status_requested_at", "status", "requested_at"),
    Index("ix_meli_question_answers_account_id_requested_at", "account_id", "requested_at"),
    sqlite_autoincrement=True,
)


# Texts with {variables} for answers and messages; shared (no account) or an account's.
templates = Table(
    "meli_templates",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    account_id_column(nullable=True),
    Column("name", String(100), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("text", Text, nullable=False),
    Column("updated_at", UtcDateTime),
    # NULLs never collide in a unique index, so shared templates (no account) get their own.
    Index(
        "uq_meli_templates_account_id_name",
        "account_id",
        "name",
        unique=True,
        postgresql_where=text("account_id IS NOT NULL"),
        sqlite_where=text("account_id IS NOT NULL"),
    ),
    Index(
        "uq_meli_templates_shared_name",
        "name",
        unique=True,
        postgresql_where=text("account_id IS NULL"),
        sqlite_where=text("account_id IS NULL"),
    ),
    sqlite_autoincrement=True,
)

# Auto-answer rules: what they match, where, when, with which template.
answer_rules = Table(
    "meli_answer_rules",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("name", String(100), nullable=False),
    Column("template_id", Id, ForeignKey("meli_templates.id"), nullable=False, index=True),
    Column("keywords", Json, nullable=False),
    Column("pattern", Text),
    Column("priority", Integer, nullable=False),
    Column("account_ids", Json, nullable=False),
    Column("item_ids", Json, nullable=False),
    Column("category_ids", Json, nullable=False),
    Column("active_hours", Json),
    Column("mode", String(16), nullable=False),
    Column("enabled", Boolean, nullable=False),
    Column("created_at", UtcDateTime),
    sqlite_autoincrement=True,
)
