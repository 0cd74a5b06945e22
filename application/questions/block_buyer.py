from __future__ import annotations

from application.accounts.usable import usable_account
from application.ports.question_gateway import QuestionGateway
from application.ports.unit_of_work import UnitOfWorkFactory


class BlockBuyer:
    """Stop a buyer from asking the seller questions (§7 POST
    /users/{seller}/questions_blacklist). Idempotent."""

    def __init__(self, uow: UnitOfWorkFactory, gateway: QuestionGateway) -> None:
        self._uow = uow
        self._gateway = gateway

    async def __call__(self, account_id: int, buyer_id: int) -> None:
        async with self._uow() as uow:
            account = await usable_account(uow, account_id)
        await self._gateway.block_buyer(account_id, account.seller_id, buyer_id)
