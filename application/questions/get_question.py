from __future__ import annotations

from application.errors import NotFound
from application.ports.clock import Clock
from application.ports.unit_of_work import UnitOfWorkFactory
from application.questions.views import QuestionDetail


class GetQuestion:
    """One stored question with its listing's title and price (the local copy), how long
    the buyer waited, and every answer sent or meant to be (automatic ones with their
    rule). With `account_id`, another account's question is not found."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, question_id: int, account_id: int | None = None) -> QuestionDetail:
        async with self._uow() as uow:
            question = await uow.questions.find(question_id)
            if question is None or (account_id is not None and question.account_id != account_id):
                raise NotFound("question", question_id)
            listing = await uow.listings.find(question.item_id)
            attempts = tuple(await uow.answers.for_question(question_id))
        if listing is not None and listing.account_id != question.account_id:
            listing = None
        return QuestionDetail(
            question,
            question.waited(self._clock.now()),
            None if listing is None else listing.title,
            None if listing is None else listing.price,
            attempts,
        )
