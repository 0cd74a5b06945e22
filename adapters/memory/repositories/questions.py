"""Questions, the answers sent to them and the auto-answer rules, in memory."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

import attrs

from adapters.memory.repositories.base import InMemoryRepository, page_of
from adapters.memory.store import (
    ANSWER_RULES,
    QUESTION_ANSWERS,
    QUESTIONS,
    RULES_DUE,
    TEMPLATES,
    private_copy,
)
from application.errors import Conflict, NotFound
from application.ports.repositories.questions import AnsweredTimes
from application.queries import (
    Page,
    Paging,
    QuestionQuery,
)
from domain.answer_rules import AnswerRule, normalise
from domain.questions import AnswerAttempt, AnswerSource, AttemptStatus, Question, QuestionStatus


def _inbox_key(question: Question) -> tuple[int, float, int]:
    created = question.date_created.timestamp()
    if question.status is QuestionStatus.UNANSWERED:
        return (0, created, question.id)
    return (1, -created, question.id)


class InMemoryQuestionRepository(InMemoryRepository):
    async def get(self, question_id: int) -> Question:
        return self._get(QUESTIONS, question_id, "question")

    async def find(self, question_id: int) -> Question | None:
        return self._find(QUESTIONS, question_id)

    async def find_many(self, question_ids: Iterable[int]) -> dict[int, Question]:
        found = {}
        for question_id in question_ids:
            question = self._find(QUESTIONS, question_id)
            if question is not None:
                found[question_id] = question
        return found

    async def upsert(self, questions: Iterable[Question]) -> None:
        for question in questions:
            self._require_account(question.account_id)
            self._staged.put(QUESTIONS, question.id, question)

    async def search(self, query: QuestionQuery) -> Page[Question]:
        needle = normalise(query.text) if query.text else None

        def matches(question: Question) -> bool:
            return (
                (query.account_id is None or question.account_id == query.account_id)
                and (query.status is None or question.status == query.status)
                and (query.item_id is None or question.item_id == query.item_id)
                and (query.created_from is None or question.date_created >= query.created_from)
                and (query.created_to is None or question.date_created < query.created_to)
                and (needle is None or needle in normalise(question.text))
            )

        found = [question for question in self._staged.values(QUESTIONS) if matches(question)]
        found.sort(key=_inbox_key)
        return page_of(found, query.paging)

    async def count_awaiting(self, account_id: int) -> int:
        return sum(
            1
            for question in self._staged.values(QUESTIONS)
            if question.account_id == account_id and question.status is QuestionStatus.UNANSWERED
        )

    async def answered_since(self, account_id: int, since: datetime) -> AnsweredTimes:
        waits = tuple(
            max(0.0, (q.answer.date_created - q.date_created).total_seconds())
            for q in self._staged.values(QUESTIONS)
            if q.account_id == account_id
            and q.answer is not None
            and q.answer.date_created is not None
            and q.answer.date_created >= since
        )
        sent = [
            attempt
            for attempt in self._staged.values(QUESTION_ANSWERS)
            if attempt.account_id == account_id
            and attempt.status is AttemptStatus.SENT
            and attempt.finished_at is not None
            and attempt.finished_at >= since
        ]
        return AnsweredTimes(
            waits,
            sum(1 for a in sent if a.source is AnswerSource.RULE),
            sum(1 for a in sent if a.source is AnswerSource.HAND),
        )

    async def mark_for_rules(self, question_ids: Iterable[int], since: datetime) -> None:
        for question_id in question_ids:
            if self._staged.get(QUESTIONS, question_id) is not None:
                self._staged.put(RULES_DUE, question_id, since)

    async def unmark_for_rules(self, question_id: int) -> bool:
        if self._staged.get(RULES_DUE, question_id) is None:
            return False
        self._staged.delete(RULES_DUE, question_id)
        return True

    async def waiting_for_rules(
        self, before: datetime, limit: int, after: tuple[datetime, int] | None = None
    ) -> Sequence[tuple[datetime, int]]:
        found = sorted(
            (since, question_id)
            for question_id, since in self._staged.rows(RULES_DUE)
            if since < before
        )
        if after is not None:
            found = [entry for entry in found if entry > after]
        return found[:limit]  # type: ignore[return-value]


class InMemoryAnswerAttemptRepository(InMemoryRepository):
    async def add(self, attempt: AnswerAttempt) -> AnswerAttempt:
        self._require_account(attempt.account_id)
        if self._staged.get(QUESTIONS, attempt.question_id) is None:
            raise Conflict(f"question {attempt.question_id} does not exist")
        stored = attrs.evolve(attempt, id=self._store.next_id(QUESTION_ANSWERS))
        self._staged.put(QUESTION_ANSWERS, stored.id, stored)
        return private_copy(stored)

    async def get(self, attempt_id: int) -> AnswerAttempt:
        return self._get(QUESTION_ANSWERS, attempt_id, "answer attempt")

    async def save(self, attempt: AnswerAttempt) -> None:
        if attempt.id is None or self._staged.get(QUESTION_ANSWERS, attempt.id) is None:
            raise NotFound("answer attempt", attempt.id)
        self._staged.put(QUESTION_ANSWERS, attempt.id, attempt)

    async def holding(self, question_id: int) -> AnswerAttempt | None:
        for attempt in self._staged.values(QUESTION_ANSWERS):
            if attempt.question_id == question_id and attempt.holds_question:
                return private_copy(attempt)
        return None

    async def for_question(self, question_id: int) -> Sequence[AnswerAttempt]:
        found = [a for a in self._staged.values(QUESTION_ANSWERS) if a.question_id == question_id]
        found.sort(key=lambda attempt: (attempt.requested_at, attempt.id))
        return [private_copy(attempt) for attempt in found]

    async def for_rule(self, rule_id: int, paging: Paging) -> Page[AnswerAttempt]:
        found = [a for a in self._staged.values(QUESTION_ANSWERS) if a.rule_id == rule_id]
        found.sort(key=lambda attempt: (attempt.requested_at, attempt.id), reverse=True)
        return page_of(found, paging)

    async def pending(
        self, before: datetime, limit: int, after: tuple[datetime, int] | None = None
    ) -> Sequence[AnswerAttempt]:
        found = [
            a
            for a in self._staged.values(QUESTION_ANSWERS)
            if a.status is AttemptStatus.PENDING
            and a.requested_at < before
            and (after is None or (a.requested_at, a.id) > after)
        ]
        found.sort(key=lambda attempt: (attempt.requested_at, attempt.id))
        return [private_copy(attempt) for attempt in found[:limit]]


class InMemoryAnswerRuleRepository(InMemoryRepository):
    def _require_template(self, rule: AnswerRule) -> None:
        """The foreign key to meli_templates of the SQL schema."""
        if self._staged.get(TEMPLATES, rule.template_id) is None:
            raise Conflict(f"template {rule.template_id} does not exist")

    async def add(self, rule: AnswerRule) -> AnswerRule:
        self._require_template(rule)
        stored = attrs.evolve(rule, id=self._store.next_id(ANSWER_RULES))
        self._staged.put(ANSWER_RULES, stored.id, stored)
        return private_copy(stored)

    async def get(self, rule_id: int) -> AnswerRule:
        return self._get(ANSWER_RULES, rule_id, "auto-answer rule")

    async def save(self, rule: AnswerRule) -> None:
        if rule.id is None or self._staged.get(ANSWER_RULES, rule.id) is None:
            raise NotFound("auto-answer rule", rule.id)
        self._require_template(rule)
        self._staged.put(ANSWER_RULES, rule.id, rule)

    async def delete(self, rule_id: int) -> None:
        if self._staged.get(ANSWER_RULES, rule_id) is None:
            raise NotFound("auto-answer rule", rule_id)
        self._staged.delete(ANSWER_RULES, rule_id)

    async def list(self) -> Sequence[AnswerRule]:
        found = sorted(self._staged.values(ANSWER_RULES), key=lambda rule: rule.id)
        return [private_copy(rule) for rule in found]

    async def using_template(self, template_id: int) -> Sequence[AnswerRule]:
        return [rule for rule in await self.list() if rule.template_id == template_id]
