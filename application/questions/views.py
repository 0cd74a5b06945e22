"""What the question use cases answer with, beyond the domain's own objects."""

from __future__ import annotations

from datetime import timedelta

import attrs

from application.ports.question_gateway import ResponseTime
from domain.money import Money
from domain.questions import AnswerAttempt, Question


@attrs.define(frozen=True)
class QuestionSummary:
    question: Question
    waited: timedelta  # until answered, or until now


@attrs.define(frozen=True)
class QuestionDetail:
    question: Question
    waited: timedelta
    item_title: str | None
    item_price: Money | None
    attempts: tuple[AnswerAttempt, ...]  # every answer sent or meant to be, oldest first


@attrs.define(frozen=True)
class QuestionStats:
    account_id: int
    window_days: int
    unanswered: int
    answered: int
    median_seconds: float | None
    p90_seconds: float | None
    by_rule: int
    by_hand: int
    elsewhere: int  # answered outside this service (MercadoLibre's site, another app)
    response_time: ResponseTime | None
    response_time_error: str | None = None


@attrs.define(frozen=True)
class RuleVerdict:
    """Which rule would answer a question text, and with what (or why not)."""

    rule_id: int | None
    rule_name: str | None
    text: str | None
    missing: tuple[str, ...] = ()
