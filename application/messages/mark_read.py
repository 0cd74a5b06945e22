from __future__ import annotations

from application.messages.conversation import (
    conversation_id,
    order_and_account,
    store_conversation,
    view_of,
)
from application.messages.views import ConversationView
from application.ports.message_gateway import MessageGateway
from application.ports.unit_of_work import UnitOfWorkFactory


class MarkConversationRead:
    """Mark the buyer's messages of an order's conversation read: MercadoLibre marks them
    when the conversation is read without `mark_as_read=false` (§8.1); the read is
    stored. Raises NotFound for an unknown order."""

    def __init__(self, uow: UnitOfWorkFactory, gateway: MessageGateway) -> None:
        self._uow = uow
        self._gateway = gateway

    async def __call__(self, order_id: int, account_id: int | None = None) -> ConversationView:
        async with self._uow() as uow:
            order, account = await order_and_account(uow, order_id, account_id)
        assert account.id is not None
        conversation = await self._gateway.conversation(
            account.id,
            account.seller_id,
            conversation_id(order),
            mark_as_read=True,
            buyer_id=order.buyer.id,
        )
        async with self._uow() as uow:
            await store_conversation(uow, order, conversation)
            await uow.commit()
        return view_of(order, account, conversation.status, conversation.messages)
