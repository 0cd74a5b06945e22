from __future__ import annotations

from collections.abc import Iterable, Sequence

import attrs

from adapters.memory.repositories.base import InMemoryRepository
from adapters.memory.store import (
    CONVERSATIONS,
    MESSAGE_SENDS,
    MESSAGES,
    private_copy,
)
from application.errors import NotFound
from application.ports.repositories.messages import UnreadConversation, unread_conversations
from domain.messages import ConversationStatus, Message, MessageSend


class InMemoryMessageRepository(InMemoryRepository):
    async def find(self, message_id: str) -> Message | None:
        return self._find(MESSAGES, message_id)

    async def upsert(self, messages: Iterable[Message]) -> None:
        for message in messages:
            self._require_account(message.account_id)
            self._staged.put(MESSAGES, message.id, message)

    async def conversation(self, account_id: int, pack_id: int) -> Sequence[Message]:
        found = [
            message
            for message in self._staged.values(MESSAGES)
            if message.account_id == account_id and message.pack_id == pack_id
        ]
        found.sort(key=lambda message: (message.date_created, message.id))
        return [private_copy(message) for message in found]

    async def unread(self, account_id: int, seller_id: int) -> Sequence[UnreadConversation]:
        found = [
            message
            for message in self._staged.values(MESSAGES)
            if message.account_id == account_id
            and message.to_user_id == seller_id
            and message.from_user_id != seller_id
            and message.date_read is None
        ]
        found.sort(key=lambda message: (message.date_created, message.id))
        return unread_conversations(private_copy(message) for message in found)


class InMemoryConversationRepository(InMemoryRepository):
    async def find(self, account_id: int, pack_id: int) -> ConversationStatus | None:
        return self._find(CONVERSATIONS, (account_id, pack_id))

    async def upsert(self, status: ConversationStatus) -> None:
        self._require_account(status.account_id)
        self._staged.put(CONVERSATIONS, (status.account_id, status.pack_id), status)


class InMemoryMessageSendRepository(InMemoryRepository):
    async def add(self, send: MessageSend) -> MessageSend:
        self._require_account(send.account_id)
        stored = attrs.evolve(send, id=self._store.next_id(MESSAGE_SENDS))
        self._staged.put(MESSAGE_SENDS, stored.id, stored)
        return private_copy(stored)

    async def get(self, send_id: int) -> MessageSend:
        return self._get(MESSAGE_SENDS, send_id, "message send")

    async def save(self, send: MessageSend) -> None:
        if send.id is None or self._staged.get(MESSAGE_SENDS, send.id) is None:
            raise NotFound("message send", send.id)
        self._staged.put(MESSAGE_SENDS, send.id, send)

    async def pending_of(self, account_id: int, pack_id: int) -> MessageSend | None:
        for send in self._staged.values(MESSAGE_SENDS):
            if (send.account_id, send.pack_id) == (account_id, pack_id) and send.holds_conversation:
                return private_copy(send)
        return None

    async def of_conversation(self, account_id: int, pack_id: int) -> Sequence[MessageSend]:
        found = [
            send
            for send in self._staged.values(MESSAGE_SENDS)
            if (send.account_id, send.pack_id) == (account_id, pack_id)
        ]
        found.sort(key=lambda send: (send.requested_at, send.id))
        return [private_copy(send) for send in found]

    async def sent_message_ids(self, account_id: int, pack_id: int) -> frozenset[str]:
        return frozenset(
            send.message_id
            for send in self._staged.values(MESSAGE_SENDS)
            if (send.account_id, send.pack_id) == (account_id, pack_id) and send.message_id
        )
