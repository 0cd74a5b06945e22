"""The notification inbox. Repository conventions: see
application.ports.repositories.accounts.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Protocol

from application.queries import (
    InboxQuery,
    Page,
)
from domain.notifications import InboxEntry, InboxStatus


class NotificationInbox(Protocol):
    """The stored MercadoLibre notifications (table meli_webhooks)."""

    async def add(self, entry: InboxEntry) -> tuple[InboxEntry, bool]:
        """Store a notification unless it is a duplicate; return the stored entry and
        whether it was new.

        Duplicates: the same notification id, or the same topic and resource while an
        earlier entry for them is still pending (received, processing or failed).
        """
        ...

    async def add_many(self, entries: Sequence[InboxEntry]) -> list[tuple[InboxEntry, bool]]:
        """`add` for several entries at once (one statement where the store allows), in
        order; an entry may be a duplicate of one before it in the same call."""
        ...

    async def get(self, entry_id: int) -> InboxEntry: ...

    async def save(self, entry: InboxEntry) -> None:
        """Store changes to an entry. Raises NotFound, or Conflict if the entry would
        become a second pending one for its topic and resource (replaying a dead entry
        while a newer one waits)."""
        ...

    async def search(self, query: InboxQuery) -> Page[InboxEntry]:
        """Entries matching the query, latest received first."""
        ...

    async def counts(self) -> dict[tuple[str, InboxStatus], int]:
        """How many entries per (topic, status)."""
        ...

    async def pending(
        self,
        received_before: datetime,
        limit: int,
        after: tuple[datetime, int] | None = None,
    ) -> Sequence[InboxEntry]:
        """Entries not finished (received, processing, failed due) received before a time,
        oldest first: what a sweep must enqueue again.

        A failed entry is due when its `next_attempt_at` is unset or not after
        `received_before`; so is a processing one (there `next_attempt_at` is the end of
        the worker's lease). `after` continues from the (received_at, id) of the last
        entry of the previous page.
        """
        ...

    # Processing: atomic moves that several workers may race for

    async def claim(self, entry_id: int, now: datetime, lease_until: datetime) -> InboxEntry | None:
        """Move the entry to processing for one worker and return it, or None when it is
        not this worker's to take: finished, not due (failed with `next_attempt_at` after
        `now`), or processing under another worker's lease (`next_attempt_at` after
        `now`). Counts the attempt and sets `next_attempt_at` to `lease_until`. Of two
        concurrent claims, one wins."""
        ...

    async def claim_many(
        self, entry_ids: Sequence[int], now: datetime, lease_until: datetime
    ) -> Sequence[InboxEntry]:
        """`claim` for several entries in one step (one statement where the store allows):
        the entries this worker took, in no particular order; those not its to take are
        left out."""
        ...

    async def finish(self, entry: InboxEntry) -> bool:
        """Store the outcome of a claimed entry (processed, failed, dead) if it is still
        the claim it was: processing, with the same attempt count. False, and nothing
        stored, when another worker claimed it since or `rearm` put it back."""
        ...

    async def finish_processed(
        self, entries: Sequence[InboxEntry], processed_at: datetime
    ) -> set[int]:
        """`finish` of several claimed entries as processed (their read began at
        `processed_at`), in one step: the ids of those still their claim, finished;
        the others are left as they are."""
        ...

    async def rearm(self, entry_id: int) -> bool:
        """A processing entry goes back to received, because a newer notification for its
        resource arrived while a worker was reading it; that worker's `finish` then fails
        and the entry is read again. False if it was not processing."""
        ...

    async def recovered_since(self, since: datetime) -> set[int]:
        """The sellers (MercadoLibre user ids) with a notification recovered from the
        missed feeds (origin `recovered`, §9.5) received at or after `since`: a
        notification MercadoLibre gave up delivering, so their data may be behind."""
        ...

    async def changed_since(
        self, user_id: int, topic: str, since: datetime, limit: int
    ) -> list[str]:
        """The resources of seller `user_id` that notifications of `topic` (live or
        recovered from the missed feeds) announced at or after `since`: at most `limit`,
        the most recently announced first, each once."""
        ...

    async def latest_processed_at(self, topic: str, resource: str) -> datetime | None:
        """The latest `processed_at` of the topic and resource: when the last read of the
        resource that was stored began."""
        ...

    async def latest_processed_many(
        self, keys: Collection[tuple[str, str]]
    ) -> dict[tuple[str, str], datetime]:
        """`latest_processed_at` of several (topic, resource) pairs in one read; pairs
        never processed are absent."""
        ...
