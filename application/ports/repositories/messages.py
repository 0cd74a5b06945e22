"""Stored post-sale messages and message templates. Repository conventions: see
application.ports.repositories.accounts.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

from domain.messages import Message, MessageTemplate


class MessageRepository(Protocol):
    async def find(self, message_id: str) -> Message | None: ...

    async def upsert(self, messages: Iterable[Message]) -> None: ...

    async def conversation(self, account_id: int, pack_id: int) -> Sequence[Message]:
        """The messages of one conversation, oldest first."""
        ...


class MessageTemplateRepository(Protocol):
    async def add(self, template: MessageTemplate) -> MessageTemplate:
        """Store and return with its id. Raises Conflict if the name is taken (per account)."""
        ...

    async def get(self, template_id: int) -> MessageTemplate: ...

    async def save(self, template: MessageTemplate) -> None:
        """Store changes to a template. Raises NotFound, or Conflict if the new name is
        taken (per account)."""
        ...

    async def list(self, account_id: int | None = None) -> Sequence[MessageTemplate]:
        """Templates of the account plus the shared ones (account_id None), by name
        (code point order); without an account, only the shared ones."""
        ...

    async def delete(self, template_id: int) -> None:
        """Remove the template. Raises NotFound."""
        ...
