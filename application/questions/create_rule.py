from __future__ import annotations

from application.ports.clock import Clock
from application.ports.unit_of_work import UnitOfWorkFactory
from application.questions.commands import RuleInput
from application.questions.rule_checks import checked_rule
from domain.answer_rules import AnswerRule


class CreateRule:
    """Store a new auto-answer rule, refused (422 naming the field) when its pattern is
    not a valid or a safe regular expression, its template unknown or not an answer one,
    or a variable of its template unknown."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, given: RuleInput) -> AnswerRule:
        async with self._uow() as uow:
            rule = await checked_rule(uow, given, created_at=self._clock.now())
            stored = await uow.answer_rules.add(rule)
            await uow.commit()
        return stored
