"""Buyers' questions on listings, the seller's answers, and every attempt to send one
(mercadolibre-api.md §7)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
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


class AnswerStatus(StrEnum):
    """§7: an answer is ACTIVE, or DISABLED or BANNED by MercadoLibre."""

    ACTIVE = "ACTIVE"
    DISABLED = "DISABLED"
    BANNED = "BANNED"


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
    status: str = AnswerStatus.ACTIVE.value
    date_created: datetime | None = attrs.field(default=None, validator=aware)

    def __attrs_post_init__(self) -> None:
        # A BANNED answer comes back with empty text (§7).
        text_within("text", self.text, MAX_TEXT_LENGTH, allow_empty=True)


@attrs.define
class Question:
    """A buyer's question as MercadoLibre last showed it, with the JSON it came in (`raw`)."""

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
    hold: bool = False
    suspected_spam: bool = False
    deleted_from_listing: bool = False
    app_id: int | None = None
    raw: Mapping[str, object] = attrs.field(factory=dict, converter=dict, eq=False)

    def __attrs_post_init__(self) -> None:
        # BANNED questions come back with empty text (§7), so only the length is checked.
        text_within("text", self.text, MAX_TEXT_LENGTH, allow_empty=True)

    @property
    def awaits_answer(self) -> bool:
        """UNANSWERED and without an answer: the seller may answer it."""
        return self.status is QuestionStatus.UNANSWERED and self.answer is None

    @property
    def open_to_rules(self) -> bool:
        """Whether an automatic answer may be sent: waiting for one, and neither held by
        MercadoLibre nor suspected of spam nor deleted from the listing (§7)."""
        return (
            self.awaits_answer
            and not self.hold
            and not self.suspected_spam
            and not self.deleted_from_listing
        )

    def waited(self, now: datetime) -> timedelta:
        """How long the buyer waited for the answer, or has waited so far."""
        end = self.answer.date_created if self.answer and self.answer.date_created else now
        return max(timedelta(0), end - self.date_created)

    def answer_with(self, text: str, now: datetime) -> Answer:
        """Answer once: only an UNANSWERED question takes an answer (§7)."""
        if not self.awaits_answer:
            raise InvalidTransition("question", self.status.value, QuestionStatus.ANSWERED.value)
        answer = Answer(text=text, date_created=now)
        self.status = QUESTION_LIFECYCLE.check(self.status, QuestionStatus.ANSWERED)
        self.answer = answer
        self.last_updated = now
        return answer

    def may_replace(self, stored: Question) -> bool:
        """Whether this read of the question may replace the stored copy: reads arrive out
        of order (a search page begun before an answer was stored, a notification read
        late), and an older one must never undo what a newer one showed.

        With both `last_updated` (GET /questions/{id}), the later wins. Otherwise (search
        results have none, §7) the status decides: a read may move the question along its
        life cycle but not back, and never drops a known answer."""
        if self.last_updated is not None and stored.last_updated is not None:
            return self.last_updated >= stored.last_updated
        if self.status == stored.status:
            return self.answer is not None or stored.answer is None
        return QUESTION_LIFECYCLE.allows(stored.status, self.status)


class AnswerSource(StrEnum):
    HAND = "hand"  # through the REST API or the CLI
    RULE = "rule"  # an auto-answer rule


class AttemptStatus(StrEnum):
    PENDING = "pending"  # recorded, sent or about to be; the outcome is not known yet
    SENT = "sent"  # MercadoLibre took the answer
    FAILED = "failed"  # MercadoLibre did not take it (refused, or not there on read-back)
    DRY_RUN = "dry_run"  # a rule in dry-run mode: what it would have sent
    NOT_SENT = "not_sent"  # a rule matched but could not answer (a variable had no value)


# The attempts that hold a question: at most one per question (the database enforces it).
HOLDING = frozenset({AttemptStatus.PENDING, AttemptStatus.SENT})

_A = AttemptStatus
ATTEMPT_LIFECYCLE: Lifecycle[AttemptStatus] = Lifecycle(
    "answer attempt",
    {
        _A.PENDING: {_A.SENT, _A.FAILED},
        _A.SENT: set(),
        _A.FAILED: set(),
        _A.DRY_RUN: set(),
        _A.NOT_SENT: set(),
    },
)


@attrs.define
class AnswerAttempt:
    """One answer the service sent or meant to send: the intent, recorded before the call
    to MercadoLibre, then its outcome. It is also the log of automatic answers (rule,
    template, rendered text, outcome)."""

    question_id: int
    account_id: int
    text: str
    source: AnswerSource
    requested_at: datetime = attrs.field(validator=aware)
    status: AttemptStatus = AttemptStatus.PENDING
    rule_id: int | None = None
    template_id: int | None = None
    id: int | None = None
    finished_at: datetime | None = attrs.field(default=None, validator=aware)
    error: str | None = None

    def __attrs_post_init__(self) -> None:
        text_within("text", self.text, MAX_TEXT_LENGTH, allow_empty=True)

    @property
    def holds_question(self) -> bool:
        return self.status in HOLDING

    def settle(self, status: AttemptStatus, now: datetime, error: str | None = None) -> None:
        self.status = ATTEMPT_LIFECYCLE.check(self.status, status)
        self.finished_at = now
        self.error = None if error is None else error[:1000]
