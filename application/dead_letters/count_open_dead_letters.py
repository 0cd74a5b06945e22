from __future__ import annotations

from application.ports.unit_of_work import UnitOfWorkFactory


class CountOpenDeadLetters:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self) -> int:
        async with self._uow() as uow:
            return await uow.dead_letters.count_open()
