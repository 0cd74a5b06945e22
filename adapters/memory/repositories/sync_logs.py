from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import attrs

from adapters.memory.repositories.base import InMemoryRepository, LockRow, page_of
from adapters.memory.store import (
    SYNC_LOGS,
    InMemoryStore,
    StagedChanges,
    private_copy,
)
from application.errors import NotFound
from application.queries import (
    Page,
    SyncLogQuery,
)
from domain.sync import SyncKind, SyncLog, SyncStatus


class InMemorySyncLogRepository(InMemoryRepository):
    def __init__(
        self, store: InMemoryStore, staged: StagedChanges, lock_row: LockRow | None = None
    ) -> None:
        super().__init__(store, staged)
        self._lock_row = lock_row

    async def _lock(self, log_id: int | None) -> None:
        # Claims, renewals and abandonments hold the row until commit, as UPDATE does on
        # PostgreSQL: a concurrent one then sees what the first committed.
        if self._lock_row is not None and log_id is not None:
            await self._lock_row(SYNC_LOGS, log_id)

    async def add(self, log: SyncLog) -> SyncLog:
        self._require_account(log.account_id)
        stored = attrs.evolve(log, id=self._store.next_id(SYNC_LOGS))
        self._staged.put(SYNC_LOGS, stored.id, stored)
        return private_copy(stored)

    async def save(self, log: SyncLog) -> None:
        if log.id is None or self._staged.get(SYNC_LOGS, log.id) is None:
            raise NotFound("sync log", log.id)
        self._require_account(log.account_id)
        self._staged.put(SYNC_LOGS, log.id, log)

    async def get(self, log_id: int) -> SyncLog:
        return self._get(SYNC_LOGS, log_id, "sync log")

    async def search(self, query: SyncLogQuery) -> Page[SyncLog]:
        found = [
            log
            for log in self._staged.values(SYNC_LOGS)
            if (query.account_id is None or log.account_id == query.account_id)
            and (query.kind is None or log.kind == query.kind)
        ]
        found.sort(key=lambda log: (log.started_at, log.id), reverse=True)
        return page_of(found, query.paging)

    async def find_queued(self, account_id: int, kind: SyncKind) -> SyncLog | None:
        found = [
            log
            for log in self._staged.values(SYNC_LOGS)
            if log.status is SyncStatus.QUEUED and log.account_id == account_id and log.kind == kind
        ]
        found.sort(key=lambda log: (log.requested_at, log.id))
        return private_copy(found[0]) if found else None

    async def claim(self, log_id: int, now: datetime, lease_until: datetime) -> SyncLog | None:
        await self._lock(log_id)
        stored = self._staged.get(SYNC_LOGS, log_id)
        if stored is None or stored.status is not SyncStatus.QUEUED:
            return None
        claimed = private_copy(stored)
        claimed.start(now, lease_until)
        self._staged.put(SYNC_LOGS, log_id, claimed)
        return private_copy(claimed)

    async def renew(self, log_id: int, lease_until: datetime) -> bool:
        await self._lock(log_id)
        stored = self._staged.get(SYNC_LOGS, log_id)
        if stored is None or stored.status is not SyncStatus.RUNNING:
            return False
        self._staged.put(SYNC_LOGS, log_id, attrs.evolve(stored, lease_until=lease_until))
        return True

    async def save_running(self, log: SyncLog) -> bool:
        await self._lock(log.id)
        stored = None if log.id is None else self._staged.get(SYNC_LOGS, log.id)
        if stored is None or stored.status is not SyncStatus.RUNNING:
            return False
        self._staged.put(SYNC_LOGS, log.id, log)
        return True

    async def abandon(self, log_id: int, reason: str, lease_ended_by: datetime) -> SyncLog | None:
        await self._lock(log_id)
        stored = self._staged.get(SYNC_LOGS, log_id)
        if stored is None or not stored.lease_expired(lease_ended_by):
            return None
        abandoned = private_copy(stored)
        abandoned.abandon(stored.lease_until, reason)
        self._staged.put(SYNC_LOGS, log_id, abandoned)
        return private_copy(abandoned)

    async def queued(
        self, requested_before: datetime, limit: int, after: tuple[datetime, int] | None = None
    ) -> Sequence[SyncLog]:
        found = [
            log
            for log in self._staged.values(SYNC_LOGS)
            if log.status is SyncStatus.QUEUED
            and log.requested_at is not None
            and log.requested_at < requested_before
            and (after is None or (log.requested_at, log.id) > after)
        ]
        found.sort(key=lambda log: (log.requested_at, log.id))
        return [private_copy(log) for log in found[:limit]]

    async def unfinished(self, ended_by: datetime, limit: int) -> Sequence[SyncLog]:
        logs = list(self._staged.values(SYNC_LOGS))
        followed = {log.retry_of for log in logs if log.retry_of is not None}
        found = [
            log
            for log in logs
            if log.lease_expired(ended_by)
            or (
                log.may_run_again
                and log.finished_at is not None
                and log.finished_at <= ended_by
                and log.id not in followed
            )
        ]
        found.sort(key=lambda log: log.id)
        return [private_copy(log) for log in found[:limit]]
