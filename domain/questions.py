"""Buyers' questions on listings and the seller's answers (mercadolibre-api.md §7)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import attrs

from domain.common import aware, text_within
from domain.errors import InvalidTransition
from domain.lifecycle import Lifecycle

MAX_TEXT_LENGTH = 2000  # questions and answers alike (§7)


class QuestionStatus(StrEnum):
    UNANSWERED = "UNANSWERED"
    ANSWERED = "ANSWERED"
    CLOSED_UNANSWERED = "CLOSED_UNANSWERED"
    UNDER_REVIEW = "UNDER_REVIEW"
    BANNED = "BANNED"
    DELETED = "DELETED"
    DISABLED = "DISABLED"


_Q = QuestionStatus
QUESTION_LIFECYCLE: Lifecycle[QuestionStatus] = Lifecycle(
    "question",
    {
        _Q.UNDER_REVIEW: {_Q.UNANSWERED, _Q.BANNED, _Q.DELETED},
        _Q.UNANSWERED: {_Q.ANSWERED, _Q.CLOSED_UNANSWERED, _Q.BANNED, _Q.DELETED, _Q.DISABLED},
        _Q.ANSWERED: {_Q.DELETED, _Q.BANNED, _Q.DISABLED},
        _Q.CLOSED_UNANSWERED: {_Q.DELETED},
        _Q.DISABLED: {_Q.DELETED},
        _Q.BANNED: set(),
        _Q.DELETED: set(),
    },
)


@attrs.define(frozen=True)
class Answer:
    text: str
    status: str = "ACTIVE"
    date_created: datetime | None = attrs.field(default=None, validator=aware)

    def __attrs_post_init__(self) -> None:
        text_within("text", self.text, MAX_TEXT_LENGTH)


@attrs.define
class Question:
    id: int
    account_id: int
    seller_id: int
    item_id: str
    text: str
    status: QuestionStatus
    date_created: datetime = attrs.field(validator=aware)
    buyer_id: int | None = None
    answer: Answer | None = None
    last_updated: datetime | None = attrs.field(default=None, validator=aware)

    def __attrs_post_init__(self) -> None:
        # BANNED questions come back with empty text (§7), so only the length is checked.
        text_within("text", self.text, MAX_TEXT_LENGTH, allow_empty=True)

    def answer_with(self, text: str, now: datetime) -> Answer:
        """Answer once: only an UNANSWERED question takes an answer (§7)."""
        if self.status is not QuestionStatus.UNANSWERED or self.answer is not None:
            raise InvalidTransition("question", self.status.value, QuestionStatus.ANSWERED.value)
        answer = Answer(text=text, date_created=now)
        self.status = QUESTION_LIFECYCLE.check(self.status, QuestionStatus.ANSWERED)
        self.answer = answer
        self.last_updated = now
        return answer
