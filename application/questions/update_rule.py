from __future__ import annotations

from application.ports.unit_of_work import UnitOfWorkFactory
from application.questions.commands import RuleInput
from application.questions.rule_checks import checked_rule
from domain.answer_rules import AnswerRule


class UpdateRule:
    """Replace a rule, checked as when it was created. Raises NotFound."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, rule_id: int, given: RuleInput) -> AnswerRule:
        async with self._uow() as uow:
            current = await uow.answer_rules.get(rule_id)
            rule = await checked_rule(uow, given, id=rule_id, created_at=current.created_at)
            await uow.answer_rules.save(rule)
            await uow.commit()
        return rule
