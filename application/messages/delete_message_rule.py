from __future__ import annotations

from application.ports.unit_of_work import UnitOfWorkFactory


class DeleteMessageRule:
    """Remove a rule; its log stays, and its runs still due end failed when their time
    comes."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, rule_id: int) -> None:
        async with self._uow() as uow:
            await uow.message_rules.delete(rule_id)
            await uow.commit()
