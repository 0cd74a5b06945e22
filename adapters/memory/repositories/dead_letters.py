from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import attrs

from adapters.memory.repositories.base import InMemoryRepository, LockRow, page_of
from adapters.memory.store import (
    ACCOUNTS,
    DEAD_LETTERS,
    InMemoryStore,
    StagedChanges,
    private_copy,
)
from application.queries import (
    DeadLetterQuery,
    Page,
)
from domain.accounts import AccountStatus
from domain.dead_letters import DeadLetter


class InMemoryDeadLetterRepository(InMemoryRepository):
    def __init__(self, store: InMemoryStore, staged: StagedChanges, lock_row: LockRow) -> None:
        super().__init__(store, staged)
        self._lock_row = lock_row

    async def add(self, letter: DeadLetter) -> DeadLetter:
        self._require_account(letter.account_id)
        stored = attrs.evolve(letter, id=self._store.next_id(DEAD_LETTERS))
        self._staged.put(DEAD_LETTERS, stored.id, stored)
        return private_copy(stored)

    async def get(self, letter_id: int) -> DeadLetter:
        return self._get(DEAD_LETTERS, letter_id, "dead letter")

    async def mark_replayed(self, letter_id: int, now: datetime) -> bool:
        # Locked until the unit of work ends, as the conditional UPDATE locks the row on
        # PostgreSQL: a second call waits, then reads the first one's committed replay.
        await self._lock_row(DEAD_LETTERS, letter_id)
        stored = self._staged.get(DEAD_LETTERS, letter_id)
        if stored is None or stored.replayed_at is not None:
            return False
        self._staged.put(DEAD_LETTERS, letter_id, attrs.evolve(stored, replayed_at=now))
        return True

    async def search(self, query: DeadLetterQuery) -> Page[DeadLetter]:
        found = [
            letter
            for letter in self._staged.values(DEAD_LETTERS)
            if (query.source is None or letter.source == query.source)
            and (query.replayed is None or query.replayed == (letter.replayed_at is not None))
            and (query.account_id is None or letter.account_id == query.account_id)
        ]
        found.sort(key=lambda letter: (letter.failed_at, letter.id), reverse=True)
        return page_of(found, query.paging)

    async def count_open(self) -> int:
        return sum(1 for letter in self._staged.values(DEAD_LETTERS) if letter.replayed_at is None)

    async def awaiting_replay(
        self, connected_before: datetime, limit: int, after: tuple[datetime, int] | None = None
    ) -> Sequence[tuple[int, datetime]]:
        letters = [
            letter for letter in self._staged.values(DEAD_LETTERS) if letter.replayed_at is None
        ]
        found = []
        for account in self._staged.values(ACCOUNTS):
            connected = account.connected_at
            if (
                account.status is not AccountStatus.ACTIVE
                or connected is None
                or connected >= connected_before
                or (after is not None and (connected, account.id) <= after)
            ):
                continue
            if any(
                letter.account_id == account.id and letter.failed_at < connected
                for letter in letters
            ):
                found.append((account.id, connected))
        found.sort(key=lambda pair: (pair[1], pair[0]))
        return found[:limit]
