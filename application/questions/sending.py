"""Sending an answer exactly once (mercadolibre-api.md §7), shared by the answer by hand,
the automatic answer and the read-back of an answer whose outcome is unknown.

POST /answers is not idempotent, so:
1. the intent (an AnswerAttempt, `pending`) is recorded and committed before the call;
   the database holds at most one pending or sent attempt per question, so of two
   concurrent answers one is refused (Conflict) before anything is sent;
2. MercadoLibre's answer is stored with the attempt `sent`;
3. a refusal (4xx, a 429, a quota used up before sending) means it took nothing: the
   attempt is `failed` and the question is read back (a refusal may be "already answered");
4. anything else (a time-out, a 5xx, a crash before storing) leaves the outcome unknown:
   the question is read back before anything else may answer it, inline when the process
   is still alive, by SettleAnswer (queued by the sweep) when it is not.
"""

from __future__ import annotations

import logging
from datetime import datetime

from application.errors import (
    ApplicationError,
    Conflict,
    FieldProblem,
    Forbidden,
    NotFound,
    RateLimited,
    ReauthorizationRequired,
    Unauthorized,
    Unavailable,
    ValidationFailed,
)
from application.ports.clock import Clock
from application.ports.question_gateway import QuestionGateway
from application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from application.questions.errors import QuestionNotOpen
from domain.errors import InvalidValue
from domain.questions import MAX_TEXT_LENGTH, AnswerAttempt, AttemptStatus, Question
from domain.sites import SITES

log = logging.getLogger(__name__)

# MercadoLibre refused, or the call never reached it: nothing was taken (§2).
REFUSALS = (
    ValidationFailed,
    Forbidden,
    NotFound,
    Conflict,
    RateLimited,
    Unauthorized,
    ReauthorizationRequired,
)


def check_answer_text(text: str, site_id: str, field: str = "text") -> str:
    """What MercadoLibre takes as an answer, checked before calling it: 1 to 2,000
    characters (§7), no control characters but line breaks and tabs, only characters of
    the site's charset. Raises ValidationFailed naming `field`."""
    problems = []
    if not text.strip():
        problems.append(FieldProblem(field, "must not be empty"))
    elif len(text) > MAX_TEXT_LENGTH:
        problems.append(
            FieldProblem(field, f"is {len(text)} characters long; the limit is {MAX_TEXT_LENGTH}")
        )
    if any((ord(c) < 32 and c not in "\n\r\t") or ord(c) == 127 for c in text):
        problems.append(FieldProblem(field, "must not contain control characters"))
    site = SITES.get(site_id)
    if site is not None:
        unsupported = site.unsupported_characters(text)
        if unsupported:
            shown = " ".join(f"{c!r} (U+{ord(c):04X})" for c in unsupported[:5])
            problems.append(
                FieldProblem(
                    field, f"has characters {site.id} does not take ({site.charset}): {shown}"
                )
            )
    if problems:
        raise ValidationFailed(problems, message="the answer cannot be sent")
    return text


async def store_read(uow: UnitOfWork, question: Question) -> Question:
    """Store a read of the question unless a newer one is stored; the stored one wins."""
    stored = await uow.questions.find(question.id)
    if stored is None or question.may_replace(stored):
        await uow.questions.upsert([question])
        return question
    return stored


def _same_answer(question: Question, attempt: AnswerAttempt) -> bool:
    if question.answer is None:
        return False
    # A BANNED answer comes back without text (§7): it is ours as far as anyone can tell.
    return not question.answer.text or question.answer.text.strip() == attempt.text.strip()


class AnswerSender:
    def __init__(self, uow: UnitOfWorkFactory, gateway: QuestionGateway, clock: Clock) -> None:
        self._uow = uow
        self._gateway = gateway
        self._clock = clock

    async def send(self, attempt: AnswerAttempt) -> Question:
        """Send a recorded pending attempt and store the outcome. Returns the answered
        question. Raises MercadoLibre's refusal (QuestionNotOpen when it was answered
        meanwhile) or Unavailable when it did not take the answer."""
        try:
            answered = await self._gateway.answer(
                attempt.account_id, attempt.question_id, attempt.text
            )
        except REFUSALS as refusal:
            await self._refused(attempt, refusal)
            raise
        except (ApplicationError, OSError, TimeoutError) as error:
            log.warning(
                "answer %s to question %s: outcome unknown (%s); reading the question back",
                attempt.id,
                attempt.question_id,
                error,
            )
            settled, question = await self.settle(attempt)
            if settled.status is AttemptStatus.SENT and question is not None:
                return question
            raise Unavailable(
                f"MercadoLibre did not confirm the answer to question {attempt.question_id} "
                f"({error}); read back, the question has no answer of ours: nothing was sent "
                "twice, and answering again is safe"
            ) from error
        await self._finish(attempt, answered, AttemptStatus.SENT)
        return answered

    async def settle(self, attempt: AnswerAttempt) -> tuple[AnswerAttempt, Question | None]:
        """Read the question back and settle a pending attempt by what MercadoLibre shows:
        answered with our text -> sent; otherwise failed. Idempotent."""
        try:
            question = await self._gateway.get(attempt.account_id, attempt.question_id)
        except NotFound:
            return await self._finish(
                attempt, None, AttemptStatus.FAILED, "the question is gone"
            ), None
        if question.answer is None:
            error = "MercadoLibre did not take it (read back: no answer)"
            return await self._finish(attempt, question, AttemptStatus.FAILED, error), question
        if _same_answer(question, attempt):
            return await self._finish(attempt, question, AttemptStatus.SENT), question
        error = "the question was answered by someone else"
        return await self._finish(attempt, question, AttemptStatus.FAILED, error), question

    async def _refused(self, attempt: AnswerAttempt, refusal: ApplicationError) -> None:
        question: Question | None = None
        if not isinstance(refusal, RateLimited | Unauthorized | ReauthorizationRequired):
            try:
                question = await self._gateway.get(attempt.account_id, attempt.question_id)
            except ApplicationError:
                question = None
        await self._finish(attempt, question, AttemptStatus.FAILED, f"refused: {refusal}")
        if question is not None and not question.awaits_answer:
            raise QuestionNotOpen(question.id, question.status.value) from refusal

    async def _finish(
        self,
        attempt: AnswerAttempt,
        question: Question | None,
        status: AttemptStatus,
        error: str | None = None,
    ) -> AnswerAttempt:
        assert attempt.id is not None
        now: datetime = self._clock.now()
        async with self._uow() as uow:
            current = await uow.answers.get(attempt.id)
            # A late confirmation (MercadoLibre took it after all) corrects a failure.
            if current.status is AttemptStatus.PENDING or (
                status is AttemptStatus.SENT and current.status is AttemptStatus.FAILED
            ):
                if current.status is AttemptStatus.FAILED:
                    current.status = AttemptStatus.PENDING
                try:
                    current.settle(status, now, error)
                except InvalidValue:
                    current.settle(status, now, None)
                await uow.answers.save(current)
            if question is not None:
                await store_read(uow, question)
            await uow.commit()
        return current
