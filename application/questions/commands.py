from __future__ import annotations

from datetime import datetime

import attrs

from domain.answer_rules import ActiveHours, RuleMode


@attrs.define(frozen=True)
class AnswerCommand:
    """Answer with `text`, or with a template (`template_id`) and extra `variables`.
    `account_id`, when given, must be the question's (another seller's is not found)."""

    question_id: int
    text: str | None = None
    template_id: int | None = None
    variables: dict[str, str] = attrs.field(factory=dict)
    account_id: int | None = None


@attrs.define(frozen=True)
class QuestionFilter:
    account_id: int | None = None
    status: str | None = None
    item_id: str | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    text: str | None = None


@attrs.define(frozen=True)
class RuleInput:
    name: str
    template_id: int
    keywords: tuple[str, ...] = ()
    pattern: str | None = None
    priority: int = 0
    account_ids: tuple[int, ...] = ()
    item_ids: tuple[str, ...] = ()
    category_ids: tuple[str, ...] = ()
    active_hours: ActiveHours | None = None
    mode: RuleMode = RuleMode.LIVE
    enabled: bool = True
