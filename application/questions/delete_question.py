from __future__ import annotations

import attrs

from application.accounts.usable import require_usable
from application.errors import NotFound
from application.ports.clock import Clock
from application.ports.question_gateway import QuestionGateway
from application.ports.unit_of_work import UnitOfWorkFactory
from application.questions.sending import store_read
from domain.questions import Question, QuestionStatus


class DeleteQuestion:
    """Delete a question from the seller's listing (§7 DELETE /questions/{id}), then store
    it as MercadoLibre shows it (DELETED). With `account_id`, another account's question
    is not found. Raises MercadoLibre's refusals."""

    def __init__(self, uow: UnitOfWorkFactory, gateway: QuestionGateway, clock: Clock) -> None:
        self._uow = uow
        self._gateway = gateway
        self._clock = clock

    async def __call__(self, question_id: int, account_id: int | None = None) -> Question:
        async with self._uow() as uow:
            question = await uow.questions.find(question_id)
            if question is None or (account_id is not None and question.account_id != account_id):
                raise NotFound("question", question_id)
            require_usable(await uow.accounts.get(question.account_id))
        await self._gateway.delete(question.account_id, question_id)
        try:
            current = await self._gateway.get(question.account_id, question_id)
        except NotFound:
            current = attrs.evolve(
                question,
                status=QuestionStatus.DELETED,
                deleted_from_listing=True,
                last_updated=self._clock.now(),
            )
        async with self._uow() as uow:
            stored = await store_read(uow, current)
            await uow.questions.unmark_for_rules(question_id)
            await uow.commit()
        return stored
