"""Stored questions. Repository conventions: see application.ports.repositories.accounts."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from application.queries import (
    Page,
    QuestionQuery,
)
from domain.questions import Question


class QuestionRepository(Protocol):
    async def get(self, question_id: int) -> Question: ...

    async def find(self, question_id: int) -> Question | None: ...

    async def upsert(self, questions: Iterable[Question]) -> None: ...

    async def search(self, query: QuestionQuery) -> Page[Question]:
        """Questions matching the query, newest first."""
        ...
