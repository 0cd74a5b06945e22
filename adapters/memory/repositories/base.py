"""Repositories over the in-memory store, with the same semantics as the SQL ones:
copies in and out, staged writes, the same uniqueness and reference rules, the same
filters and orders. What every one of them shares."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import Any, TypeVar

from adapters.memory.store import (
    ACCOUNTS,
    CONVERSATIONS,
    DEAD_LETTERS,
    LISTINGS,
    MESSAGE_RULE_RUNS,
    MESSAGE_SENDS,
    MESSAGES,
    ORDERS,
    PACKS,
    QUESTION_ANSWERS,
    QUESTIONS,
    RESOURCES,
    SHIPMENTS,
    STOCK_ALERTS,
    STOCK_THRESHOLDS,
    SYNC_LOGS,
    TEMPLATES,
    InMemoryStore,
    StagedChanges,
    private_copy,
)
from application.errors import Conflict, NotFound
from application.queries import (
    Page,
    Paging,
)

T = TypeVar("T")


LockRow = Callable[[str, Hashable], Awaitable[None]]


# The tables whose rows carry an account_id with a foreign key to meli_accounts in the SQL
# schema (adapters/sql/tables/).
ACCOUNT_REFERENCES = (
    LISTINGS,
    ORDERS,
    SHIPMENTS,
    PACKS,
    QUESTIONS,
    QUESTION_ANSWERS,
    MESSAGES,
    CONVERSATIONS,
    MESSAGE_SENDS,
    MESSAGE_RULE_RUNS,
    TEMPLATES,
    SYNC_LOGS,
    RESOURCES,
    DEAD_LETTERS,
    STOCK_THRESHOLDS,
    STOCK_ALERTS,
)


def page_of(matches: Sequence[T], paging: Paging) -> Page[T]:
    window = matches[paging.offset : paging.offset + paging.limit]
    return Page(
        items=[private_copy(item) for item in window],
        total=len(matches),
        offset=paging.offset,
        limit=paging.limit,
    )


def item_number(item_id: str) -> int:
    return int(item_id[3:])


class InMemoryRepository:
    def __init__(self, store: InMemoryStore, staged: StagedChanges) -> None:
        self._store = store
        self._staged = staged

    def _require_account(self, account_id: int | None) -> None:
        """The foreign key to meli_accounts of the SQL schema."""
        if account_id is not None and self._staged.get(ACCOUNTS, account_id) is None:
            raise Conflict(f"account {account_id} does not exist")

    def _find(self, table: str, key: Hashable) -> Any | None:
        return private_copy(self._staged.get(table, key))

    def _get(self, table: str, key: Hashable, kind: str) -> Any:
        found = self._find(table, key)
        if found is None:
            raise NotFound(kind, key)
        return found
