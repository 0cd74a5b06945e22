"""FakeMessageGateway: the MessageGateway port over conversations in memory.

It is held to the same contract suite as AiohttpMessageGateway on the sandbox
(tests/contracts/test_message_gateway.py), so what a use-case test learns from it is what
MercadoLibre does (mercadolibre-api.md §8). Messages are kept in MercadoLibre's §8.1
shape and read through the gateway's own reader.

Faults for the exactly-once tests: `lose_answers` takes the next sends and then raises
Unavailable, as a connection cut after MercadoLibre took the message (and
`unreadable_after_loss` conversation reads fail after it); `refuse_next` raises an error
before anything is taken.
"""

from __future__ import annotations

import itertools
import re
import secrets
from datetime import datetime
from typing import Any

import attrs

from adapters.mercadolibre.message_mapping import read_message, read_status
from application.errors import Forbidden, NotFound, Unavailable
from application.ports.clock import Clock
from application.ports.message_gateway import (
    Conversation,
    Download,
    MessageOption,
    MessageRead,
    UnreadCount,
)
from domain.messages import SELLER_MAX_LENGTH, Message, agent_id
from tests.fakes.questions import refused

BLOCKED = "blocked_conversation_send_message_forbidden"
ATTACHMENT_TYPES = {
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "pdf": "application/pdf",
    "txt": "text/plain",
}
OPTIONS = (
    "REQUEST_VARIANTS",
    "REQUEST_BILLING_INFO",
    "SEND_INVOICE_LINK",
    "DELIVERY_PROMISE",
    "OTHER",
)
_PERSONAL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+|(?:\d[\s-]?){8,}")


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds")


@attrs.define
class FakeConversation:
    pack_id: int
    seller_id: int
    buyer_id: int
    site_id: str = "MLA"
    messages: list[dict[str, Any]] = attrs.field(factory=list)
    blocked: str | None = None
    agent_type: str | None = None
    caps: dict[str, int] = attrs.field(factory=dict)

    def status_json(self, now: datetime) -> dict[str, Any]:
        path = f"/packs/{self.pack_id}/seller/{self.seller_id}"
        if self.agent_type:
            path = f"/packs/{self.pack_id}/sellers/{self.seller_id}/conversations/{self.agent_type}"
        return {
            "path": path,
            "status": "blocked" if self.blocked else "active",
            "substatus": self.blocked,
            "status_date": iso(now),
            "claim_id": None,
            "shipping_id": None,
        }


class FakeMessageGateway:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.sellers: dict[int, int] = {}
        self.conversations: dict[int, FakeConversation] = {}
        self.attachments: dict[str, tuple[int, bytes, str]] = {}
        self.calls: list[tuple[str, object]] = []
        self.lose_answers = 0
        self.refuse_next: Exception | None = None
        # Conversation reads to fail (Unavailable) after the next lost answer.
        self.unreadable_after_loss = 0
        self._unreadable = 0
        self.options_calls = 0
        self._ids = itertools.count(1)

    # -- test controls -----------------------------------------------------------------------

    def connect(self, account_id: int, seller_id: int) -> None:
        self.sellers[account_id] = seller_id

    def open(self, pack_id: int, seller_id: int, buyer_id: int, site_id: str = "MLA") -> None:
        self.conversations.setdefault(
            pack_id, FakeConversation(pack_id, seller_id, buyer_id, site_id)
        )

    def write(self, pack_id: int, text: str, *, agent: bool = False) -> str:
        """The buyer (or the country agent) writes to the seller; the message id."""
        conversation = self.conversations[pack_id]
        if agent:
            conversation.agent_type = conversation.agent_type or "delivery"
        sender = agent_id(conversation.site_id) if agent else conversation.buyer_id
        return self._add(conversation, sender, conversation.seller_id, text)["id"]

    def store_late(self, pack_id: int, text: str) -> str:
        """A seller's message MercadoLibre stores after the call that sent it gave up
        (a timeout on a slow answer); the message id."""
        conversation = self.conversations[pack_id]
        return self._add(conversation, conversation.seller_id, conversation.buyer_id, text)["id"]

    def block(self, pack_id: int, reason: str | None) -> None:
        self.conversations[pack_id].blocked = reason

    def sent(self, pack_id: int) -> list[dict[str, Any]]:
        """The seller's messages MercadoLibre holds in the conversation."""
        conversation = self.conversations[pack_id]
        return [m for m in conversation.messages if m["from"]["user_id"] == conversation.seller_id]

    # -- the port ----------------------------------------------------------------------------

    def _seller(self, account_id: int) -> int:
        if account_id not in self.sellers:
            raise NotFound("account", account_id)
        return self.sellers[account_id]

    def _conversation(self, account_id: int, pack_id: int) -> FakeConversation:
        conversation = self.conversations.get(pack_id)
        if conversation is None:
            raise NotFound("MercadoLibre resource", f"Pack or order {pack_id} not found")
        if conversation.seller_id != self._seller(account_id):
            raise Forbidden(f"Access denied for user {self._seller(account_id)} to order {pack_id}")
        return conversation

    def _add(
        self,
        conversation: FakeConversation,
        sender: int,
        to: int,
        text: str,
        attachments: tuple[str, ...] = (),
    ) -> dict[str, Any]:
        now = iso(self.clock.now())
        rejected = _PERSONAL.search(text) is not None
        message = {
            "id": secrets.token_hex(16),
            "site_id": conversation.site_id,
            "from": {"user_id": sender},
            "to": {"user_id": to},
            "status": "moderated" if rejected else "available",
            "text": text,
            "message_date": {"created": now, "available": now, "received": now, "read": None},
            "message_moderation": {
                "status": "rejected" if rejected else "clean",
                "reason": "PERSONAL_DATA" if rejected else None,
            },
            "message_attachments": [{"filename": a} for a in attachments] or None,
            "message_resources": [
                {"id": str(conversation.pack_id), "name": "packs"},
                {"id": str(conversation.seller_id), "name": "sellers"},
            ],
        }
        conversation.messages.append(message)
        return message

    def _read(self, body: dict[str, Any], account_id: int, what: str) -> Message:
        return read_message(body, account_id, what)

    async def conversation(
        self,
        account_id: int,
        seller_id: int,
        pack_id: int,
        *,
        mark_as_read: bool = False,
        buyer_id: int | None = None,
    ) -> Conversation:
        self.calls.append(("conversation", pack_id))
        if self._unreadable:
            self._unreadable -= 1
            raise Unavailable(f"MercadoLibre GET /messages/packs/{pack_id} timed out")
        conversation = self._conversation(account_id, pack_id)
        if seller_id != conversation.seller_id:
            raise Forbidden(f"Access denied for user {seller_id} to order {pack_id}")
        visible = [
            m
            for m in conversation.messages
            if m["message_moderation"]["status"] != "rejected" or m["from"]["user_id"] == seller_id
        ]
        if mark_as_read:
            for m in visible:
                if m["to"]["user_id"] == seller_id and m["message_date"]["read"] is None:
                    m["message_date"]["read"] = iso(self.clock.now())
        body = {
            "conversation_status": conversation.status_json(self.clock.now()),
            "seller_max_message_length": SELLER_MAX_LENGTH,
        }
        status = read_status(body, account_id, pack_id, "fake")
        assert status is not None
        messages = tuple(self._read(m, account_id, "fake") for m in visible)
        return Conversation(status, messages, SELLER_MAX_LENGTH)

    async def get(self, account_id: int, message_id: str) -> MessageRead:
        self.calls.append(("get", message_id))
        for conversation in self.conversations.values():
            for m in conversation.messages:
                if m["id"] == message_id:
                    self._conversation(account_id, conversation.pack_id)
                    body = {
                        "paging": None,
                        "conversation_status": conversation.status_json(self.clock.now()),
                        "messages": [m],
                    }
                    message = self._read(m, account_id, "fake")
                    status = read_status(body, account_id, conversation.pack_id, "fake")
                    return MessageRead(message, status, body)
        raise NotFound("message", message_id)

    async def send(
        self,
        account_id: int,
        seller_id: int,
        pack_id: int,
        to_user_id: int,
        text: str,
        attachments: tuple[str, ...] = (),
    ) -> Message:
        self.calls.append(("send", pack_id))
        if self.refuse_next is not None:
            error, self.refuse_next = self.refuse_next, None
            raise error
        conversation = self._conversation(account_id, pack_id)
        if conversation.blocked:
            raise refused(403, BLOCKED, Forbidden)
        agent = agent_id(conversation.site_id)
        expected = agent if conversation.agent_type else conversation.buyer_id
        if to_user_id != expected:
            raise refused(403, f"Receiver does not belong to order {pack_id}", Forbidden)
        if len(text) > SELLER_MAX_LENGTH:
            raise refused(400, "The message content is too long, max characters allowed are 350")
        for name in attachments:
            owner = self.attachments.get(name)
            if owner is None or owner[0] != seller_id:
                raise refused(422, "Attachment key is invalid or not found")
        message = self._add(conversation, seller_id, to_user_id, text, attachments)
        if self.lose_answers:
            self.lose_answers -= 1
            self._unreadable, self.unreadable_after_loss = self.unreadable_after_loss, 0
            raise Unavailable(
                f"MercadoLibre POST /messages/packs/{pack_id} failed: connection lost"
            )
        return self._read(message, account_id, "fake")

    async def send_option(
        self,
        account_id: int,
        seller_id: int,
        pack_id: int,
        option_id: str,
        text: str | None = None,
        template_id: str | None = None,
        to_user_id: int | None = None,
    ) -> Message:
        self.calls.append(("send_option", pack_id))
        conversation = self._conversation(account_id, pack_id)
        if conversation.blocked:
            raise refused(403, BLOCKED, Forbidden)
        if option_id not in OPTIONS:
            raise refused(400, f"Invalid option_id: {option_id}")
        if conversation.caps.get(option_id, 1) < 1:
            raise refused(403, f"The option {option_id} has no cap available", Forbidden)
        conversation.caps[option_id] = conversation.caps.get(option_id, 1) - 1
        text = text if template_id is None else f"({template_id})"
        message = self._add(conversation, seller_id, conversation.buyer_id, text or "")
        return self._read(message, account_id, "fake")

    async def options(self, account_id: int, pack_id: int) -> tuple[MessageOption, ...]:
        self.calls.append(("options", pack_id))
        conversation = self._conversation(account_id, pack_id)
        return tuple(
            MessageOption(
                option,
                None,
                conversation.caps.get(option, 1) > 0 and not conversation.blocked,
                "free_text",
                (),
                SELLER_MAX_LENGTH,
                conversation.caps.get(option, 1),
            )
            for option in OPTIONS
        )

    async def upload(self, account_id: int, site_id: str, filename: str, content: bytes) -> str:
        self.calls.append(("upload", filename))
        extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
        if extension not in ATTACHMENT_TYPES:
            raise refused(400, "The file type is not allowed. Allowed types: JPG, PNG, PDF, TXT")
        seller = self._seller(account_id)
        name = f"{seller}_{next(self._ids):08d}.{'jpg' if extension == 'jpeg' else extension}"
        self.attachments[name] = (seller, content, ATTACHMENT_TYPES[extension])
        return name

    async def download(self, account_id: int, site_id: str, attachment_id: str) -> Download:
        self.calls.append(("download", attachment_id))
        found = self.attachments.get(attachment_id)
        if found is None or found[0] != self._seller(account_id):
            raise NotFound("attachment", attachment_id)
        return Download(found[1], found[2], attachment_id)

    async def unread(self, account_id: int) -> tuple[UnreadCount, ...]:
        seller = self._seller(account_id)
        found = []
        for conversation in self.conversations.values():
            if conversation.seller_id != seller:
                continue
            count = sum(
                1
                for m in conversation.messages
                if m["to"]["user_id"] == seller and m["message_date"]["read"] is None
            )
            if count:
                found.append(UnreadCount(conversation.pack_id, count))
        return tuple(found)
