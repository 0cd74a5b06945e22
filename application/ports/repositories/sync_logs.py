"""Sync logs: one row per sync run, from its request to its end. Repository conventions:
see application.ports.repositories.accounts.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from application.queries import (
    Page,
    SyncLogQuery,
)
from domain.sync import SyncKind, SyncLog


class SyncLogRepository(Protocol):
    async def add(self, log: SyncLog) -> SyncLog:
        """Store a new run and return it with its id. Raises Conflict when it runs again
        an abandoned run (`retry_of`) that already has a successor: one at most."""
        ...

    async def save(self, log: SyncLog) -> None: ...

    async def get(self, log_id: int) -> SyncLog: ...

    async def search(self, query: SyncLogQuery) -> Page[SyncLog]:
        """Runs matching the query, newest first."""
        ...

    # The life of a run asked for through the queue (domain.sync); several workers and
    # the sweep race for these, so each is one atomic step.

    async def find_queued(self, account_id: int, kind: SyncKind) -> SyncLog | None:
        """The oldest run of this kind still queued for the account, or None."""
        ...

    async def claim(self, log_id: int, now: datetime, lease_until: datetime) -> SyncLog | None:
        """Move a queued run to running for this worker (started `now`, leased until
        `lease_until`) and return it; None when it is not queued (another worker took
        it, or it ended). Of two concurrent claims, one wins."""
        ...

    async def renew(self, log_id: int, lease_until: datetime) -> bool:
        """Extend the lease of a running run; False when it is no longer running."""
        ...

    async def save_running(self, log: SyncLog) -> bool:
        """Store a run this worker holds (its progress or its end, lease included) only
        while it is still stored as running; False, and nothing stored, when it was
        closed meanwhile (abandoned once its lease ran out)."""
        ...

    async def abandon(self, log_id: int, reason: str, lease_ended_by: datetime) -> SyncLog | None:
        """Close as abandoned a running run whose lease ended at or before
        `lease_ended_by` (its worker stopped): finished when its lease ended, the reason
        recorded. The closed run, or None when it is not such a run (it ended, or its
        worker renewed the lease). Of two concurrent calls, one wins."""
        ...

    async def queued(
        self, requested_before: datetime, limit: int, after: tuple[datetime, int] | None = None
    ) -> Sequence[SyncLog]:
        """Queued runs requested before a time, oldest first (requested_at, id), after
        the (requested_at, id) of the previous page's last: what a sweep queues again."""
        ...

    async def unfinished(self, ended_by: datetime, limit: int) -> Sequence[SyncLog]:
        """Requests a worker left unfinished, oldest first: running runs whose lease
        ended by `ended_by`, and abandoned runs (ended by then) that may run again
        (SyncLog.may_run_again) and have no successor yet."""
        ...
