"""§8: post-sale conversations of a pack (or of an order without one), their messages,
read marks and unread counts, and the attachments sent with them; new and read messages
notified under topic messages."""

from __future__ import annotations

import random
import uuid
from collections.abc import Mapping
from typing import Any

from sandbox.errors import api_error, bad_request, not_found
from sandbox.market.context import MarketContext
from sandbox.market.records import MarketRecords
from sandbox.messaging import (
    ATTACHMENT_MAX_BYTES,
    ATTACHMENT_MAX_FILENAME,
    ATTACHMENT_TTL,
    ATTACHMENT_TYPES,
    SELLER_MAX_LENGTH,
    Attachment,
    Conversation,
    Message,
    Outgoing,
    agent_id,
    attachment_not_found,
    attachment_type,
    blocked_conversation,
    moderation_of,
    supported,
)
from sandbox.orders import MARKETPLACE_APP_ID
from sandbox.users import User

MESSAGES_ES = (
    "Hola, ¿cuándo despachan mi compra?",
    "¿Me pueden enviar la factura?",
    "Gracias, ya recibí el producto.",
    "¿Puedo cambiar el talle?",
    "El paquete todavía no llegó, ¿me ayudan?",
)
MESSAGES_PT = (
    "Olá, quando enviam minha compra?",
    "Podem me mandar a nota fiscal?",
    "Obrigado, já recebi o produto.",
    "O pacote ainda não chegou, podem ajudar?",
)


# §8.3: the reasons to write first: (type, description, the template's text).
ACTION_OPTIONS: dict[str, tuple[str, str, str]] = {
    "REQUEST_VARIANTS": ("template", "Ask which variant", "¿Qué variante preferís?"),
    "REQUEST_BILLING_INFO": (
        "template",
        "Ask for billing data",
        "Este es un template para solicitar datos de facturación: ",
    ),
    "SEND_INVOICE_LINK": ("free_text", "Send the invoice link", ""),
    "DELIVERY_PROMISE": ("free_text", "Agree a delivery time", ""),
    "OTHER": ("free_text", "Other reasons", ""),
}


class Messaging:
    def __init__(self, context: MarketContext, records: MarketRecords) -> None:
        self.context = context
        self.records = records

    def conversation(self, key: str) -> Conversation:
        """The conversation of a pack, or of an order without a pack (§8.1) [INF: an
        order that has a pack leads to its pack's conversation]; 404 otherwise."""
        ctx = self.context
        pack = ctx.orders.pack(key)
        if pack is not None:
            orders = ctx.orders.orders_of(pack)
            conversation_key = pack.id
        else:
            order = ctx.orders.get(key)
            if order is None:
                raise not_found(f"Pack or order {key} not found")
            if order.pack_id is not None:
                pack = ctx.orders.packs[order.pack_id]
                orders = ctx.orders.orders_of(pack)
                conversation_key = pack.id
            else:
                orders = [order]
                conversation_key = order.id
        conversation = ctx.conversations.get(conversation_key)
        if conversation is None:
            first = orders[0]
            conversation = Conversation(
                key=conversation_key,
                seller_id=first.seller_id,
                buyer_id=first.buyer_id,
                site_id=first.site_id,
                order_ids=[o.id for o in orders],
                shipment_id=first.shipment_id,
                created=first.date_created,
            )
            ctx.conversations[conversation_key] = conversation
        self._refresh_block(conversation)
        return conversation

    def _refresh_block(self, conversation: Conversation) -> None:
        """§8.2: a mediation blocks the conversation; so does a cancelled order, unless
        the conversation existed before [INF: the substatus names]."""
        ctx = self.context
        orders = [ctx.orders.orders[o] for o in conversation.order_ids]
        claims = [c for o in orders for c in o.mediations if ctx.claims[c].status == "opened"]
        reason = None
        if conversation.held:
            reason = conversation.held
        elif claims:
            reason = "blocked_by_mediation"
            conversation.claim_id = claims[-1]
        elif all(o.status == "cancelled" for o in orders) and not conversation.messages:
            reason = "blocked_by_cancelled_order"
        if reason != conversation.blocked:
            conversation.blocked = reason
            conversation.status_date = ctx.clock.now()

    def send(self, conversation: Conversation, outgoing: Outgoing, client_id: int | str) -> Message:
        """§8.2 POST as the seller: blocked conversations refuse with the documented 403,
        attachments must be the sender's own uploads (422 otherwise)."""
        ctx = self.context
        self._refresh_block(conversation)
        if conversation.blocked:
            raise blocked_conversation()
        if not conversation.messages and not ctx.config.seller_may_start_conversation:
            # §8.3: the 2026 page says only the buyer opens a conversation [INF: body].
            raise blocked_conversation("blocked_by_conversation_started_by_seller")
        orders = [ctx.orders.orders[o] for o in conversation.order_ids]
        shipment = ctx.shipments.get(orders[0].shipment_id) if orders[0].shipment_id else None
        if (
            shipment is not None
            and shipment.logistic_type == "fulfillment"
            and shipment.status != "delivered"
            and not conversation.messages
        ):
            raise api_error(
                403,
                "forbidden",
                "The order is Mercado Envíos Full and has not been yet delivered",
            )
        self._check_receiver(conversation, outgoing.to_id)
        attachments = [self.owned_attachment(a, outgoing.from_id) for a in outgoing.attachment_ids]
        return self._seller_message(
            conversation, outgoing.to_id, outgoing.text, client_id, attachments
        )

    def _check_receiver(self, conversation: Conversation, to_id: int) -> None:
        """§8.2's agent architecture: a conversation routed to the agent takes messages
        to the agent only, one at a time (the agent answers before the next) [INF: the
        error texts]; any other takes messages to the buyer."""
        agent = agent_id(conversation.site_id)
        if (to_id == agent) != (conversation.agent_type is not None):
            raise api_error(
                403, "forbidden", f"Receiver does not belong to order {conversation.key}"
            )
        if conversation.agent_type is not None:
            last = conversation.messages[-1] if conversation.messages else None
            if last is not None and last.to_id == agent:
                raise api_error(
                    403,
                    "forbidden",
                    "Only one message at a time can be sent to the agent; wait for its answer",
                )

    def _seller_message(
        self,
        conversation: Conversation,
        to_id: int,
        text: str,
        client_id: int | str,
        attachments: list[Attachment] = (),  # type: ignore[assignment]
    ) -> Message:
        """A seller's message as moderation leaves it (§8.1: a rejected one is stored,
        visible to the seller, `moderated`, and never reaches the buyer)."""
        message = self.records.add_message(
            conversation, conversation.seller_id, to_id, text, client_id
        )
        reason = moderation_of(text)
        if reason is not None:
            message.moderation, message.moderation_reason = "rejected", reason
        for attachment in attachments:
            attachment.linked = True
        message.attachments = list(attachments)
        return message

    def agent_message(
        self, conversation: Conversation, text: str, kind: str = "delivery"
    ) -> Message:
        """The country agent writes to the seller (§8.2): from then on the conversation
        is the agent's (its path typed `/conversations/{kind}`)."""
        conversation.agent_type = conversation.agent_type or kind
        conversation.status_date = self.context.clock.now()
        message = self.records.add_message(
            conversation,
            agent_id(conversation.site_id),
            conversation.seller_id,
            text,
            MARKETPLACE_APP_ID,
        )
        self.context.notify("messages", message.id, conversation.seller_id, ["created"])
        return message

    def hold(self, conversation: Conversation, reason: str | None) -> None:
        """Block the conversation for `reason` (blocked_by_buyer...), or lift the block."""
        conversation.held = reason
        self._refresh_block(conversation)

    # -- the action guide (§8.3) -------------------------------------------------------------

    def options(self, conversation: Conversation) -> list[dict[str, Any]]:
        """§8.3 GET /messages/action_guide/packs/{pack}: the reasons to write first, each
        usable `cap_available` more times."""
        self._refresh_block(conversation)
        caps = conversation.option_caps
        return [
            {
                "id": option_id,
                "internal_description": description,
                "enabled": caps.get(option_id, 1) > 0 and not conversation.blocked,
                "type": kind,
                "templates": (
                    [{"id": f"TEMPLATE___{option_id}___1", "vars": None}]
                    if kind == "template"
                    else None
                ),
                "actionable": True,
                "char_limit": SELLER_MAX_LENGTH,
                "child_options": None,
                "cap_available": caps.get(option_id, 1),
            }
            for option_id, (kind, description, _text) in ACTION_OPTIONS.items()
        ]

    def send_option(
        self, conversation: Conversation, body: Mapping[str, Any], client_id: int | str
    ) -> Message:
        """§8.3 POST .../option {option_id, text | template_id} [INF: the shape]: the
        seller's first message for a reason, even where the seller may not start."""
        self._refresh_block(conversation)
        if conversation.blocked:
            raise blocked_conversation()
        option_id = body.get("option_id")
        if option_id not in ACTION_OPTIONS:
            raise bad_request(f"Invalid option_id: {option_id}")
        kind, _description, template_text = ACTION_OPTIONS[option_id]
        if conversation.option_caps.get(option_id, 1) < 1:
            raise api_error(403, "forbidden", f"The option {option_id} has no cap available")
        template_id = body.get("template_id")
        text = body.get("text")
        if kind == "template":
            if template_id != f"TEMPLATE___{option_id}___1":
                raise bad_request(f"Invalid template_id for option {option_id}")
            text = template_text
        elif not isinstance(text, str) or not text.strip():
            raise bad_request("The field 'text' is required")
        elif len(text) > SELLER_MAX_LENGTH:
            raise bad_request(
                f"The message content is too long, max characters allowed are {SELLER_MAX_LENGTH}"
            )
        elif not all(supported(c) for c in text):
            raise bad_request("The text has character/s that is/are not supported.")
        conversation.option_caps[option_id] = conversation.option_caps.get(option_id, 1) - 1
        return self._seller_message(conversation, conversation.buyer_id, text, client_id)

    def buyer_message(self, conversation: Conversation, text: str) -> Message:
        """A message from the buyer: notified to the seller (topic messages, created)."""
        self._refresh_block(conversation)
        if conversation.blocked:
            raise blocked_conversation()
        message = self.records.add_message(
            conversation, conversation.buyer_id, conversation.seller_id, text, MARKETPLACE_APP_ID
        )
        reason = moderation_of(text)
        if reason is not None:
            message.moderation, message.moderation_reason = "rejected", reason
        self.context.notify("messages", message.id, conversation.seller_id, ["created"])
        return message

    def mark_read(self, conversation: Conversation, reader_id: int) -> int:
        """§8.1: reading marks the reader's messages read; topic messages, action read."""
        ctx = self.context
        now = ctx.clock.now()
        unread = conversation.unread_for(reader_id)
        for message in unread:
            message.read = now
            ctx.notify("messages", message.id, conversation.seller_id, ["read"])
        return len(unread)

    def unread(self, user_id: int, role: str) -> list[dict[str, Any]]:
        """§8.4: unread messages per conversation of a seller (or a buyer)."""
        results = []
        for conversation in self.context.conversations.values():
            own = conversation.seller_id if role == "seller" else conversation.buyer_id
            if own != user_id:
                continue
            count = len(conversation.unread_for(user_id))
            if count:
                results.append({"resource": conversation.resource, "count": count})
        return results

    def random_text(self, site_id: str, rng: random.Random | None = None) -> str:
        """A message a buyer of the site might write, in the site's language."""
        rng = rng or self.context.rng
        return rng.choice(MESSAGES_PT if site_id == "MLB" else MESSAGES_ES)

    # -- attachments (§8.4) ---------------------------------------------------------------

    def upload_attachment(self, owner: User, filename: str, data: bytes) -> Attachment:
        if len(data) > ATTACHMENT_MAX_BYTES:
            raise bad_request("The file exceeds the maximum size of 25 MB")
        if not data:
            raise bad_request("The file is empty")
        if len(filename) > ATTACHMENT_MAX_FILENAME:
            raise bad_request(f"The file name exceeds {ATTACHMENT_MAX_FILENAME} characters")
        extension = attachment_type(filename, data)
        ctx = self.context
        identifier = uuid.UUID(int=ctx.rng.getrandbits(128), version=4)
        attachment = Attachment(
            id=f"{owner.id}_{identifier}.{extension}",
            owner_id=owner.id,
            filename=filename,
            content_type=ATTACHMENT_TYPES[extension],
            data=data,
            created=ctx.clock.now(),
        )
        ctx.attachments[attachment.id] = attachment
        return attachment

    def attachment(self, attachment_id: str) -> Attachment:
        """§8.4: an attachment not linked to a message within 48 h is deleted."""
        ctx = self.context
        attachment = ctx.attachments.get(attachment_id)
        if attachment is None:
            raise attachment_not_found()
        if not attachment.linked and ctx.clock.now() - attachment.created > ATTACHMENT_TTL:
            del ctx.attachments[attachment_id]
            raise attachment_not_found()
        return attachment

    def owned_attachment(self, attachment_id: str, user_id: int) -> Attachment:
        attachment = self.attachment(attachment_id)
        if attachment.owner_id != user_id:
            raise attachment_not_found()
        return attachment

    def may_read_attachment(self, attachment: Attachment, user_id: int) -> bool:
        if attachment.owner_id == user_id:
            return True
        return any(
            attachment in m.attachments
            and user_id in (m.conversation.seller_id, m.conversation.buyer_id)
            for m in self.context.messages.values()
            if m.attachments
        )
