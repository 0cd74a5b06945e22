from __future__ import annotations

from application.errors import Forbidden, NotFound
from application.messages.sending import MessageSender
from application.ports.clock import Clock
from application.ports.message_gateway import MessageGateway
from application.ports.unit_of_work import UnitOfWorkFactory
from domain.messages import MessageSend, SendStatus


class SettleMessage:
    """Learn what became of a message whose sending was cut short (a crash or a time-out
    between MercadoLibre taking it and us storing it): read the conversation back (§8.1)
    and settle the send by it. Idempotent. A conversation MercadoLibre no longer shows us
    (404, 403: the order gone, access withdrawn) can never tell: the send is failed with
    the reason, so it is not read back again every sweep nor holds the conversation.
    Raises the gateway's other errors (the send stays pending, for the next sweep)."""

    def __init__(self, uow: UnitOfWorkFactory, gateway: MessageGateway, clock: Clock) -> None:
        self._uow = uow
        self._sender = MessageSender(uow, gateway, clock)

    async def __call__(self, send_id: int) -> MessageSend:
        async with self._uow() as uow:
            send = await uow.message_sends.get(send_id)
            account = await uow.accounts.get(send.account_id)
        if send.status is not SendStatus.PENDING:
            return send
        try:
            settled, _ = await self._sender.settle(send, account.seller_id)
        except (NotFound, Forbidden) as unreadable:
            return await self._sender.give_up(
                send, f"its outcome cannot be learnt: the conversation is unreadable ({unreadable})"
            )
        return settled
