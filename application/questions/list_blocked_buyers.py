from __future__ import annotations

from application.accounts.usable import usable_account
from application.ports.question_gateway import BlockedBuyer, QuestionGateway
from application.ports.unit_of_work import UnitOfWorkFactory


class ListBlockedBuyers:
    """The buyers who may not ask the seller (§7 GET /users/{seller}/questions_blacklist)."""

    def __init__(self, uow: UnitOfWorkFactory, gateway: QuestionGateway) -> None:
        self._uow = uow
        self._gateway = gateway

    async def __call__(self, account_id: int) -> tuple[BlockedBuyer, ...]:
        async with self._uow() as uow:
            account = await usable_account(uow, account_id)
        return await self._gateway.blocked_buyers(account_id, account.seller_id)
