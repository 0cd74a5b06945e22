from __future__ import annotations

from application.errors import FieldProblem, ValidationFailed
from application.ports.clock import Clock
from application.ports.unit_of_work import UnitOfWorkFactory
from application.questions.rule_choice import choose
from application.questions.views import RuleVerdict


class TryRules:
    """Which rule would answer a question saying `text` on the account's listing (or any
    listing), now, and the text it would send: nothing is sent or recorded."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, account_id: int, text: str, item_id: str | None = None) -> RuleVerdict:
        if not text.strip():
            raise ValidationFailed([FieldProblem("text", "must not be empty")])
        async with self._uow() as uow:
            account = await uow.accounts.get(account_id)
            choice = await choose(
                uow, account, item_id or "", text, self._clock.now(), buyer_nickname="COMPRADOR"
            )
        if choice is None:
            return RuleVerdict(None, None, None)
        return RuleVerdict(choice.rule.id, choice.rule.name, choice.text, choice.missing)
