from __future__ import annotations

from application.messages.rule_checks import checked_rule
from application.messages.rule_commands import MessageRuleInput
from application.ports.clock import Clock
from application.ports.unit_of_work import UnitOfWorkFactory
from domain.message_rules import MessageRule


class CreateMessageRule:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, given: MessageRuleInput) -> MessageRule:
        async with self._uow() as uow:
            rule = await uow.message_rules.add(await checked_rule(uow, given, self._clock.now()))
            await uow.commit()
        return rule
