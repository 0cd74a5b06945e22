from __future__ import annotations

from application.errors import Unavailable
from application.messages.conversation import (
    conversation_id,
    order_and_account,
    store_conversation,
    view_of,
)
from application.messages.views import ConversationView
from application.ports.message_gateway import MessageGateway
from application.ports.unit_of_work import UnitOfWorkFactory
from domain.messages import ConversationStatus


class GetConversation:
    """An order's conversation as MercadoLibre has it now (§8.1), stored on the way
    (messages and status); reading does not mark the buyer's messages read unless
    `mark_as_read`. When MercadoLibre does not answer and `stored_if_unavailable`, the
    stored copy is served instead. Raises NotFound for an order of no connected account
    (or of another account than `account_id`)."""

    def __init__(self, uow: UnitOfWorkFactory, gateway: MessageGateway) -> None:
        self._uow = uow
        self._gateway = gateway

    async def __call__(
        self,
        order_id: int,
        account_id: int | None = None,
        *,
        mark_as_read: bool = False,
        stored_if_unavailable: bool = True,
    ) -> ConversationView:
        async with self._uow() as uow:
            order, account = await order_and_account(uow, order_id, account_id)
        assert account.id is not None
        pack_id = conversation_id(order)
        try:
            conversation = await self._gateway.conversation(
                account.id,
                account.seller_id,
                pack_id,
                mark_as_read=mark_as_read,
                buyer_id=order.buyer.id,
            )
        except Unavailable:
            if not stored_if_unavailable:
                raise
            async with self._uow() as uow:
                status = await uow.conversations.find(account.id, pack_id)
                messages = tuple(await uow.messages.conversation(account.id, pack_id))
            return view_of(
                order, account, status or ConversationStatus(account.id, pack_id), messages
            )
        async with self._uow() as uow:
            await store_conversation(uow, order, conversation)
            await uow.commit()
        return view_of(order, account, conversation.status, conversation.messages)
