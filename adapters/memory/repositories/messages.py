from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

import attrs

from adapters.memory.repositories.base import InMemoryRepository, page_of
from adapters.memory.store import (
    CONVERSATIONS,
    MESSAGE_RULE_RUNS,
    MESSAGE_RULES,
    MESSAGE_SENDS,
    MESSAGES,
    private_copy,
)
from application.errors import NotFound
from application.ports.repositories.messages import UnreadConversation, unread_conversations
from application.queries import Page, Paging
from domain.message_rules import MessageRule, MessageRuleRun, RunStatus
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

    async def pending(
        self, before: datetime, limit: int, after: tuple[datetime, int] | None = None
    ) -> Sequence[MessageSend]:
        found = [
            send
            for send in self._staged.values(MESSAGE_SENDS)
            if send.holds_conversation
            and send.requested_at < before
            and (after is None or (send.requested_at, send.id) > after)
        ]
        found.sort(key=lambda send: (send.requested_at, send.id))
        return [private_copy(send) for send in found[:limit]]


class InMemoryMessageRuleRepository(InMemoryRepository):
    async def add(self, rule: MessageRule) -> MessageRule:
        stored = attrs.evolve(rule, id=self._store.next_id(MESSAGE_RULES))
        self._staged.put(MESSAGE_RULES, stored.id, stored)
        return private_copy(stored)

    async def get(self, rule_id: int) -> MessageRule:
        return self._get(MESSAGE_RULES, rule_id, "message rule")

    async def save(self, rule: MessageRule) -> None:
        if rule.id is None or self._staged.get(MESSAGE_RULES, rule.id) is None:
            raise NotFound("message rule", rule.id)
        self._staged.put(MESSAGE_RULES, rule.id, rule)

    async def delete(self, rule_id: int) -> None:
        if self._staged.get(MESSAGE_RULES, rule_id) is None:
            raise NotFound("message rule", rule_id)
        self._staged.delete(MESSAGE_RULES, rule_id)

    async def list(self) -> Sequence[MessageRule]:
        found = sorted(self._staged.values(MESSAGE_RULES), key=lambda rule: rule.id)
        return [private_copy(rule) for rule in found]


class InMemoryMessageRuleRunRepository(InMemoryRepository):
    async def add(self, run: MessageRuleRun) -> MessageRuleRun | None:
        self._require_account(run.account_id)
        for other in self._staged.values(MESSAGE_RULE_RUNS):
            if (other.rule_id, other.order_id) == (run.rule_id, run.order_id):
                return None
        stored = attrs.evolve(run, id=self._store.next_id(MESSAGE_RULE_RUNS))
        self._staged.put(MESSAGE_RULE_RUNS, stored.id, stored)
        return private_copy(stored)

    async def get(self, run_id: int) -> MessageRuleRun:
        return self._get(MESSAGE_RULE_RUNS, run_id, "message rule run")

    async def save(self, run: MessageRuleRun) -> None:
        if run.id is None or self._staged.get(MESSAGE_RULE_RUNS, run.id) is None:
            raise NotFound("message rule run", run.id)
        self._staged.put(MESSAGE_RULE_RUNS, run.id, run)

    async def due(
        self, before: datetime, limit: int, after: tuple[datetime, int] | None = None
    ) -> Sequence[MessageRuleRun]:
        found = [
            run
            for run in self._staged.values(MESSAGE_RULE_RUNS)
            if run.status is RunStatus.DUE
            and run.due_at <= before
            and (after is None or (run.due_at, run.id) > after)
        ]
        found.sort(key=lambda run: (run.due_at, run.id))
        return [private_copy(run) for run in found[:limit]]

    async def for_rule(self, rule_id: int, paging: Paging) -> Page[MessageRuleRun]:
        found = [run for run in self._staged.values(MESSAGE_RULE_RUNS) if run.rule_id == rule_id]
        found.sort(key=lambda run: (run.created_at, run.id), reverse=True)
        return page_of(found, paging)
