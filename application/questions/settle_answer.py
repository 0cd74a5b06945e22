from __future__ import annotations

from application.ports.clock import Clock
from application.ports.question_gateway import QuestionGateway
from application.ports.unit_of_work import UnitOfWorkFactory
from application.questions.sending import AnswerSender
from domain.questions import AnswerAttempt, AttemptStatus


class SettleAnswer:
    """Learn what became of an answer whose sending was cut short (a crash or a time-out
    between MercadoLibre taking it and us storing it): read the question back (§7) and
    settle the attempt by it, storing the question. Queued by the sweep for attempts
    pending too long (the `settle_answer` job). Idempotent."""

    def __init__(self, uow: UnitOfWorkFactory, gateway: QuestionGateway, clock: Clock) -> None:
        self._uow = uow
        self._sender = AnswerSender(uow, gateway, clock)

    async def __call__(self, attempt_id: int) -> AnswerAttempt:
        async with self._uow() as uow:
            attempt = await uow.answers.get(attempt_id)
        if attempt.status is not AttemptStatus.PENDING:
            return attempt
        settled, _ = await self._sender.settle(attempt)
        return settled
