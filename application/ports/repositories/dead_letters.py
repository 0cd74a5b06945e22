"""Dead letters. Repository conventions: see application.ports.repositories.accounts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from application.queries import (
    DeadLetterQuery,
    Page,
)
from domain.dead_letters import DeadLetter


class DeadLetterRepository(Protocol):
    """Failed work kept for an operator (table meli_dead_letters)."""

    async def add(self, letter: DeadLetter) -> DeadLetter:
        """Store and return with its id."""
        ...

    async def get(self, letter_id: int) -> DeadLetter: ...

    async def mark_replayed(self, letter_id: int, now: datetime) -> bool:
        """Set the replay time of a letter that has none, in one conditional update
        (`... WHERE id = :id AND replayed_at IS NULL`): True if this call set it; False
        if the letter was replayed already, or is unknown. Of concurrent calls for one
        letter exactly one gets True: the row stays locked until the unit of work ends,
        and a call waiting for it sees the replay once that commits."""
        ...

    async def search(self, query: DeadLetterQuery) -> Page[DeadLetter]:
        """Letters matching the query, newest first."""
        ...

    async def count_open(self) -> int:
        """How many letters were not replayed."""
        ...

    async def awaiting_replay(
        self, connected_before: datetime, limit: int, after: tuple[datetime, int] | None = None
    ) -> Sequence[tuple[int, datetime]]:
        """(account id, connected_at) of the active accounts connected (again) before a
        time that still have open letters which failed before that connection: the
        replay their connection asked for has not run. Ordered by (connected_at, id),
        after the previous page's last."""
        ...
