from __future__ import annotations

from application.ports.unit_of_work import UnitOfWorkFactory
from application.queries import DeadLetterQuery, Page
from domain.dead_letters import DeadLetter


class ListDeadLetters:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, query: DeadLetterQuery) -> Page[DeadLetter]:
        async with self._uow() as uow:
            return await uow.dead_letters.search(query)
