from __future__ import annotations

from application.ports.clock import Clock
from application.ports.unit_of_work import UnitOfWorkFactory
from application.queries import Page, Paging, QuestionQuery
from application.questions.commands import QuestionFilter
from application.questions.views import QuestionSummary


class ListQuestions:
    """The stored questions: UNANSWERED first, oldest first (the inbox), then the others
    newest first; each with how long the buyer waited (or has waited so far)."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, given: QuestionFilter, paging: Paging) -> Page[QuestionSummary]:
        query = QuestionQuery(
            account_id=given.account_id,
            status=given.status,
            item_id=given.item_id,
            created_from=given.created_from,
            created_to=given.created_to,
            text=given.text,
            paging=paging,
        )
        async with self._uow() as uow:
            if given.account_id is not None:
                await uow.accounts.get(given.account_id)
            page = await uow.questions.search(query)
        now = self._clock.now()
        return Page(
            [QuestionSummary(q, q.waited(now)) for q in page.items],
            page.total,
            page.offset,
            page.limit,
        )
