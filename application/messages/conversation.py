"""What every message use case shares: the order's conversation (its pack, or the order
when it has no pack, §8.1), whom the seller writes to, and storing what a read showed."""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from application.accounts.usable import require_usable
from application.errors import NotFound
from application.messages.views import ConversationView
from application.orders.scope import visible_order
from application.ports.message_gateway import Conversation
from application.ports.unit_of_work import UnitOfWork
from domain.accounts import Account
from domain.messages import ConversationStatus, Message, agent_id
from domain.orders import Order


def conversation_id(order: Order) -> int:
    """§8.1: the pack id, or the order id when the order has no pack."""
    return order.pack_id if order.pack_id is not None else order.id


async def order_and_account(
    uow: UnitOfWork, order_id: int, account_id: int | None
) -> tuple[Order, Account]:
    """The stored order of a connected account (of `account_id` when given) and its
    usable account. Raises NotFound (another account's order included) or
    ReauthorizationRequired."""
    order = await visible_order(uow, order_id)
    if account_id is not None and order.account_id != account_id:
        raise NotFound("order", order_id)
    return order, require_usable(await uow.accounts.get(order.account_id))


def recipient(order: Order, account: Account, status: ConversationStatus | None) -> tuple[int, str]:
    """Whom the seller writes to: the country agent in a conversation MercadoLibre routes
    to it (§8.2), else the buyer."""
    if status is not None and status.with_agent:
        return agent_id(account.site_id), "agent"
    return order.buyer.id, "buyer"


async def store_messages(
    uow: UnitOfWork, messages: Iterable[Message], order: Order | None = None
) -> None:
    """Store reads of messages, naming the order when the conversation is an order's
    own; a message whose stored copy names an order keeps it."""
    fresh = []
    for message in messages:
        if message.order_id is None:
            stored = await uow.messages.find(message.id)
            if stored is not None and stored.order_id is not None:
                message = attrs.evolve(message, order_id=stored.order_id)
            elif order is not None:
                message = attrs.evolve(message, order_id=order.id)
        fresh.append(message)
    await uow.messages.upsert(fresh)


async def store_conversation(uow: UnitOfWork, order: Order, conversation: Conversation) -> None:
    await store_messages(uow, conversation.messages, order)
    await uow.conversations.upsert(conversation.status)


def view_of(
    order: Order,
    account: Account,
    status: ConversationStatus,
    messages: tuple[Message, ...],
) -> ConversationView:
    assert account.id is not None
    write_to, writer = recipient(order, account, status)
    return ConversationView(
        order_id=order.id,
        account_id=account.id,
        seller_id=account.seller_id,
        pack_id=conversation_id(order),
        status=status,
        messages=messages,
        write_to=None if status.blocked else write_to,
        writer=None if status.blocked else writer,
        char_limit=status.seller_max_length,
    )
