from __future__ import annotations

from datetime import timedelta

from application.errors import Conflict, FieldProblem, ValidationFailed
from application.messages.commands import SendMessageCommand
from application.messages.conversation import (
    conversation_id,
    order_and_account,
    recipient,
    store_conversation,
)
from application.messages.errors import ConversationClosed
from application.messages.sending import MessageSender, check_message_text
from application.messages.views import SentMessage
from application.ports.clock import Clock
from application.ports.message_gateway import Conversation, MessageGateway
from application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from application.templates.preview_template import missing_as_problems
from application.templates.values import order_values
from domain.accounts import Account
from domain.messages import MessageSend, SendStatus
from domain.orders import Order, OrderStatus
from domain.templates import MissingVariables, TemplateKind

# A pending send older than this is no longer being sent by anyone: its outcome is
# learnt by reading the conversation back before anything else is sent to it.
STALE_PENDING = timedelta(minutes=2)


class SendMessage:
    """Send a message to an order's buyer, exactly once (§8.2; see sending.py).

    Checked first, changing nothing: the order exists and is a connected account's (of
    `account_id` when given; NotFound otherwise), the text (given, or a message template
    rendered strictly for the order) fits MercadoLibre's rules (ValidationFailed naming
    the field), and the conversation as MercadoLibre shows it now (read, not marked
    read, and stored) takes a message: not blocked, not a cancelled order's without an
    earlier conversation, no other message on its way (ConversationClosed: 409 naming
    the rule). The message goes to the buyer, or to MercadoLibre's agent where it routes
    the conversation to it (§8.2); to the conversation of the pack, or of the order when
    it has no pack (§8.1). Then the intent is recorded, MercadoLibre called once, and its
    answer stored; its 403 reasons come back as ConversationClosed with its message."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        gateway: MessageGateway,
        clock: Clock,
        stale_after: timedelta = STALE_PENDING,
    ) -> None:
        self._uow = uow
        self._gateway = gateway
        self._clock = clock
        self._sender = MessageSender(uow, gateway, clock)
        self._stale_after = stale_after

    async def __call__(self, command: SendMessageCommand) -> SentMessage:
        if (command.text is None) == (command.template_id is None):
            raise ValidationFailed(
                [FieldProblem("text", "give a text or a template_id, not both nor neither")]
            )
        async with self._uow() as uow:
            order, account = await order_and_account(uow, command.order_id, command.account_id)
            text = command.text
            if command.template_id is not None:
                text = await self._render(uow, command, account, order)
        assert text is not None and account.id is not None
        earlier = await self._settle_pending(account, order, text)
        if earlier is not None:
            return earlier
        conversation = await self._gateway.conversation(
            account.id, account.seller_id, conversation_id(order), buyer_id=order.buyer.id
        )
        async with self._uow() as uow:
            await store_conversation(uow, order, conversation)
            await uow.commit()
        to_user_id = self._check_open(order, account, conversation, command)
        check_message_text(text, command.attachments, conversation.status.seller_max_length)
        send = await self._record(command, order, account, to_user_id, text)
        settled, message = await self._sender.send(send, account.seller_id)
        return SentMessage(settled, message)

    async def _render(
        self, uow: UnitOfWork, command: SendMessageCommand, account: Account, order: Order
    ) -> str:
        assert command.template_id is not None
        template = await uow.templates.get(command.template_id)
        if template.kind is not TemplateKind.MESSAGE or template.account_id not in (
            None,
            account.id,
        ):
            raise ValidationFailed(
                [FieldProblem("template_id", "is not a message template of this account")]
            )
        values = await order_values(uow, account, order)
        values.update(command.variables)
        try:
            return template.render(values)
        except MissingVariables as error:
            raise missing_as_problems(error) from None

    def _check_open(
        self,
        order: Order,
        account: Account,
        conversation: Conversation,
        command: SendMessageCommand,
    ) -> int:
        status = conversation.status
        if status.blocked:
            reason = status.substatus or "blocked"
            raise ConversationClosed(order.id, "blocked", f"the conversation is {reason}")
        if order.status is OrderStatus.CANCELLED and not conversation.messages:
            raise ConversationClosed(
                order.id,
                "cancelled_order",
                "the order is cancelled and had no conversation before (§8.2)",
            )
        if command.option_id is not None and status.with_agent:
            raise ValidationFailed(
                [FieldProblem("option_id", "the conversation is with MercadoLibre's agent")]
            )
        return recipient(order, account, status)[0]

    async def _settle_pending(
        self, account: Account, order: Order, text: str
    ) -> SentMessage | None:
        """A send of the conversation whose outcome is unknown is read back first. When
        MercadoLibre holds it and it said the same text, this request is its retry: its
        outcome is the answer, and nothing is sent again. Not found yet: a send younger
        than `stale_after` may still be on its way (ConversationClosed, being_sent); an
        older one failed."""
        assert account.id is not None
        async with self._uow() as uow:
            pending = await uow.message_sends.pending_of(account.id, conversation_id(order))
        if pending is None:
            return None
        settled, message = await self._sender.settle(
            pending,
            account.seller_id,
            fail_missing=self._clock.now() - pending.requested_at >= self._stale_after,
        )
        if settled.status is SendStatus.SENT and settled.text.strip() == text.strip():
            return SentMessage(settled, message)
        if settled.status is SendStatus.PENDING:
            raise ConversationClosed(
                order.id,
                "being_sent",
                f"a message is being sent since {pending.requested_at.isoformat()}",
            )
        return None

    async def _record(
        self,
        command: SendMessageCommand,
        order: Order,
        account: Account,
        to_user_id: int,
        text: str,
    ) -> MessageSend:
        assert account.id is not None
        async with self._uow() as uow:
            try:
                send = await uow.message_sends.add(
                    MessageSend(
                        account_id=account.id,
                        pack_id=conversation_id(order),
                        order_id=order.id,
                        to_user_id=to_user_id,
                        text=text,
                        requested_at=self._clock.now(),
                        attachments=command.attachments,
                        template_id=command.template_id,
                        option_id=command.option_id,
                        rule_id=command.rule_id,
                    )
                )
                await uow.commit()
            except Conflict as conflict:
                raise ConversationClosed(order.id, "being_sent", str(conflict)) from conflict
        return send
