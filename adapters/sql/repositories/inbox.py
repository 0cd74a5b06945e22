"""The notification inbox in SQL: atomic claims and finishes that several workers race for."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import UTC, datetime

import attrs
from sqlalchemy import (
    ColumnElement,
    and_,
    case,
    func,
    or_,
    select,
    tuple_,
    update,
)

from adapters.sql.repositories.base import MAX_IN_IDS, JsonObject, Row, SqlRepository, page_of
from adapters.sql.tables import (
    PENDING_INBOX_STATUSES,
    webhooks,
)
from application.errors import Conflict, NotFound
from application.queries import (
    InboxQuery,
    Page,
)
from domain.notifications import RECOVERED, InboxEntry, InboxStatus, Notification


def inbox_entry_to_row(entry: InboxEntry) -> JsonObject:
    notification = entry.notification
    return {
        "notification_id": notification.id,
        "topic": notification.topic,
        "resource": notification.resource,
        "user_id": notification.user_id,
        "application_id": notification.application_id,
        "attempts": notification.attempts,
        "sent": notification.sent,
        "received": notification.received,
        "actions": list(notification.actions),
        "status": entry.status.value,
        "received_at": entry.received_at,
        "processing_attempts": entry.attempts,
        "last_error": entry.last_error,
        "processed_at": entry.processed_at,
        "next_attempt_at": entry.next_attempt_at,
        "origin": entry.origin,
        "failures": entry.failures,
    }


def inbox_entry_to_domain(row: Row) -> InboxEntry:
    return InboxEntry(
        id=row["id"],
        notification=Notification(
            id=row["notification_id"],
            topic=row["topic"],
            resource=row["resource"],
            user_id=row["user_id"],
            application_id=row["application_id"],
            attempts=row["attempts"],
            sent=row["sent"],
            received=row["received"],
            actions=tuple(row["actions"]),
        ),
        status=InboxStatus(row["status"]),
        received_at=row["received_at"],
        attempts=row["processing_attempts"],
        last_error=row["last_error"],
        processed_at=row["processed_at"],
        next_attempt_at=row["next_attempt_at"],
        origin=row["origin"],
        failures=row["failures"],
    )


_PENDING = list(PENDING_INBOX_STATUSES)


class SqlNotificationInbox(SqlRepository):
    async def add(self, entry: InboxEntry) -> tuple[InboxEntry, bool]:
        notification = entry.notification
        # Insert first: new notifications are the common case. The unique constraint and
        # the partial unique index make the dedupe hold between concurrent requests.
        # ON CONFLICT DO NOTHING cannot fail on either, so no savepoint is needed: this is
        # the notification endpoint's one statement, and every round trip counts (§9.4).
        for _ in range(2):
            statement = (
                self._insert(webhooks)
                .values(inbox_entry_to_row(entry))
                .on_conflict_do_nothing()
                .returning(webhooks.c.id)
            )
            new_id = (await self._execute(statement)).scalar_one_or_none()
            if new_id is not None:
                return attrs.evolve(entry, id=new_id), True
            row = await self._one(
                select(webhooks)
                .where(
                    or_(
                        webhooks.c.notification_id == notification.id,
                        and_(
                            webhooks.c.topic == notification.topic,
                            webhooks.c.resource == notification.resource,
                            webhooks.c.status.in_(_PENDING),
                        ),
                    )
                )
                .order_by((webhooks.c.notification_id == notification.id).desc(), webhooks.c.id)
                .limit(1)
            )
            if row is not None:
                return inbox_entry_to_domain(row), False
        raise Conflict(f"notification {notification.id} collides with an entry that moved on")

    async def add_many(self, entries: Sequence[InboxEntry]) -> list[tuple[InboxEntry, bool]]:
        """One multi-row insert for the whole batch, then one read for what it skipped:
        the notification endpoint's cost per notification shrinks as its load grows."""
        if len(entries) < 2:
            return [await self.add(entry) for entry in entries]
        # executemany with RETURNING: SQLAlchemy sends one multi-row INSERT from a single
        # cached compilation, whatever the size of the batch.
        inserted = await self._execute(
            self._insert(webhooks)
            .on_conflict_do_nothing()
            .returning(webhooks.c.id, webhooks.c.notification_id),
            [inbox_entry_to_row(entry) for entry in entries],
        )
        new_ids = {notification_id: new_id for new_id, notification_id in inserted.all()}
        results: list[tuple[InboxEntry, bool] | None] = []
        skipped = []
        for entry in entries:
            new_id = new_ids.pop(entry.notification.id, None)
            if new_id is not None:
                results.append((attrs.evolve(entry, id=new_id), True))
            else:
                results.append(None)
                skipped.append(entry)
        if skipped:
            rows = await self._all(
                select(webhooks).where(
                    or_(
                        webhooks.c.notification_id.in_({e.notification.id for e in skipped}),
                        *(
                            and_(
                                webhooks.c.topic == e.notification.topic,
                                webhooks.c.resource == e.notification.resource,
                                webhooks.c.status.in_(_PENDING),
                            )
                            for e in skipped
                        ),
                    )
                )
            )
            stored = [inbox_entry_to_domain(row) for row in rows]
            by_id = {s.notification.id: s for s in stored}
            pending = {
                (s.notification.topic, s.notification.resource): s
                for s in stored
                if s.status.value in PENDING_INBOX_STATUSES
            }
            for index, entry in enumerate(entries):
                if results[index] is not None:
                    continue
                notification = entry.notification
                found = by_id.get(notification.id) or pending.get(
                    (notification.topic, notification.resource)
                )
                # Moved on between the insert and the read: the one-by-one path decides.
                results[index] = (found, False) if found is not None else await self.add(entry)
        return [result for result in results if result is not None]

    async def get(self, entry_id: int) -> InboxEntry:
        row = await self._one(select(webhooks).where(webhooks.c.id == entry_id))
        if row is None:
            raise NotFound("notification", entry_id)
        return inbox_entry_to_domain(row)

    async def save(self, entry: InboxEntry) -> None:
        statement = (
            update(webhooks).where(webhooks.c.id == entry.id).values(inbox_entry_to_row(entry))
        )
        try:
            result = await self._write(statement)
        except Conflict:
            raise Conflict(
                f"another notification for {entry.notification.topic} "
                f"{entry.notification.resource} is already pending"
            ) from None
        if result.rowcount == 0:
            raise NotFound("notification", entry.id)

    async def search(self, query: InboxQuery) -> Page[InboxEntry]:
        conditions: list[ColumnElement[bool]] = []
        if query.status is not None:
            conditions.append(webhooks.c.status == query.status)
        if query.topic is not None:
            conditions.append(webhooks.c.topic == query.topic)
        statement = (
            select(webhooks)
            .where(*conditions)
            .order_by(webhooks.c.received_at.desc(), webhooks.c.id.desc())
            .offset(query.paging.offset)
            .limit(query.paging.limit)
        )
        items = [inbox_entry_to_domain(row) for row in await self._all(statement)]
        return page_of(items, await self._count(webhooks, conditions), query.paging)

    async def counts(self) -> dict[tuple[str, InboxStatus], int]:
        result = await self._execute(
            select(webhooks.c.topic, webhooks.c.status, func.count()).group_by(
                webhooks.c.topic, webhooks.c.status
            )
        )
        return {(topic, InboxStatus(status)): count for topic, status, count in result.all()}

    async def pending(
        self,
        received_before: datetime,
        limit: int,
        after: tuple[datetime, int] | None = None,
    ) -> Sequence[InboxEntry]:
        due = and_(
            webhooks.c.status.in_([InboxStatus.FAILED.value, InboxStatus.PROCESSING.value]),
            or_(
                webhooks.c.next_attempt_at.is_(None),
                webhooks.c.next_attempt_at <= received_before,
            ),
        )
        conditions = [
            webhooks.c.received_at < received_before,
            or_(webhooks.c.status == InboxStatus.RECEIVED.value, due),
        ]
        if after is not None:
            after_time, after_id = after
            conditions.append(
                or_(
                    webhooks.c.received_at > after_time,
                    and_(webhooks.c.received_at == after_time, webhooks.c.id > after_id),
                )
            )
        rows = await self._all(
            select(webhooks)
            .where(*conditions)
            .order_by(webhooks.c.received_at, webhooks.c.id)
            .limit(limit)
        )
        return [inbox_entry_to_domain(row) for row in rows]

    # Claims, finishes and re-arms move entries only within the pending statuses or out
    # of them, so they cannot break the pending-resource index: no savepoint needed.

    async def claim(self, entry_id: int, now: datetime, lease_until: datetime) -> InboxEntry | None:
        claimed = await self._claim([entry_id], now, lease_until)
        return claimed[0] if claimed else None

    async def claim_many(
        self, entry_ids: Sequence[int], now: datetime, lease_until: datetime
    ) -> Sequence[InboxEntry]:
        claimed: list[InboxEntry] = []
        ids = list(dict.fromkeys(entry_ids))
        for start in range(0, len(ids), MAX_IN_IDS):
            claimed.extend(await self._claim(ids[start : start + MAX_IN_IDS], now, lease_until))
        return claimed

    async def _claim(
        self, entry_ids: Sequence[int], now: datetime, lease_until: datetime
    ) -> list[InboxEntry]:
        if not entry_ids:
            return []
        due = or_(webhooks.c.next_attempt_at.is_(None), webhooks.c.next_attempt_at <= now)
        statement = (
            update(webhooks)
            .where(
                webhooks.c.id.in_(entry_ids)
                if len(entry_ids) > 1
                else webhooks.c.id == entry_ids[0],
                or_(
                    webhooks.c.status == InboxStatus.RECEIVED.value,
                    and_(
                        webhooks.c.status.in_(
                            [InboxStatus.FAILED.value, InboxStatus.PROCESSING.value]
                        ),
                        due,
                    ),
                ),
            )
            .values(
                status=InboxStatus.PROCESSING.value,
                # Every claim counts here (finish's token); the retry budget is `failures`,
                # moved by a finish of a failed read, and by taking over an entry whose
                # lease ran out: that read died, or outlived its lease (a re-armed entry
                # is `received`, so a burst costs nothing).
                processing_attempts=webhooks.c.processing_attempts + 1,
                failures=webhooks.c.failures
                + case((webhooks.c.status == InboxStatus.PROCESSING.value, 1), else_=0),
                next_attempt_at=lease_until,
            )
            .returning(*webhooks.c)
        )
        rows = (await self._execute(statement)).mappings().all()
        return [inbox_entry_to_domain(row) for row in rows]

    async def finish(self, entry: InboxEntry) -> bool:
        statement = (
            update(webhooks)
            .where(
                webhooks.c.id == entry.id,
                webhooks.c.status == InboxStatus.PROCESSING.value,
                webhooks.c.processing_attempts == entry.attempts,
            )
            .values(inbox_entry_to_row(entry))
        )
        return (await self._execute(statement)).rowcount == 1

    async def finish_processed(
        self, entries: Sequence[InboxEntry], processed_at: datetime
    ) -> set[int]:
        finished: set[int] = set()
        claims = [(entry.id, entry.attempts) for entry in entries if entry.id is not None]
        for start in range(0, len(claims), MAX_IN_IDS // 2):
            page = claims[start : start + MAX_IN_IDS // 2]
            statement = (
                update(webhooks)
                .where(
                    tuple_(webhooks.c.id, webhooks.c.processing_attempts).in_(page),
                    webhooks.c.status == InboxStatus.PROCESSING.value,
                )
                .values(
                    status=InboxStatus.PROCESSED.value,
                    processed_at=processed_at,
                    last_error=None,
                    next_attempt_at=None,
                )
                .returning(webhooks.c.id)
            )
            finished.update((await self._execute(statement)).scalars().all())
        return finished

    async def rearm(self, entry_id: int) -> bool:
        statement = (
            update(webhooks)
            .where(webhooks.c.id == entry_id, webhooks.c.status == InboxStatus.PROCESSING.value)
            .values(status=InboxStatus.RECEIVED.value)
        )
        return (await self._execute(statement)).rowcount == 1

    async def recovered_since(self, since: datetime) -> set[int]:
        # The partial index on received_at of the recovered entries serves it (0016).
        result = await self._execute(
            select(webhooks.c.user_id)
            .where(webhooks.c.origin == RECOVERED, webhooks.c.received_at >= since)
            .distinct()
        )
        return {int(user_id) for (user_id,) in result}

    async def changed_since(
        self, user_id: int, topic: str, since: datetime, limit: int
    ) -> list[str]:
        # The index on (user_id, topic, received_at) serves it (0016).
        latest = func.max(webhooks.c.received_at)
        result = await self._execute(
            select(webhooks.c.resource)
            .where(
                webhooks.c.user_id == user_id,
                webhooks.c.topic == topic,
                webhooks.c.received_at >= since,
            )
            .group_by(webhooks.c.resource)
            .order_by(latest.desc(), webhooks.c.resource.desc())
            .limit(limit)
        )
        return [resource for (resource,) in result]

    async def latest_processed_at(self, topic: str, resource: str) -> datetime | None:
        result = await self._execute(
            select(func.max(webhooks.c.processed_at)).where(
                webhooks.c.topic == topic,
                webhooks.c.resource == resource,
                webhooks.c.status == InboxStatus.PROCESSED.value,
            )
        )
        value = result.scalar_one_or_none()
        return None if value is None else _aware(value)

    async def latest_processed_many(
        self, keys: Collection[tuple[str, str]]
    ) -> dict[tuple[str, str], datetime]:
        wanted = list(dict.fromkeys(keys))
        found: dict[tuple[str, str], datetime] = {}
        for start in range(0, len(wanted), MAX_IN_IDS // 2):
            page = wanted[start : start + MAX_IN_IDS // 2]
            # By resource, then kept per (topic, resource): one IN list that the index
            # on (topic, resource, processed_at) serves.
            result = await self._execute(
                select(webhooks.c.topic, webhooks.c.resource, func.max(webhooks.c.processed_at))
                .where(
                    webhooks.c.resource.in_({resource for _, resource in page}),
                    webhooks.c.topic.in_({topic for topic, _ in page}),
                    webhooks.c.status == InboxStatus.PROCESSED.value,
                )
                .group_by(webhooks.c.topic, webhooks.c.resource)
            )
            asked = set(page)
            for topic, resource, value in result.all():
                if (topic, resource) in asked and value is not None:
                    found[(topic, resource)] = _aware(value)
        return found


def _aware(value: datetime) -> datetime:
    # func.max loses the column type on SQLite, where the text comes back naive.
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value
