"""The JSON shapes of conversations, messages and message sends."""

from __future__ import annotations

from datetime import datetime

import attrs

from application.messages.views import ConversationView, SentMessage, UnreadView
from application.ports.message_gateway import MessageOption
from domain.messages import ConversationStatus, Message, MessageSend


@attrs.define(frozen=True)
class MessageView:
    id: str
    pack_id: int
    order_id: int | None
    from_user_id: int
    to_user_id: int
    text: str
    status: str
    moderation_status: str | None
    moderation_reason: str | None
    attachments: list[str]
    date_created: datetime
    date_available: datetime | None
    date_read: datetime | None
    sent_by_seller: bool


@attrs.define(frozen=True)
class ConversationStatusView:
    """§8.1: active or blocked, and why (`substatus`); `with_agent` when MercadoLibre
    routes the conversation to its agent (§8.2)."""

    status: str
    substatus: str | None
    status_date: datetime | None
    claim_id: int | None
    shipping_id: int | None
    with_agent: bool


@attrs.define(frozen=True)
class ConversationJson:
    order_id: int
    account_id: int
    pack_id: int
    status: ConversationStatusView
    write_to: int | None
    writer: str | None
    char_limit: int
    messages: list[MessageView]


@attrs.define(frozen=True)
class SendView:
    id: int
    status: str
    order_id: int
    pack_id: int
    to_user_id: int
    text: str
    attachments: list[str]
    template_id: int | None
    option_id: str | None
    rule_id: int | None
    requested_at: datetime
    finished_at: datetime | None
    message_id: str | None
    error: str | None


@attrs.define(frozen=True)
class SentJson:
    send: SendView
    message: MessageView | None


@attrs.define(frozen=True)
class UnreadJson:
    pack_id: int
    order_id: int | None
    unread: int
    oldest: MessageView


@attrs.define(frozen=True)
class UnreadList:
    conversations: list[UnreadJson]


@attrs.define(frozen=True)
class MessageOptionView:
    id: str
    description: str | None
    enabled: bool
    type: str | None
    templates: list[str]
    char_limit: int | None
    cap_available: int | None


@attrs.define(frozen=True)
class MessageOptionList:
    options: list[MessageOptionView]


@attrs.define(frozen=True)
class AttachmentView:
    id: str
    filename: str
    size: int


def message_view(message: Message, seller_id: int | None = None) -> MessageView:
    return MessageView(
        id=message.id,
        pack_id=message.pack_id,
        order_id=message.order_id,
        from_user_id=message.from_user_id,
        to_user_id=message.to_user_id,
        text=message.text,
        status=message.status,
        moderation_status=message.moderation_status,
        moderation_reason=message.moderation_reason,
        attachments=list(message.attachments),
        date_created=message.date_created,
        date_available=message.date_available,
        date_read=message.date_read,
        sent_by_seller=seller_id is not None and message.from_user_id == seller_id,
    )


def status_view(status: ConversationStatus) -> ConversationStatusView:
    return ConversationStatusView(
        status.status,
        status.substatus,
        status.status_date,
        status.claim_id,
        status.shipping_id,
        status.with_agent,
    )


def conversation_json(view: ConversationView) -> ConversationJson:
    return ConversationJson(
        order_id=view.order_id,
        account_id=view.account_id,
        pack_id=view.pack_id,
        status=status_view(view.status),
        write_to=view.write_to,
        writer=view.writer,
        char_limit=view.char_limit,
        messages=[message_view(m, view.seller_id) for m in view.messages],
    )


def send_view(send: MessageSend) -> SendView:
    assert send.id is not None
    return SendView(
        id=send.id,
        status=send.status.value,
        order_id=send.order_id,
        pack_id=send.pack_id,
        to_user_id=send.to_user_id,
        text=send.text,
        attachments=list(send.attachments),
        template_id=send.template_id,
        option_id=send.option_id,
        rule_id=send.rule_id,
        requested_at=send.requested_at,
        finished_at=send.finished_at,
        message_id=send.message_id,
        error=send.error,
    )


def sent_json(sent: SentMessage) -> SentJson:
    seller = None if sent.message is None else sent.message.from_user_id
    return SentJson(
        send_view(sent.send), None if sent.message is None else message_view(sent.message, seller)
    )


def unread_json(found: list[UnreadView]) -> UnreadList:
    return UnreadList(
        [UnreadJson(u.pack_id, u.order_id, u.unread, message_view(u.oldest)) for u in found]
    )


def option_list(options: tuple[MessageOption, ...]) -> MessageOptionList:
    return MessageOptionList(
        [
            MessageOptionView(
                o.id,
                o.description,
                o.enabled,
                o.type,
                list(o.templates),
                o.char_limit,
                o.cap_available,
            )
            for o in options
        ]
    )
