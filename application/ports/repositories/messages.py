"""Stored post-sale messages (their templates: templates.py). Repository conventions: see
application.ports.repositories.accounts.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

from domain.messages import Message


class MessageRepository(Protocol):
    async def find(self, message_id: str) -> Message | None: ...

    async def upsert(self, messages: Iterable[Message]) -> None: ...

    async def conversation(self, account_id: int, pack_id: int) -> Sequence[Message]:
        """The messages of one conversation, oldest first."""
        ...
