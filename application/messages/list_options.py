from __future__ import annotations

from application.messages.conversation import conversation_id, order_and_account
from application.ports.message_gateway import MessageGateway, MessageOption
from application.ports.unit_of_work import UnitOfWorkFactory


class ListMessageOptions:
    """The reasons MercadoLibre lets the seller write first for an order (§8.3 action
    guide), each usable `cap_available` more times; send through one with
    SendMessageCommand.option_id. Raises NotFound for an unknown order."""

    def __init__(self, uow: UnitOfWorkFactory, gateway: MessageGateway) -> None:
        self._uow = uow
        self._gateway = gateway

    async def __call__(
        self, order_id: int, account_id: int | None = None
    ) -> tuple[MessageOption, ...]:
        async with self._uow() as uow:
            order, account = await order_and_account(uow, order_id, account_id)
        assert account.id is not None
        return await self._gateway.options(account.id, conversation_id(order))
