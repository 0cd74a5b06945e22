from __future__ import annotations

from application.ports.unit_of_work import UnitOfWorkFactory


class DeleteRule:
    """Remove a rule; its log stays (the answers it sent were sent). Raises NotFound."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, rule_id: int) -> None:
        async with self._uow() as uow:
            await uow.answer_rules.delete(rule_id)
            await uow.commit()
