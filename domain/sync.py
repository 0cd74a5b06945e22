"""A record of every synchronisation run, whoever started it."""

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
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    PARTIAL = "partial"  # finished, but some records failed
    FAILED = "failed"


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

    @property
    def duration_seconds(self) -> float | None:
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()
