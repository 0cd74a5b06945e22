"""What the message use cases answer."""

from __future__ import annotations

import attrs

from domain.messages import ConversationStatus, Message, MessageSend


@attrs.define(frozen=True)
class ConversationView:
    """An order's conversation: its pack (or the order), its status, who the seller writes
    to (the buyer, or MercadoLibre's agent, §8.2; None while blocked), the character
    limit, and the messages oldest first."""

    order_id: int
    account_id: int
    seller_id: int
    pack_id: int
    status: ConversationStatus
    messages: tuple[Message, ...]
    write_to: int | None
    writer: str | None  # "buyer" | "agent" | None
    char_limit: int


@attrs.define(frozen=True)
class SentMessage:
    """The outcome of sending: the send as recorded and the message MercadoLibre holds."""

    send: MessageSend
    message: Message | None


@attrs.define(frozen=True)
class UnreadView:
    pack_id: int
    order_id: int | None
    unread: int
    oldest: Message
