"""Questions in SQL."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import (
    ColumnElement,
    select,
)

from adapters.sql.repositories.base import JsonObject, Row, SqlRepository, page_of
from adapters.sql.tables import (
    questions,
)
from application.errors import NotFound
from application.queries import (
    Page,
    QuestionQuery,
)
from domain.questions import Answer, Question, QuestionStatus


def question_to_row(question: Question) -> JsonObject:
    answer = question.answer
    return {
        "id": question.id,
        "account_id": question.account_id,
        "seller_id": question.seller_id,
        "item_id": question.item_id,
        "text": question.text,
        "status": question.status.value,
        "date_created": question.date_created,
        "buyer_id": question.buyer_id,
        "answer_text": None if answer is None else answer.text,
        "answer_status": None if answer is None else answer.status,
        "answer_date_created": None if answer is None else answer.date_created,
        "last_updated": question.last_updated,
    }


def question_to_domain(row: Row) -> Question:
    answer = None
    if row["answer_text"] is not None:
        answer = Answer(
            text=row["answer_text"],
            status=row["answer_status"],
            date_created=row["answer_date_created"],
        )
    return Question(
        id=row["id"],
        account_id=row["account_id"],
        seller_id=row["seller_id"],
        item_id=row["item_id"],
        text=row["text"],
        status=QuestionStatus(row["status"]),
        date_created=row["date_created"],
        buyer_id=row["buyer_id"],
        answer=answer,
        last_updated=row["last_updated"],
    )


class SqlQuestionRepository(SqlRepository):
    async def get(self, question_id: int) -> Question:
        question = await self.find(question_id)
        if question is None:
            raise NotFound("question", question_id)
        return question

    async def find(self, question_id: int) -> Question | None:
        row = await self._one(select(questions).where(questions.c.id == question_id))
        return None if row is None else question_to_domain(row)

    async def upsert(self, questions_: Iterable[Question]) -> None:
        await self._upsert(questions, [question_to_row(q) for q in questions_], ["id"])

    async def search(self, query: QuestionQuery) -> Page[Question]:
        conditions: list[ColumnElement[bool]] = []
        if query.account_id is not None:
            conditions.append(questions.c.account_id == query.account_id)
        if query.status is not None:
            conditions.append(questions.c.status == query.status)
        if query.item_id is not None:
            conditions.append(questions.c.item_id == query.item_id)
        statement = (
            select(questions)
            .where(*conditions)
            .order_by(questions.c.date_created.desc(), questions.c.id.desc())
            .offset(query.paging.offset)
            .limit(query.paging.limit)
        )
        items = [question_to_domain(row) for row in await self._all(statement)]
        return page_of(items, await self._count(questions, conditions), query.paging)
