from __future__ import annotations

from collections.abc import Sequence

from application.ports.unit_of_work import UnitOfWorkFactory
from domain.answer_rules import AnswerRule, by_priority


class ListRules:
    """The rules in the order they are tried (priority, highest first), or those that
    apply to one account."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, account_id: int | None = None) -> Sequence[AnswerRule]:
        async with self._uow() as uow:
            rules = await uow.answer_rules.list()
        if account_id is not None:
            rules = [r for r in rules if not r.account_ids or account_id in r.account_ids]
        return by_priority(rules)
