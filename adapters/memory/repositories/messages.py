from __future__ import annotations

from collections.abc import Iterable, Sequence

import attrs

from adapters.memory.repositories.base import InMemoryRepository
from adapters.memory.store import (
    MESSAGES,
    TEMPLATES,
    private_copy,
)
from application.errors import NotFound
from domain.messages import Message, MessageTemplate


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


class InMemoryMessageTemplateRepository(InMemoryRepository):
    async def add(self, template: MessageTemplate) -> MessageTemplate:
        self._require_account(template.account_id)
        stored = attrs.evolve(template, id=self._store.next_id(TEMPLATES))
        self._staged.put(TEMPLATES, stored.id, stored)
        return stored

    async def get(self, template_id: int) -> MessageTemplate:
        return self._get(TEMPLATES, template_id, "message template")

    async def save(self, template: MessageTemplate) -> None:
        if template.id is None or self._staged.get(TEMPLATES, template.id) is None:
            raise NotFound("message template", template.id)
        self._require_account(template.account_id)
        self._staged.put(TEMPLATES, template.id, template)

    async def list(self, account_id: int | None = None) -> Sequence[MessageTemplate]:
        found = [
            template
            for template in self._staged.values(TEMPLATES)
            if template.account_id is None or template.account_id == account_id
        ]
        found.sort(key=lambda template: (template.name, template.id))
        return found

    async def delete(self, template_id: int) -> None:
        if self._staged.get(TEMPLATES, template_id) is None:
            raise NotFound("message template", template_id)
        self._staged.delete(TEMPLATES, template_id)
