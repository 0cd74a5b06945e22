from __future__ import annotations

from application.ports.unit_of_work import UnitOfWorkFactory
from application.queries import Page, Paging
from domain.questions import AnswerAttempt


class GetRuleLog:
    """What a rule answered, would have answered (dry run) or could not, newest first.
    Raises NotFound for an unknown rule (the log of a deleted one stays in the answers of
    each question)."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, rule_id: int, paging: Paging) -> Page[AnswerAttempt]:
        async with self._uow() as uow:
            await uow.answer_rules.get(rule_id)
            return await uow.answers.for_rule(rule_id, paging)
