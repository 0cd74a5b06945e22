"""Stored questions, the answers sent to them and the auto-answer rules. Repository
conventions: see application.ports.repositories.accounts."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Protocol

import attrs

from application.queries import (
    Page,
    Paging,
    QuestionQuery,
)
from domain.answer_rules import AnswerRule
from domain.questions import AnswerAttempt, Question


@attrs.define(frozen=True)
class AnsweredTimes:
    """For the questions of an account answered since a moment: each one's wait, and how
    many of them the service answered by rule and by hand (the rest were answered
    elsewhere, e.g. on MercadoLibre's site)."""

    waits_seconds: tuple[float, ...]
    by_rule: int
    by_hand: int


class QuestionRepository(Protocol):
    async def get(self, question_id: int) -> Question: ...

    async def find(self, question_id: int) -> Question | None: ...

    async def find_many(self, question_ids: Iterable[int]) -> dict[int, Question]: ...

    async def upsert(self, questions: Iterable[Question]) -> None:
        """Store questions as MercadoLibre shows them (whether a read is newer is the
        caller's to decide: Question.may_replace). Leaves the auto-answer marks alone.
        Raises Conflict if an account does not exist."""
        ...

    async def search(self, query: QuestionQuery) -> Page[Question]:
        """Questions matching the query: UNANSWERED first, oldest first, then the others,
        newest first."""
        ...

    async def count_awaiting(self, account_id: int) -> int:
        """How many of the account's questions are UNANSWERED."""
        ...

    async def answered_since(self, account_id: int, since: datetime) -> AnsweredTimes: ...

    # The auto-answer marks: a question waits for the rules (queued work, swept if lost).

    async def mark_for_rules(self, question_ids: Iterable[int], since: datetime) -> None:
        """Mark the questions as waiting for the auto-answer rules since `since`."""
        ...

    async def unmark_for_rules(self, question_id: int) -> bool:
        """Clear the mark; return whether it was set (only one evaluation takes it)."""
        ...

    async def waiting_for_rules(
        self, before: datetime, limit: int, after: tuple[datetime, int] | None = None
    ) -> Sequence[tuple[datetime, int]]:
        """(marked since, question id) of questions marked before `before`, oldest first,
        continuing after `after`."""
        ...


class AnswerAttemptRepository(Protocol):
    """Every answer sent or meant to be sent (table meli_question_answers)."""

    async def add(self, attempt: AnswerAttempt) -> AnswerAttempt:
        """Store and return with its id. Raises Conflict when the attempt holds the
        question (pending or sent) and another attempt already does: one answer per
        question, whoever asks first."""
        ...

    async def get(self, attempt_id: int) -> AnswerAttempt: ...

    async def save(self, attempt: AnswerAttempt) -> None:
        """Store the attempt's outcome. Raises NotFound."""
        ...

    async def holding(self, question_id: int) -> AnswerAttempt | None:
        """The pending or sent attempt of the question, if any."""
        ...

    async def for_question(self, question_id: int) -> Sequence[AnswerAttempt]:
        """The question's attempts, oldest first."""
        ...

    async def for_rule(self, rule_id: int, paging: Paging) -> Page[AnswerAttempt]:
        """The attempts of one rule, newest first."""
        ...

    async def pending(
        self, before: datetime, limit: int, after: tuple[datetime, int] | None = None
    ) -> Sequence[AnswerAttempt]:
        """Attempts still pending that were recorded before `before`, oldest first,
        continuing after `after` (requested_at, id)."""
        ...


class AnswerRuleRepository(Protocol):
    async def add(self, rule: AnswerRule) -> AnswerRule:
        """Store and return with its id."""
        ...

    async def get(self, rule_id: int) -> AnswerRule: ...

    async def save(self, rule: AnswerRule) -> None:
        """Replace a stored rule. Raises NotFound."""
        ...

    async def delete(self, rule_id: int) -> None:
        """Raises NotFound."""
        ...

    async def list(self) -> Sequence[AnswerRule]:
        """Every rule, by id."""
        ...

    async def using_template(self, template_id: int) -> Sequence[AnswerRule]:
        """The rules that answer with the template."""
        ...
