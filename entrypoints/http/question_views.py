"""The JSON shapes of questions, answers, rules and templates."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import attrs

from application.ports.question_gateway import BlockedBuyer, ResponseTime
from application.questions.views import QuestionDetail, QuestionStats, QuestionSummary
from domain.answer_rules import AnswerRule
from domain.questions import AnswerAttempt, Question
from domain.templates import Template
from entrypoints.http.views import PageInfo


@attrs.define(frozen=True)
class AnswerView:
    text: str
    status: str
    date_created: datetime | None


@attrs.define(frozen=True)
class AttemptView:
    """An answer the service sent or meant to send: by hand or by a rule (with its
    template and rendered text), and its outcome (pending, sent, failed, dry_run,
    not_sent)."""

    id: int
    source: str
    status: str
    text: str
    rule_id: int | None
    template_id: int | None
    requested_at: datetime
    finished_at: datetime | None
    error: str | None
    question_id: int


@attrs.define(frozen=True)
class QuestionView:
    id: int
    account_id: int
    seller_id: int
    item_id: str
    buyer_id: int | None
    text: str
    status: str
    date_created: datetime
    last_updated: datetime | None
    hold: bool
    suspected_spam: bool
    deleted_from_listing: bool
    answer: AnswerView | None
    waited_seconds: float


@attrs.define(frozen=True)
class QuestionDetailView(QuestionView):
    item_title: str | None = None
    item_price: Decimal | None = None
    currency_id: str | None = None
    answers: list[AttemptView] = attrs.field(factory=list)


@attrs.define(frozen=True)
class QuestionPage:
    results: list[QuestionView]
    paging: PageInfo


@attrs.define(frozen=True)
class AttemptPage:
    results: list[AttemptView]
    paging: PageInfo


def attempt_view(attempt: AnswerAttempt) -> AttemptView:
    assert attempt.id is not None
    return AttemptView(
        id=attempt.id,
        source=attempt.source.value,
        status=attempt.status.value,
        text=attempt.text,
        rule_id=attempt.rule_id,
        template_id=attempt.template_id,
        requested_at=attempt.requested_at,
        finished_at=attempt.finished_at,
        error=attempt.error,
        question_id=attempt.question_id,
    )


def _fields(question: Question, waited: float) -> dict:
    answer = question.answer
    return {
        "id": question.id,
        "account_id": question.account_id,
        "seller_id": question.seller_id,
        "item_id": question.item_id,
        "buyer_id": question.buyer_id,
        "text": question.text,
        "status": question.status.value,
        "date_created": question.date_created,
        "last_updated": question.last_updated,
        "hold": question.hold,
        "suspected_spam": question.suspected_spam,
        "deleted_from_listing": question.deleted_from_listing,
        "answer": None
        if answer is None
        else AnswerView(answer.text, answer.status, answer.date_created),
        "waited_seconds": round(waited, 3),
    }


def question_view(summary: QuestionSummary) -> QuestionView:
    return QuestionView(**_fields(summary.question, summary.waited.total_seconds()))


def answered_view(question: Question, now: datetime) -> QuestionView:
    return QuestionView(**_fields(question, question.waited(now).total_seconds()))


def question_detail_view(detail: QuestionDetail) -> QuestionDetailView:
    price = detail.item_price
    return QuestionDetailView(
        **_fields(detail.question, detail.waited.total_seconds()),
        item_title=detail.item_title,
        item_price=None if price is None else price.amount,
        currency_id=None if price is None else price.currency_id,
        answers=[attempt_view(a) for a in detail.attempts],
    )


@attrs.define(frozen=True)
class ActiveHoursView:
    days: list[str]
    start: str
    end: str


@attrs.define(frozen=True)
class RuleView:
    id: int
    name: str
    template_id: int
    keywords: list[str]
    pattern: str | None
    priority: int
    account_ids: list[int]
    item_ids: list[str]
    category_ids: list[str]
    active_hours: ActiveHoursView | None
    mode: str
    enabled: bool
    created_at: datetime | None


@attrs.define(frozen=True)
class RuleList:
    results: list[RuleView]


def rule_view(rule: AnswerRule) -> RuleView:
    assert rule.id is not None
    hours = rule.active_hours
    return RuleView(
        id=rule.id,
        name=rule.name,
        template_id=rule.template_id,
        keywords=list(rule.keywords),
        pattern=rule.pattern,
        priority=rule.priority,
        account_ids=list(rule.account_ids),
        item_ids=list(rule.item_ids),
        category_ids=list(rule.category_ids),
        active_hours=None
        if hours is None
        else ActiveHoursView(
            list(hours.days), hours.start.strftime("%H:%M"), hours.end.strftime("%H:%M")
        ),
        mode=rule.mode.value,
        enabled=rule.enabled,
        created_at=rule.created_at,
    )


@attrs.define(frozen=True)
class TemplateView:
    id: int
    name: str
    kind: str
    text: str
    variables: list[str]
    account_id: int | None
    updated_at: datetime | None


@attrs.define(frozen=True)
class TemplateList:
    results: list[TemplateView]


def template_view(template: Template) -> TemplateView:
    assert template.id is not None
    return TemplateView(
        id=template.id,
        name=template.name,
        kind=template.kind.value,
        text=template.text,
        variables=sorted(template.variables),
        account_id=template.account_id,
        updated_at=template.updated_at,
    )


@attrs.define(frozen=True)
class PreviewView:
    template_id: int
    text: str
    values: dict[str, str | None]


@attrs.define(frozen=True)
class BlockedBuyerView:
    user_id: int
    blocked_at: datetime | None


@attrs.define(frozen=True)
class BlockedBuyerList:
    results: list[BlockedBuyerView]


def blocked_view(buyer: BlockedBuyer) -> BlockedBuyerView:
    return BlockedBuyerView(buyer.user_id, buyer.blocked_at)


@attrs.define(frozen=True)
class ResponseTimeView:
    """MercadoLibre's own figures, in minutes (§7)."""

    total: float | None
    weekend: float | None
    weekdays_working_hours: float | None
    weekdays_extra_hours: float | None


@attrs.define(frozen=True)
class StatsView:
    account_id: int
    window_days: int
    unanswered: int
    answered: int
    median_seconds_to_answer: float | None
    p90_seconds_to_answer: float | None
    answered_by_rule: int
    answered_by_hand: int
    answered_elsewhere: int
    response_time: ResponseTimeView | None
    response_time_error: str | None


def stats_view(stats: QuestionStats) -> StatsView:
    times: ResponseTime | None = stats.response_time
    return StatsView(
        account_id=stats.account_id,
        window_days=stats.window_days,
        unanswered=stats.unanswered,
        answered=stats.answered,
        median_seconds_to_answer=stats.median_seconds,
        p90_seconds_to_answer=stats.p90_seconds,
        answered_by_rule=stats.by_rule,
        answered_by_hand=stats.by_hand,
        answered_elsewhere=stats.elsewhere,
        response_time=None
        if times is None
        else ResponseTimeView(
            times.total, times.weekend, times.weekdays_working_hours, times.weekdays_extra_hours
        ),
        response_time_error=stats.response_time_error,
    )


@attrs.define(frozen=True)
class VerdictView:
    rule_id: int | None
    rule_name: str | None
    text: str | None
    missing: list[str]
