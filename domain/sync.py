"""A record of every synchronisation run, whoever started it.

A run asked for through the queue (REST, CLI, the schedule, a connect, a replay) is a
log first: `queued`, with the time it was requested. A worker claims it (`running`)
under a lease it renews while it works; the run ends `succeeded`, `partial` or `failed`.
A run whose worker stopped before it ended (killed, shut down, its lease run out) is
`abandoned`, and the request stands: it gets one successor (`retry_of`), at most
MAX_ATTEMPTS in all.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import attrs

from domain.common import aware, storable_text
from domain.errors import InvalidTransition

MAX_RECORDED_ERRORS = 50


class SyncKind(StrEnum):
    PRODUCTS = "products"
    INVENTORY = "inventory"
    ORDERS = "orders"
    QUESTIONS = "questions"
    MESSAGES = "messages"
    TOKENS = "tokens"
    ITEM = "item"
    MISSED_FEEDS = "missed_feeds"  # notifications read back from GET /missed_feeds (§9.5)


class SyncTrigger(StrEnum):
    SCHEDULE = "schedule"
    API = "api"
    CLI = "cli"
    NOTIFICATION = "notification"
    CONNECT = "connect"


class SyncStatus(StrEnum):
    QUEUED = "queued"  # requested; no worker has started it yet
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    PARTIAL = "partial"  # finished, but some records failed
    FAILED = "failed"
    ABANDONED = "abandoned"  # its worker stopped before it ended; run again once


# A request abandoned this many times is not run again (a run that kills its worker).
MAX_ATTEMPTS = 3


@attrs.define
class SyncLog:
    kind: SyncKind
    trigger: SyncTrigger
    started_at: datetime = attrs.field(validator=aware)
    account_id: int | None = None
    id: int | None = None
    status: SyncStatus = SyncStatus.RUNNING
    finished_at: datetime | None = attrs.field(default=None, validator=aware)
    counts: dict[str, int] = attrs.field(factory=dict)
    errors: list[str] = attrs.field(factory=list)
    api_calls: int = 0
    # When it was asked for through the queue; None for a run started directly.
    requested_at: datetime | None = attrs.field(default=None, validator=aware)
    # Until when the worker running it holds it (renewed while it works).
    lease_until: datetime | None = attrs.field(default=None, validator=aware)
    retry_of: int | None = None  # the abandoned run this one runs again
    attempt: int = 1

    @classmethod
    def requested(
        cls,
        kind: SyncKind,
        trigger: SyncTrigger,
        now: datetime,
        account_id: int,
        retry_of: SyncLog | None = None,
    ) -> SyncLog:
        """A run asked for, waiting for a worker (`retry_of`: the abandoned run it runs
        again)."""
        return cls(
            kind,
            trigger,
            now,
            account_id=account_id,
            status=SyncStatus.QUEUED,
            requested_at=now,
            retry_of=None if retry_of is None else retry_of.id,
            attempt=1 if retry_of is None else retry_of.attempt + 1,
        )

    def start(self, now: datetime, lease_until: datetime) -> None:
        """A worker took the queued run."""
        if self.status is not SyncStatus.QUEUED:
            raise InvalidTransition("sync", self.status.value, "started")
        self.status = SyncStatus.RUNNING
        self.started_at = now
        self.lease_until = lease_until

    def lease_expired(self, now: datetime) -> bool:
        """Running under a lease that ran out: its worker stopped without ending it."""
        return (
            self.status is SyncStatus.RUNNING
            and self.lease_until is not None
            and self.lease_until <= now
        )

    @property
    def finished(self) -> bool:
        return self.status not in (SyncStatus.QUEUED, SyncStatus.RUNNING)

    @property
    def may_run_again(self) -> bool:
        """Abandoned, asked for through the queue, and not yet run MAX_ATTEMPTS times."""
        return (
            self.status is SyncStatus.ABANDONED
            and self.requested_at is not None
            and self.attempt < MAX_ATTEMPTS
        )

    def abandon(self, now: datetime, reason: str) -> None:
        """Its worker stopped before it ended (the reason says how)."""
        if self.status is not SyncStatus.RUNNING:
            raise InvalidTransition("sync", self.status.value, "abandoned")
        self.record_error(reason)
        self.status = SyncStatus.ABANDONED
        self.finished_at = now
        self.lease_until = None

    def count(self, name: str, increment: int = 1) -> None:
        self.counts[name] = self.counts.get(name, 0) + increment

    def record_error(self, error: str) -> None:
        self.count("errors")
        if len(self.errors) < MAX_RECORDED_ERRORS:
            # An error may quote the value that could not be stored; the log must store.
            self.errors.append(storable_text(error[:500]))

    def finish(self, now: datetime, failure: str | None = None) -> None:
        if self.status is not SyncStatus.RUNNING:
            raise InvalidTransition("sync", self.status.value, "finished")
        if failure is not None:
            self.record_error(failure)
            self.status = SyncStatus.FAILED
        elif self.counts.get("errors"):
            self.status = SyncStatus.PARTIAL
        else:
            self.status = SyncStatus.SUCCEEDED
        self.finished_at = now
        self.lease_until = None

    @property
    def duration_seconds(self) -> float | None:
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()
