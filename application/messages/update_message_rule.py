from __future__ import annotations

from application.messages.rule_checks import checked_rule
from application.messages.rule_commands import MessageRuleInput
from application.ports.unit_of_work import UnitOfWorkFactory
from domain.message_rules import MessageRule


class UpdateMessageRule:
    """Replace a rule; the orders it already met are not met again."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, rule_id: int, given: MessageRuleInput) -> MessageRule:
        async with self._uow() as uow:
            stored = await uow.message_rules.get(rule_id)
            rule = await checked_rule(uow, given, stored.created_at)
            rule.id = rule_id
            await uow.message_rules.save(rule)
            await uow.commit()
        return rule
