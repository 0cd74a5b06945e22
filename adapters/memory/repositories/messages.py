from __future__ import annotations

from collections.abc import Iterable, Sequence

from adapters.memory.repositories.base import InMemoryRepository
from adapters.memory.store import (
    MESSAGES,
    private_copy,
)
from domain.messages import Message


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
