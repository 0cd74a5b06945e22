"""The committed state of the in-memory adapter and the changes a unit of work stages.

Reads see the unit of work's own staged changes over the latest committed state (read
committed, as on PostgreSQL); `commit()` re-checks the uniqueness rules against what
other units of work committed meanwhile and then applies everything at once.
"""

from __future__ import annotations

import asyncio
import copy
import itertools
from collections.abc import Callable, Hashable, Iterator
from typing import Any, Final

from application.errors import Conflict
from domain.notifications import InboxEntry, InboxStatus

ACCOUNTS = "accounts"
TOKENS = "tokens"
LISTINGS = "listings"
STOCK_LEVELS = "stock_levels"
STOCK_LEDGER = "stock_ledger"
ORDERS = "orders"
SHIPMENTS = "shipments"
PACKS = "packs"
QUESTIONS = "questions"
QUESTION_ANSWERS = "question_answers"
# question id -> since when it waits for the auto-answer rules (meli_questions.rules_due_at)
RULES_DUE = "rules_due"
ANSWER_RULES = "answer_rules"
MESSAGES = "messages"
CONVERSATIONS = "conversations"
MESSAGE_SENDS = "message_sends"
MESSAGE_RULES = "message_rules"
MESSAGE_RULE_RUNS = "message_rule_runs"
TEMPLATES = "templates"
INBOX = "inbox"
SYNC_LOGS = "sync_logs"
AUTHORIZATION_REQUESTS = "authorization_requests"
STOCK_BATCHES = "stock_batches"
# The notification pipeline
RESOURCES = "resources"
DEAD_LETTERS = "dead_letters"
SUBSCRIPTIONS = "subscriptions"
DELIVERIES = "deliveries"
# Low-stock alerts: (account id, item id or None) and (account id, item id, variation id)
STOCK_THRESHOLDS = "stock_thresholds"
STOCK_ALERTS = "stock_alerts"
# (account id, day, item id) -> visits (meli_item_visits)
ITEM_VISITS = "item_visits"
# account id -> (Reputation, read_at) (meli_reputations)
REPUTATIONS = "reputations"

TABLES: Final = (
    ACCOUNTS,
    TOKENS,
    LISTINGS,
    STOCK_LEVELS,
    STOCK_LEDGER,
    ORDERS,
    SHIPMENTS,
    PACKS,
    QUESTIONS,
    QUESTION_ANSWERS,
    RULES_DUE,
    ANSWER_RULES,
    MESSAGES,
    CONVERSATIONS,
    MESSAGE_SENDS,
    MESSAGE_RULES,
    MESSAGE_RULE_RUNS,
    TEMPLATES,
    INBOX,
    SYNC_LOGS,
    AUTHORIZATION_REQUESTS,
    STOCK_BATCHES,
    RESOURCES,
    DEAD_LETTERS,
    SUBSCRIPTIONS,
    DELIVERIES,
    STOCK_THRESHOLDS,
    STOCK_ALERTS,
    ITEM_VISITS,
    REPUTATIONS,
)

_DELETED: Final = object()

UniqueKey = Callable[[Any], Hashable | None]
"""The value a row must not share with another row of its table; None is exempt."""

PENDING_INBOX_STATUSES: Final = frozenset(
    {InboxStatus.RECEIVED, InboxStatus.PROCESSING, InboxStatus.FAILED}
)


def _pending_resource(entry: InboxEntry) -> Hashable | None:
    if entry.status not in PENDING_INBOX_STATUSES:
        return None
    return (entry.notification.topic, entry.notification.resource)


# The unique constraints and indexes of the SQL schema (adapters/sql/tables/).
UNIQUE: Final[dict[str, tuple[tuple[UniqueKey, str], ...]]] = {
    ACCOUNTS: (
        (lambda account: account.seller_id, "seller {value.seller_id} is already connected"),
    ),
    TEMPLATES: (
        (
            lambda template: (template.account_id, template.name),
            "a template named {value.name!r} already exists",
        ),
    ),
    QUESTION_ANSWERS: (
        (
            lambda attempt: attempt.question_id if attempt.holds_question else None,
            "question {value.question_id} already has an answer sent or being sent",
        ),
    ),
    MESSAGE_SENDS: (
        (
            lambda send: (send.account_id, send.pack_id) if send.holds_conversation else None,
            "a message to conversation {value.pack_id} is being sent; try again",
        ),
    ),
    INBOX: (
        (
            lambda entry: entry.notification.id,
            "notification {value.notification.id} is already stored",
        ),
        (
            _pending_resource,
            "another notification for {value.notification.topic} "
            "{value.notification.resource} is already pending",
        ),
    ),
    SYNC_LOGS: (
        (lambda log: log.retry_of, "sync log {value.retry_of} is already being run again"),
    ),
    DELIVERIES: (
        (
            lambda delivery: (delivery.subscription_id, delivery.event_id),
            "subscription {value.subscription_id} already has a delivery of event {value.event_id}",
        ),
    ),
}


def private_copy(value: Any) -> Any:
    """Aggregates are mutable: nothing handed in or out may alias the stored state."""
    return copy.deepcopy(value)


class InMemoryStore:
    """The committed state, shared by every unit of work of one process."""

    def __init__(self) -> None:
        self.tables: dict[str, dict[Hashable, Any]] = {name: {} for name in TABLES}
        self._sequences = {name: itertools.count(1) for name in TABLES}
        self._row_locks: dict[tuple[str, Hashable], asyncio.Lock] = {}

    def next_id(self, table: str) -> int:
        """Like a database sequence: never handed out twice, even after a rollback."""
        return next(self._sequences[table])

    def row_lock(self, table: str, key: Hashable) -> asyncio.Lock:
        return self._row_locks.setdefault((table, key), asyncio.Lock())


class StagedChanges:
    """What one unit of work wrote and has not committed yet."""

    def __init__(self, store: InMemoryStore) -> None:
        self._store = store
        self._staged: dict[str, dict[Hashable, Any]] = {name: {} for name in TABLES}

    def get(self, table: str, key: Hashable) -> Any | None:
        """The current row (not a copy: callers copy what they hand out), or None."""
        staged = self._staged[table]
        if key in staged:
            value = staged[key]
            return None if value is _DELETED else value
        return self._store.tables[table].get(key)

    def rows(self, table: str) -> Iterator[tuple[Hashable, Any]]:
        staged = self._staged[table]
        for key, value in self._store.tables[table].items():
            if key not in staged:
                yield key, value
        for key, value in staged.items():
            if value is not _DELETED:
                yield key, value

    def values(self, table: str) -> Iterator[Any]:
        return (value for _, value in self.rows(table))

    def put(self, table: str, key: Hashable, value: Any) -> None:
        """Stage a row after checking the table's uniqueness rules; raises Conflict."""
        value = private_copy(value)
        self._check_unique(table, key, value)
        self._staged[table][key] = value

    def delete(self, table: str, key: Hashable) -> None:
        self._staged[table][key] = _DELETED

    def _check_unique(self, table: str, key: Hashable, value: Any) -> None:
        for unique_key, message in UNIQUE.get(table, ()):
            wanted = unique_key(value)
            if wanted is None:
                continue
            for other_key, other in self.rows(table):
                if other_key != key and unique_key(other) == wanted:
                    raise Conflict(message.format(value=value))

    def commit(self) -> None:
        """Apply every staged row at once, or none if a uniqueness rule now fails."""
        for table, staged in self._staged.items():
            for key, value in staged.items():
                if value is not _DELETED:
                    self._check_unique(table, key, value)
        for table, staged in self._staged.items():
            committed = self._store.tables[table]
            for key, value in staged.items():
                if value is _DELETED:
                    committed.pop(key, None)
                else:
                    committed[key] = value
        self.discard()

    def discard(self) -> None:
        for staged in self._staged.values():
            staged.clear()
