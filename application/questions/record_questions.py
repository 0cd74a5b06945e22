from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from application import jobs
from application.errors import NotFound
from application.notifications.record_resource import TypedRead
from application.ports.clock import Clock
from application.ports.question_gateway import QuestionGateway
from application.ports.unit_of_work import UnitOfWork
from domain.accounts import Account
from domain.questions import Question
from domain.resources import ResourceSnapshot


def _unchanged(read: Question, stored: Question) -> bool:
    return (
        read.status,
        read.answer,
        read.hold,
        read.suspected_spam,
        read.deleted_from_listing,
    ) == (
        stored.status,
        stored.answer,
        stored.hold,
        stored.suspected_spam,
        stored.deleted_from_listing,
    )


class RecordQuestions:
    """How questions are read and stored, for the `questions` notifications (the
    TopicRecorder of RecordResource) and the reconciliation alike (§7).

    A read replaces the stored question only when it is not older (Question.may_replace).
    A question that becomes open to the rules (UNANSWERED, not on hold, not suspected of
    spam: a new one, or one MercadoLibre released) is marked for them and the
    `auto_answer_question` job is queued after the commit: the mark is the stored work
    the sweep puts back if the job is lost."""

    def __init__(self, gateway: QuestionGateway, clock: Clock) -> None:
        self._gateway = gateway
        self._clock = clock

    async def read(self, account: Account, resource: str) -> TypedRead:
        """GET /questions/{id}?api_version=4 for the notification's resource."""
        assert account.id is not None
        last = resource.partition("?")[0].rstrip("/").rsplit("/", 1)[-1]
        if not last.isdigit():
            raise NotFound("question", resource)
        question = await self._gateway.get(account.id, int(last))
        snapshot = ResourceSnapshot(
            f"/questions/{question.id}", question.raw, self._clock.now(), "questions", account.id
        )
        return TypedRead(snapshot, question)

    async def store(self, uow: UnitOfWork, read: TypedRead, account: Account) -> None:
        assert isinstance(read.value, Question)
        await self.store_many(uow, [read.value])

    async def store_many(self, uow: UnitOfWork, questions: Iterable[Question]) -> dict[str, int]:
        """Store reads inside `uow` (the caller commits); counts of stored, unchanged and
        older_than_stored reads and of questions queued for the rules."""
        reads = list({question.id: question for question in questions}.values())
        stored = await uow.questions.find_many(q.id for q in reads)
        counts = {"stored": 0, "unchanged": 0, "older_than_stored": 0, "to_rules": 0}
        fresh: list[Question] = []
        opened: list[int] = []
        for question in reads:
            before = stored.get(question.id)
            if before is not None and not question.may_replace(before):
                counts["older_than_stored"] += 1
                continue
            if before is not None and _unchanged(question, before):
                counts["unchanged"] += 1
                if before.raw and not question.raw.get("last_updated"):
                    continue  # a search result says less than the stored read
            else:
                counts["stored"] += 1
            fresh.append(question)
            if question.open_to_rules and (before is None or not before.open_to_rules):
                opened.append(question.id)
        await uow.questions.upsert(fresh)
        if opened:
            now: datetime = self._clock.now()
            await uow.questions.mark_for_rules(opened, now)
            for question_id in opened:
                uow.enqueue_after_commit(jobs.AutoAnswerQuestion(question_id))
        counts["to_rules"] = len(opened)
        return counts
