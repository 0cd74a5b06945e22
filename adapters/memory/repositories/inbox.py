from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence
from datetime import datetime

import attrs

from adapters.memory.repositories.base import InMemoryRepository, LockRow, page_of
from adapters.memory.store import (
    INBOX,
    PENDING_INBOX_STATUSES,
    InMemoryStore,
    StagedChanges,
    private_copy,
)
from application.errors import NotFound
from application.queries import (
    InboxQuery,
    Page,
)
from domain.notifications import RECOVERED, InboxEntry, InboxStatus


def _claimable(entry: InboxEntry, now: datetime) -> bool:
    if entry.status is InboxStatus.RECEIVED:
        return True
    if entry.status in (InboxStatus.FAILED, InboxStatus.PROCESSING):
        return entry.next_attempt_at is None or entry.next_attempt_at <= now
    return False


class InMemoryNotificationInbox(InMemoryRepository):
    def __init__(
        self, store: InMemoryStore, staged: StagedChanges, lock_row: LockRow | None = None
    ) -> None:
        super().__init__(store, staged)
        self._lock_row = lock_row

    async def _lock(self, entry_id: int | None) -> None:
        # Claims, finishes and re-arms hold the row until commit, as UPDATE does on
        # PostgreSQL: a concurrent one then sees what the first committed.
        if self._lock_row is not None and entry_id is not None:
            await self._lock_row(INBOX, entry_id)

    async def claim(self, entry_id: int, now: datetime, lease_until: datetime) -> InboxEntry | None:
        await self._lock(entry_id)
        stored = self._staged.get(INBOX, entry_id)
        if stored is None or not _claimable(stored, now):
            return None
        claimed = private_copy(stored)
        if stored.status is InboxStatus.PROCESSING:
            claimed.failures += 1  # a takeover: that read died or outlived its lease
        claimed.move_to(InboxStatus.PROCESSING, now)
        claimed.next_attempt_at = lease_until
        self._staged.put(INBOX, entry_id, claimed)
        return private_copy(claimed)

    async def finish(self, entry: InboxEntry) -> bool:
        await self._lock(entry.id)
        stored = self._staged.get(INBOX, entry.id)
        if (
            stored is None
            or stored.status is not InboxStatus.PROCESSING
            or stored.attempts != entry.attempts
        ):
            return False
        self._staged.put(INBOX, entry.id, entry)
        return True

    async def finish_processed(
        self, entries: Sequence[InboxEntry], processed_at: datetime
    ) -> set[int]:
        finished = set()
        for entry in entries:
            done = attrs.evolve(entry)
            if done.status is not InboxStatus.PROCESSED:
                done.move_to(InboxStatus.PROCESSED, processed_at)
            if done.id is not None and await self.finish(done):
                finished.add(done.id)
        return finished

    async def rearm(self, entry_id: int) -> bool:
        await self._lock(entry_id)
        stored = self._staged.get(INBOX, entry_id)
        if stored is None or stored.status is not InboxStatus.PROCESSING:
            return False
        self._staged.put(INBOX, entry_id, attrs.evolve(stored, status=InboxStatus.RECEIVED))
        return True

    async def recovered_since(self, since: datetime) -> set[int]:
        return {
            entry.notification.user_id
            for entry in self._staged.values(INBOX)
            if entry.origin == RECOVERED and entry.received_at >= since
        }

    async def changed_since(
        self, user_id: int, topic: str, since: datetime, limit: int
    ) -> list[str]:
        latest: dict[str, datetime] = {}
        for entry in self._staged.values(INBOX):
            notification = entry.notification
            if (
                notification.user_id == user_id
                and notification.topic == topic
                and entry.received_at >= since
            ):
                resource = notification.resource
                latest[resource] = max(latest.get(resource, entry.received_at), entry.received_at)
        ordered = sorted(latest, key=lambda resource: (latest[resource], resource), reverse=True)
        return ordered[:limit]

    async def latest_processed_at(self, topic: str, resource: str) -> datetime | None:
        times = [
            entry.processed_at
            for entry in self._staged.values(INBOX)
            if entry.status is InboxStatus.PROCESSED
            and entry.processed_at is not None
            and entry.notification.topic == topic
            and entry.notification.resource == resource
        ]
        return max(times, default=None)

    async def latest_processed_many(
        self, keys: Collection[tuple[str, str]]
    ) -> dict[tuple[str, str], datetime]:
        wanted = set(keys)
        found: dict[tuple[str, str], datetime] = {}
        for entry in self._staged.values(INBOX):
            key = (entry.notification.topic, entry.notification.resource)
            if (
                key in wanted
                and entry.status is InboxStatus.PROCESSED
                and entry.processed_at is not None
                and (key not in found or entry.processed_at > found[key])
            ):
                found[key] = entry.processed_at
        return found

    async def claim_many(
        self, entry_ids: Sequence[int], now: datetime, lease_until: datetime
    ) -> Sequence[InboxEntry]:
        claimed = []
        for entry_id in dict.fromkeys(entry_ids):
            entry = await self.claim(entry_id, now, lease_until)
            if entry is not None:
                claimed.append(entry)
        return claimed

    async def add(self, entry: InboxEntry) -> tuple[InboxEntry, bool]:
        notification = entry.notification
        same_resource = None
        for stored in self._staged.values(INBOX):
            if stored.notification.id == notification.id:
                return private_copy(stored), False
            if (
                same_resource is None
                and stored.status in PENDING_INBOX_STATUSES
                and stored.notification.topic == notification.topic
                and stored.notification.resource == notification.resource
            ):
                same_resource = stored
        if same_resource is not None:
            return private_copy(same_resource), False
        stored = attrs.evolve(entry, id=self._store.next_id(INBOX))
        self._staged.put(INBOX, stored.id, stored)
        return private_copy(stored), True

    async def add_many(self, entries: Sequence[InboxEntry]) -> list[tuple[InboxEntry, bool]]:
        return [await self.add(entry) for entry in entries]

    async def get(self, entry_id: int) -> InboxEntry:
        return self._get(INBOX, entry_id, "notification")

    async def save(self, entry: InboxEntry) -> None:
        if entry.id is None or self._staged.get(INBOX, entry.id) is None:
            raise NotFound("notification", entry.id)
        self._staged.put(INBOX, entry.id, entry)

    async def search(self, query: InboxQuery) -> Page[InboxEntry]:
        found = [
            entry
            for entry in self._staged.values(INBOX)
            if (query.status is None or entry.status == query.status)
            and (query.topic is None or entry.notification.topic == query.topic)
        ]
        found.sort(key=lambda entry: (entry.received_at, entry.id), reverse=True)
        return page_of(found, query.paging)

    async def counts(self) -> dict[tuple[str, InboxStatus], int]:
        return dict(
            Counter(
                (entry.notification.topic, entry.status) for entry in self._staged.values(INBOX)
            )
        )

    async def pending(
        self,
        received_before: datetime,
        limit: int,
        after: tuple[datetime, int] | None = None,
    ) -> Sequence[InboxEntry]:
        def waiting(entry: InboxEntry) -> bool:
            if entry.received_at >= received_before:
                return False
            if after is not None and (entry.received_at, entry.id) <= after:
                return False
            if entry.status is InboxStatus.RECEIVED:
                return True
            return entry.status in (InboxStatus.FAILED, InboxStatus.PROCESSING) and (
                entry.next_attempt_at is None or entry.next_attempt_at <= received_before
            )

        found = [entry for entry in self._staged.values(INBOX) if waiting(entry)]
        found.sort(key=lambda entry: (entry.received_at, entry.id))
        return [private_copy(entry) for entry in found[:limit]]
