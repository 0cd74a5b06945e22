from __future__ import annotations

from application.ports.unit_of_work import UnitOfWorkFactory
from application.queries import Page, Paging
from domain.message_rules import MessageRuleRun


class GetMessageRuleLog:
    """What a rule sent, would have sent (dry run), is waiting to send or could not, newest
    first. Raises NotFound for an unknown rule."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, rule_id: int, paging: Paging) -> Page[MessageRuleRun]:
        async with self._uow() as uow:
            await uow.message_rules.get(rule_id)
            return await uow.message_rule_runs.for_rule(rule_id, paging)
