from __future__ import annotations

from collections.abc import Iterable

from adapters.memory.repositories.base import InMemoryRepository, page_of
from adapters.memory.store import (
    QUESTIONS,
)
from application.queries import (
    Page,
    QuestionQuery,
)
from domain.questions import Question


class InMemoryQuestionRepository(InMemoryRepository):
    async def get(self, question_id: int) -> Question:
        return self._get(QUESTIONS, question_id, "question")

    async def find(self, question_id: int) -> Question | None:
        return self._find(QUESTIONS, question_id)

    async def upsert(self, questions: Iterable[Question]) -> None:
        for question in questions:
            self._require_account(question.account_id)
            self._staged.put(QUESTIONS, question.id, question)

    async def search(self, query: QuestionQuery) -> Page[Question]:
        def matches(question: Question) -> bool:
            return (
                (query.account_id is None or question.account_id == query.account_id)
                and (query.status is None or question.status == query.status)
                and (query.item_id is None or question.item_id == query.item_id)
            )

        found = [question for question in self._staged.values(QUESTIONS) if matches(question)]
        found.sort(key=lambda question: (question.date_created, question.id), reverse=True)
        return page_of(found, query.paging)
