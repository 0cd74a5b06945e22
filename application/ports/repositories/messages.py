"""Stored post-sale messages, each conversation's status and the messages the service
sent or meant to send (their templates: templates.py). Repository conventions: see
application.ports.repositories.accounts.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Protocol

import attrs

from application.queries import Page, Paging
from domain.message_rules import MessageRule, MessageRuleRun
from domain.messages import ConversationStatus, Message, MessageSend


@attrs.define(frozen=True)
class UnreadConversation:
    """A conversation of the account with buyer messages the seller has not read."""

    pack_id: int
    unread: int
    oldest: Message


def unread_conversations(unread: Iterable[Message]) -> list[UnreadConversation]:
    """Unread messages, oldest first, as conversations in the order of their oldest."""
    counts: dict[int, int] = {}
    oldest: dict[int, Message] = {}
    for message in unread:
        counts[message.pack_id] = counts.get(message.pack_id, 0) + 1
        oldest.setdefault(message.pack_id, message)
    return [UnreadConversation(pack, counts[pack], first) for pack, first in oldest.items()]


class MessageRepository(Protocol):
    async def find(self, message_id: str) -> Message | None: ...

    async def upsert(self, messages: Iterable[Message]) -> None:
        """Store messages (a new read replaces the stored one). Raises Conflict for an
        unknown account."""
        ...

    async def conversation(self, account_id: int, pack_id: int) -> Sequence[Message]:
        """The messages of one conversation, oldest first."""
        ...

    async def unread(self, account_id: int, seller_id: int) -> Sequence[UnreadConversation]:
        """The conversations with messages to the seller (from the buyer or an agent) not
        read yet, the one with the oldest such message first."""
        ...


class ConversationRepository(Protocol):
    async def find(self, account_id: int, pack_id: int) -> ConversationStatus | None: ...

    async def upsert(self, status: ConversationStatus) -> None:
        """Store a conversation's status as last read. Raises Conflict for an unknown
        account."""
        ...


class MessageSendRepository(Protocol):
    async def add(self, send: MessageSend) -> MessageSend:
        """Record a new intent and return it with its id. Raises Conflict when another
        send of the same conversation is pending."""
        ...

    async def get(self, send_id: int) -> MessageSend: ...

    async def save(self, send: MessageSend) -> None:
        """Store a send's outcome. Raises NotFound for an unknown id."""
        ...

    async def pending_of(self, account_id: int, pack_id: int) -> MessageSend | None:
        """The send of the conversation whose outcome is not known yet, if any."""
        ...

    async def of_conversation(self, account_id: int, pack_id: int) -> Sequence[MessageSend]:
        """Every send of the conversation, oldest first."""
        ...

    async def sent_message_ids(self, account_id: int, pack_id: int) -> frozenset[str]:
        """The MercadoLibre ids of the messages already matched to a send."""
        ...

    async def pending(
        self, before: datetime, limit: int, after: tuple[datetime, int] | None = None
    ) -> Sequence[MessageSend]:
        """Sends still pending that were recorded before `before`, oldest first,
        continuing after `after` (requested_at, id)."""
        ...


class MessageRuleRepository(Protocol):
    async def add(self, rule: MessageRule) -> MessageRule:
        """Store a new rule and return it with its id."""
        ...

    async def get(self, rule_id: int) -> MessageRule: ...

    async def save(self, rule: MessageRule) -> None:
        """Replace a rule. Raises NotFound."""
        ...

    async def delete(self, rule_id: int) -> None:
        """Remove a rule (its runs stay, the log). Raises NotFound."""
        ...

    async def list(self) -> Sequence[MessageRule]:
        """Every rule, oldest first."""
        ...


class MessageRuleRunRepository(Protocol):
    async def add(self, run: MessageRuleRun) -> MessageRuleRun | None:
        """Record a rule meeting an order; None (nothing stored) when that rule already
        met that order."""
        ...

    async def get(self, run_id: int) -> MessageRuleRun: ...

    async def save(self, run: MessageRuleRun) -> None: ...

    async def due(
        self, before: datetime, limit: int, after: tuple[datetime, int] | None = None
    ) -> Sequence[MessageRuleRun]:
        """Runs still due at `before`, the earliest first, continuing after `after`
        (due_at, id): the sweep's stored work."""
        ...

    async def for_rule(self, rule_id: int, paging: Paging) -> Page[MessageRuleRun]:
        """A rule's runs, newest first."""
        ...
