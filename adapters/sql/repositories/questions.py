"""Questions and the answers sent to them, in SQL."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

import attrs
from sqlalchemy import (
    ColumnElement,
    and_,
    func,
    or_,
    select,
    update,
)

from adapters.sql.repositories.base import (
    MAX_IN_IDS,
    JsonObject,
    Row,
    SqlRepository,
    chunks,
    page_of,
)
from adapters.sql.tables import question_answers, questions
from application.errors import Conflict, NotFound
from application.ports.repositories.questions import AnsweredTimes
from application.queries import (
    Page,
    Paging,
    QuestionQuery,
)
from domain.answer_rules import normalise
from domain.questions import (
    Answer,
    AnswerAttempt,
    AnswerSource,
    AttemptStatus,
    Question,
    QuestionStatus,
)

# inbox_order: unanswered questions sort by creation (milliseconds since the epoch, about
# 1.8e12 today), every other one after them by this offset minus its creation, so that
# ascending order is "unanswered oldest first, then the rest newest first".
_ANSWERED_BASE = 10**14


def inbox_order(question: Question) -> int:
    millis = int(question.date_created.timestamp() * 1000)
    return millis if question.status is QuestionStatus.UNANSWERED else _ANSWERED_BASE - millis


def question_to_row(question: Question) -> JsonObject:
    answer = question.answer
    return {
        "id": question.id,
        "account_id": question.account_id,
        "seller_id": question.seller_id,
        "item_id": question.item_id,
        "text": question.text,
        "text_search": normalise(question.text),
        "status": question.status.value,
        "date_created": question.date_created,
        "buyer_id": question.buyer_id,
        "answer_text": None if answer is None else answer.text,
        "answer_status": None if answer is None else answer.status,
        "answer_date_created": None if answer is None else answer.date_created,
        "last_updated": question.last_updated,
        "hold": question.hold,
        "suspected_spam": question.suspected_spam,
        "deleted_from_listing": question.deleted_from_listing,
        "app_id": question.app_id,
        "raw": dict(question.raw),
        "inbox_order": inbox_order(question),
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
        hold=bool(row["hold"]),
        suspected_spam=bool(row["suspected_spam"]),
        deleted_from_listing=bool(row["deleted_from_listing"]),
        app_id=row["app_id"],
        raw=row["raw"] or {},
    )


def _like_escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class SqlQuestionRepository(SqlRepository):
    async def get(self, question_id: int) -> Question:
        question = await self.find(question_id)
        if question is None:
            raise NotFound("question", question_id)
        return question

    async def find(self, question_id: int) -> Question | None:
        row = await self._one(select(questions).where(questions.c.id == question_id))
        return None if row is None else question_to_domain(row)

    async def find_many(self, question_ids: Iterable[int]) -> dict[int, Question]:
        found: dict[int, Question] = {}
        for part in chunks(list(dict.fromkeys(question_ids)), MAX_IN_IDS):
            rows = await self._all(select(questions).where(questions.c.id.in_(part)))
            found.update((row["id"], question_to_domain(row)) for row in rows)
        return found

    async def upsert(self, questions_: Iterable[Question]) -> None:
        rows = list({q.id: question_to_row(q) for q in questions_}.values())
        if not rows:
            return
        statement = self._insert(questions)
        # Every column MercadoLibre shows; the auto-answer mark (rules_due_at) stays.
        statement = statement.on_conflict_do_update(
            index_elements=[questions.c.id],
            set_={name: statement.excluded[name] for name in rows[0] if name != "id"},
        ).returning(questions.c.id)
        await self._write(statement, rows)

    async def search(self, query: QuestionQuery) -> Page[Question]:
        conditions: list[ColumnElement[bool]] = []
        if query.account_id is not None:
            conditions.append(questions.c.account_id == query.account_id)
        if query.status is not None:
            conditions.append(questions.c.status == query.status)
        if query.item_id is not None:
            conditions.append(questions.c.item_id == query.item_id)
        if query.created_from is not None:
            conditions.append(questions.c.date_created >= query.created_from)
        if query.created_to is not None:
            conditions.append(questions.c.date_created < query.created_to)
        if query.text:
            conditions.append(
                questions.c.text_search.like(f"%{_like_escaped(normalise(query.text))}%", "\\")
            )
        statement = (
            select(questions)
            .where(*conditions)
            .order_by(questions.c.inbox_order, questions.c.id)
            .offset(query.paging.offset)
            .limit(query.paging.limit)
        )
        items = [question_to_domain(row) for row in await self._all(statement)]
        return page_of(items, await self._count(questions, conditions), query.paging)

    async def count_awaiting(self, account_id: int) -> int:
        return await self._count(
            questions,
            [
                questions.c.account_id == account_id,
                questions.c.status == QuestionStatus.UNANSWERED.value,
            ],
        )

    async def answered_since(self, account_id: int, since: datetime) -> AnsweredTimes:
        rows = await self._all(
            select(questions.c.date_created, questions.c.answer_date_created).where(
                questions.c.account_id == account_id,
                questions.c.answer_date_created >= since,
            )
        )
        waits = tuple(
            max(0.0, (row["answer_date_created"] - row["date_created"]).total_seconds())
            for row in rows
        )
        sources = await self._all(
            select(question_answers.c.source, func.count())
            .where(
                question_answers.c.account_id == account_id,
                question_answers.c.status == AttemptStatus.SENT.value,
                question_answers.c.finished_at >= since,
            )
            .group_by(question_answers.c.source)
        )
        counts = {row["source"]: row["count"] for row in sources}
        return AnsweredTimes(
            waits, counts.get(AnswerSource.RULE.value, 0), counts.get(AnswerSource.HAND.value, 0)
        )

    async def mark_for_rules(self, question_ids: Iterable[int], since: datetime) -> None:
        for part in chunks(list(question_ids), MAX_IN_IDS):
            await self._write(
                update(questions).where(questions.c.id.in_(part)).values(rules_due_at=since)
            )

    async def unmark_for_rules(self, question_id: int) -> bool:
        result = await self._write(
            update(questions)
            .where(questions.c.id == question_id, questions.c.rules_due_at.is_not(None))
            .values(rules_due_at=None)
        )
        return bool(result.rowcount)

    async def waiting_for_rules(
        self, before: datetime, limit: int, after: tuple[datetime, int] | None = None
    ) -> Sequence[tuple[datetime, int]]:
        conditions = [questions.c.rules_due_at.is_not(None), questions.c.rules_due_at < before]
        if after is not None:
            moment, last_id = after
            conditions.append(
                or_(
                    questions.c.rules_due_at > moment,
                    and_(questions.c.rules_due_at == moment, questions.c.id > last_id),
                )
            )
        rows = await self._all(
            select(questions.c.rules_due_at, questions.c.id)
            .where(*conditions)
            .order_by(questions.c.rules_due_at, questions.c.id)
            .limit(limit)
        )
        return [(row["rules_due_at"], row["id"]) for row in rows]


def attempt_to_row(attempt: AnswerAttempt) -> JsonObject:
    return {
        "question_id": attempt.question_id,
        "account_id": attempt.account_id,
        "text": attempt.text,
        "source": attempt.source.value,
        "status": attempt.status.value,
        "rule_id": attempt.rule_id,
        "template_id": attempt.template_id,
        "requested_at": attempt.requested_at,
        "finished_at": attempt.finished_at,
        "error": attempt.error,
    }


def attempt_to_domain(row: Row) -> AnswerAttempt:
    return AnswerAttempt(
        id=row["id"],
        question_id=row["question_id"],
        account_id=row["account_id"],
        text=row["text"],
        source=AnswerSource(row["source"]),
        status=AttemptStatus(row["status"]),
        rule_id=row["rule_id"],
        template_id=row["template_id"],
        requested_at=row["requested_at"],
        finished_at=row["finished_at"],
        error=row["error"],
    )


_HOLDING = [AttemptStatus.PENDING.value, AttemptStatus.SENT.value]


class SqlAnswerAttemptRepository(SqlRepository):
    async def add(self, attempt: AnswerAttempt) -> AnswerAttempt:
        statement = (
            self._insert(question_answers)
            .values(attempt_to_row(attempt))
            .returning(question_answers.c.id)
        )
        try:
            new_id = (await self._write(statement)).scalar_one()
        except Conflict:
            raise Conflict(
                f"question {attempt.question_id} already has an answer sent or being sent"
            ) from None
        return attrs.evolve(attempt, id=new_id)

    async def get(self, attempt_id: int) -> AnswerAttempt:
        row = await self._one(select(question_answers).where(question_answers.c.id == attempt_id))
        if row is None:
            raise NotFound("answer attempt", attempt_id)
        return attempt_to_domain(row)

    async def save(self, attempt: AnswerAttempt) -> None:
        result = await self._write(
            update(question_answers)
            .where(question_answers.c.id == attempt.id)
            .values(attempt_to_row(attempt))
        )
        if result.rowcount == 0:
            raise NotFound("answer attempt", attempt.id)

    async def holding(self, question_id: int) -> AnswerAttempt | None:
        row = await self._one(
            select(question_answers).where(
                question_answers.c.question_id == question_id,
                question_answers.c.status.in_(_HOLDING),
            )
        )
        return None if row is None else attempt_to_domain(row)

    async def for_question(self, question_id: int) -> Sequence[AnswerAttempt]:
        rows = await self._all(
            select(question_answers)
            .where(question_answers.c.question_id == question_id)
            .order_by(question_answers.c.requested_at, question_answers.c.id)
        )
        return [attempt_to_domain(row) for row in rows]

    async def for_rule(self, rule_id: int, paging: Paging) -> Page[AnswerAttempt]:
        conditions = [question_answers.c.rule_id == rule_id]
        rows = await self._all(
            select(question_answers)
            .where(*conditions)
            .order_by(question_answers.c.requested_at.desc(), question_answers.c.id.desc())
            .offset(paging.offset)
            .limit(paging.limit)
        )
        items = [attempt_to_domain(row) for row in rows]
        return page_of(items, await self._count(question_answers, conditions), paging)

    async def pending(
        self, before: datetime, limit: int, after: tuple[datetime, int] | None = None
    ) -> Sequence[AnswerAttempt]:
        conditions: list[ColumnElement[bool]] = [
            question_answers.c.status == AttemptStatus.PENDING.value,
            question_answers.c.requested_at < before,
        ]
        if after is not None:
            moment, last_id = after
            conditions.append(
                or_(
                    question_answers.c.requested_at > moment,
                    and_(
                        question_answers.c.requested_at == moment,
                        question_answers.c.id > last_id,
                    ),
                )
            )
        rows = await self._all(
            select(question_answers)
            .where(*conditions)
            .order_by(question_answers.c.requested_at, question_answers.c.id)
            .limit(limit)
        )
        return [attempt_to_domain(row) for row in rows]
