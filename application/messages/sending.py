"""Sending a post-sale message exactly once (mercadolibre-api.md §8.2), shared by the
message by hand, the automatic messages and the read-back of a send whose outcome is
unknown.

POST /messages/packs/... is not idempotent, so, as for answers (questions/sending.py):
1. the intent (a MessageSend, `pending`) is recorded and committed before the call; the
   database holds at most one pending send per conversation, so of two concurrent sends
   to one conversation one is refused (Conflict) before anything is sent;
2. MercadoLibre's answer is stored with the send `sent`;
3. a refusal (4xx, a 429, the hourly quota used up before sending) means it took
   nothing: the send is `failed` with the reason;
4. anything else (a time-out, a dropped connection, a 5xx, a crash before storing)
   leaves the outcome unknown: the conversation is read back before anything else is
   sent to it, inline when the process is still alive, by SettleMessage (queued by the
   sweep) when it is not. A seller message there with the same text and attachments,
   not already the outcome of another send, is ours.
"""

from __future__ import annotations

import logging

import attrs

from application.errors import (
    ApplicationError,
    Conflict,
    FieldProblem,
    Forbidden,
    NotFound,
    RateLimited,
    ReauthorizationRequired,
    Unauthorized,
    Unavailable,
    ValidationFailed,
    meli_refusal,
)
from application.messages.conversation import store_messages
from application.messages.errors import ConversationClosed
from application.ports.clock import Clock
from application.ports.message_gateway import MessageGateway
from application.ports.unit_of_work import UnitOfWorkFactory
from domain.messages import (
    MAX_ATTACHMENTS,
    SELLER_MAX_LENGTH,
    Message,
    MessageSend,
    SendStatus,
    unsupported_characters,
)

log = logging.getLogger(__name__)

# MercadoLibre refused, or the call never reached it: nothing was taken (§2).
REFUSALS = (
    ValidationFailed,
    Forbidden,
    NotFound,
    Conflict,
    RateLimited,
    Unauthorized,
    ReauthorizationRequired,
)


def check_message_text(
    text: str, attachments: tuple[str, ...] = (), limit: int = SELLER_MAX_LENGTH
) -> str:
    """What MercadoLibre takes from a seller, checked before calling it (§8.2, §8.4): 1
    to 350 characters, no control characters but line breaks and tabs, ISO-8859-1 plus
    emoji, at most 25 attachments. Raises ValidationFailed naming the field."""
    problems = []
    if not text.strip():
        problems.append(FieldProblem("text", "must not be empty"))
    elif len(text) > limit:
        problems.append(
            FieldProblem("text", f"is {len(text)} characters long; the limit is {limit}")
        )
    if any((ord(c) < 32 and c not in "\n\r\t") or ord(c) == 127 for c in text):
        problems.append(FieldProblem("text", "must not contain control characters"))
    unsupported = unsupported_characters(text)
    if unsupported:
        shown = " ".join(f"{c!r} (U+{ord(c):04X})" for c in unsupported[:5])
        problems.append(
            FieldProblem("text", f"has characters MercadoLibre does not take in messages: {shown}")
        )
    if len(attachments) > MAX_ATTACHMENTS:
        problems.append(
            FieldProblem("attachments", f"at most {MAX_ATTACHMENTS} attachments per message")
        )
    if problems:
        raise ValidationFailed(problems, message="the message cannot be sent")
    return text


def _same(message: Message, send: MessageSend) -> bool:
    return message.text.strip() == send.text.strip() and set(message.attachments) >= set(
        send.attachments
    )


class MessageSender:
    def __init__(self, uow: UnitOfWorkFactory, gateway: MessageGateway, clock: Clock) -> None:
        self._uow = uow
        self._gateway = gateway
        self._clock = clock

    async def send(self, send: MessageSend, seller_id: int) -> tuple[MessageSend, Message]:
        """Send a recorded pending send and store the outcome. Returns the settled send
        and the message. Raises ConversationClosed for MercadoLibre's 403 (with its
        message), its other refusals as they are, or Unavailable when it did not take
        the message."""
        try:
            if send.option_id is not None:
                message = await self._gateway.send_option(
                    send.account_id,
                    seller_id,
                    send.pack_id,
                    send.option_id,
                    text=send.text,
                    to_user_id=send.to_user_id,
                )
            else:
                message = await self._gateway.send(
                    send.account_id,
                    seller_id,
                    send.pack_id,
                    send.to_user_id,
                    send.text,
                    send.attachments,
                )
        except REFUSALS as refusal:
            await self._finish(send, SendStatus.FAILED, None, f"refused: {refusal}")
            if isinstance(refusal, Forbidden):
                found = meli_refusal(refusal)
                reason = found.message if found is not None and found.message else str(refusal)
                raise ConversationClosed(send.order_id, "refused", reason) from refusal
            raise
        except (ApplicationError, OSError, TimeoutError) as error:
            log.warning(
                "message send %s to conversation %s: outcome unknown (%s); reading it back",
                send.id,
                send.pack_id,
                error,
            )
            try:
                # Not fail_missing: MercadoLibre may store the message after our call gave
                # up on it; only a read-back once the send is stale (the next send to the
                # conversation, or the sweep) may call it failed.
                settled, found = await self.settle(send, seller_id, fail_missing=False)
            except ApplicationError as unread:
                raise Unavailable(
                    f"MercadoLibre did not confirm the message to order {send.order_id} "
                    f"({error}) and the conversation could not be read back ({unread}): the "
                    "send stays pending and is read back before anything else is sent to "
                    "this conversation; sending the same text again learns its outcome"
                ) from error
            if settled.status is SendStatus.SENT and found is not None:
                return settled, found
            raise Unavailable(
                f"MercadoLibre did not confirm the message to order {send.order_id} "
                f"({error}) and the conversation does not show it yet: the send stays "
                "pending, and is read back again before anything else is sent to this "
                "conversation (failed if MercadoLibre still does not show it then); send "
                "the same text again in a couple of minutes to learn its outcome"
            ) from error
        settled = await self._finish(send, SendStatus.SENT, message)
        return settled, message

    async def settle(
        self, send: MessageSend, seller_id: int, *, fail_missing: bool = True
    ) -> tuple[MessageSend, Message | None]:
        """Read the conversation back and settle a pending send by what MercadoLibre
        shows: found, sent; not found, failed (or, without `fail_missing`, left pending:
        it may still be on its way). Idempotent. Raises the gateway's errors when the
        conversation cannot be read (the send stays pending)."""
        conversation = await self._gateway.conversation(
            send.account_id, seller_id, send.pack_id, buyer_id=send.to_user_id
        )
        async with self._uow() as uow:
            taken = await uow.message_sends.sent_message_ids(send.account_id, send.pack_id)
        for message in conversation.messages:
            if (
                message.from_user_id == seller_id
                and message.id not in taken
                and _same(message, send)
            ):
                return await self._finish(send, SendStatus.SENT, message), message
        if not fail_missing:
            return send, None
        error = "MercadoLibre did not take it (read back: no such message)"
        return await self._finish(send, SendStatus.FAILED, None, error), None

    async def give_up(self, send: MessageSend, reason: str) -> MessageSend:
        """Settle a pending send as failed when its outcome can never be learnt (the
        conversation cannot be read back at all), so it holds the conversation no more."""
        return await self._finish(send, SendStatus.FAILED, None, reason)

    async def _finish(
        self,
        send: MessageSend,
        status: SendStatus,
        message: Message | None,
        error: str | None = None,
    ) -> MessageSend:
        assert send.id is not None
        async with self._uow() as uow:
            current = await uow.message_sends.get(send.id)
            # A late confirmation (MercadoLibre took it after all) corrects a failure.
            if current.status is SendStatus.PENDING or (
                status is SendStatus.SENT and current.status is SendStatus.FAILED
            ):
                current.settle(
                    status,
                    self._clock.now(),
                    None if status is SendStatus.SENT else error,
                    None if message is None else message.id,
                )
                await uow.message_sends.save(current)
            if message is not None:
                message = attrs.evolve(message, order_id=message.order_id or send.order_id)
                await store_messages(uow, [message])
            await uow.commit()
        return current
