"""MercadoLibre question JSON -> the domain's Question (mercadolibre-api.md §7).

Both shapes are read: `api_version=4` (the asker as `buyer_id` on GET /questions/{id}, as
`from: {id}` in searches, `suspected_spam`, `app_id`, `last_updated`) and the older one
(`from: {id, answered_questions, ...}`, none of the others, §0.3). Ids come as numbers or
strings; BANNED questions and answers come with empty text; timestamps carry nanoseconds
or offsets. Text is cleaned of NUL and lone surrogates before it reaches the database. A
body that is not a question is Unavailable naming it: that record's error, not the run's.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from application.errors import Unavailable
from domain.errors import DomainError
from domain.questions import Answer, Question, QuestionStatus


def clean_text(value: str) -> str:
    """Without NUL (PostgreSQL refuses it) and with lone surrogates replaced (no UTF-8
    encodes them): JSON may carry both as escapes."""
    if "\x00" in value:
        value = value.replace("\x00", "")
    if any("\ud800" <= c <= "\udfff" for c in value):
        value = "".join("\ufffd" if "\ud800" <= c <= "\udfff" else c for c in value)
    return value


def clean_json(value: Any) -> Any:
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, Mapping):
        return {clean_text(str(k)): clean_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [clean_json(v) for v in value]
    return value


MAX_ID = 2**63 - 1  # ids are int64 (§0.3)
EXACT_FLOAT = 2**53


def read_id(value: Any) -> int | None:
    """An id given as a number or a string of ASCII digits, positive and within int64.
    A whole float (a JSON encoder's `123.0`) is read only below 2**53, where a float
    still names one integer exactly."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer() and 0 < value < EXACT_FLOAT:
        value = int(value)
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, int) and 0 < value <= MAX_ID:
        return value
    return None


def read_when(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _flag(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def _text(value: Any) -> str:
    return clean_text(value) if isinstance(value, str) else ""


def question_id_of(body: Any) -> str:
    """How to name a body in an error: its id when it has one."""
    if isinstance(body, Mapping) and body.get("id") is not None:
        return f"question {clean_text(str(body.get('id')))[:30]}"
    return "a question"


def read_question(body: Any, account_id: int, what: str) -> Question:
    """The question `body` describes, for the account. Raises Unavailable naming `what`
    and the question when the body lacks what a question needs."""
    name = question_id_of(body)
    if not isinstance(body, Mapping):
        raise Unavailable(f"{what} answered something other than a question object")
    raw = clean_json(body)
    question_id = read_id(raw.get("id"))
    seller_id = read_id(raw.get("seller_id"))
    created = read_when(raw.get("date_created"))
    item_id = raw.get("item_id")
    try:
        status = QuestionStatus(raw.get("status"))
    except ValueError:
        raise Unavailable(
            f"{what}: {name} has an unknown status {str(raw.get('status'))[:40]!r}"
        ) from None
    missing = [
        field
        for field, value in (
            ("id", question_id),
            ("seller_id", seller_id),
            ("date_created", created),
            ("item_id", item_id if isinstance(item_id, str) and item_id else None),
        )
        if value is None
    ]
    if missing:
        raise Unavailable(f"{what}: {name} lacks a readable {', '.join(missing)}")
    asker = raw.get("from")
    buyer_id = read_id(raw.get("buyer_id"))
    if buyer_id is None and isinstance(asker, Mapping):
        buyer_id = read_id(asker.get("id"))
    answer = None
    given = raw.get("answer")
    if isinstance(given, Mapping):
        answer_status = given.get("status")
        answer = Answer(
            text=_text(given.get("text")),
            status=answer_status if isinstance(answer_status, str) and answer_status else "ACTIVE",
            date_created=read_when(given.get("date_created")),
        )
    try:
        return Question(
            id=question_id,  # type: ignore[arg-type]
            account_id=account_id,
            seller_id=seller_id,  # type: ignore[arg-type]
            item_id=item_id,  # type: ignore[arg-type]
            text=_text(raw.get("text")),
            status=status,
            date_created=created,  # type: ignore[arg-type]
            buyer_id=buyer_id,
            answer=answer,
            last_updated=read_when(raw.get("last_updated")),
            hold=_flag(raw.get("hold")),
            suspected_spam=_flag(raw.get("suspected_spam")),
            deleted_from_listing=_flag(raw.get("deleted_from_listing")),
            app_id=read_id(raw.get("app_id")),
            raw=raw,
        )
    except DomainError as error:
        raise Unavailable(f"{what}: {name} cannot be kept: {error}") from None
