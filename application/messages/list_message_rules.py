from __future__ import annotations

from collections.abc import Sequence

from application.ports.unit_of_work import UnitOfWorkFactory
from domain.message_rules import MessageRule


class ListMessageRules:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self) -> Sequence[MessageRule]:
        async with self._uow() as uow:
            return await uow.message_rules.list()
