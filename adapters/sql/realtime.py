"""SQL repositories of the real-time pipeline (issue 7): resource snapshots, dead letters,
subscriptions and the delivery log, with their row mappings."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import attrs
from sqlalchemy import ColumnElement, and_, or_, select, update

from adapters.sql.repositories import _page, _SqlRepository
from adapters.sql.tables import dead_letters, resources, subscriptions, webhook_deliveries
from application.errors import NotFound
from application.queries import DeadLetterQuery, DeliveryQuery, Page, ResourceQuery
from domain.dead_letters import DeadLetter, DeadLetterSource
from domain.resources import ResourceSnapshot
from domain.subscriptions import (
    ANY_TOPIC,
    DeliveryStatus,
    Subscription,
    WebhookDelivery,
    canonical_topic,
)

Row = Any


def snapshot_to_row(snapshot: ResourceSnapshot) -> dict[str, Any]:
    return {
        "path": snapshot.path,
        "topic": snapshot.topic,
        "account_id": snapshot.account_id,
        "body": dict(snapshot.body),
        "fetched_at": snapshot.fetched_at,
    }


def snapshot_to_domain(row: Row) -> ResourceSnapshot:
    return ResourceSnapshot(
        path=row["path"],
        body=row["body"],
        fetched_at=row["fetched_at"],
        topic=row["topic"],
        account_id=row["account_id"],
    )


def dead_letter_to_row(letter: DeadLetter) -> dict[str, Any]:
    return {
        "source": letter.source.value,
        "reference": letter.reference,
        "topic": letter.topic,
        "account_id": letter.account_id,
        "error": letter.error,
        "attempts": letter.attempts,
        "failed_at": letter.failed_at,
        "replayed_at": letter.replayed_at,
    }


def dead_letter_to_domain(row: Row) -> DeadLetter:
    return DeadLetter(
        id=row["id"],
        source=DeadLetterSource(row["source"]),
        reference=row["reference"],
        topic=row["topic"],
        account_id=row["account_id"],
        error=row["error"],
        attempts=row["attempts"],
        failed_at=row["failed_at"],
        replayed_at=row["replayed_at"],
    )


def subscription_to_row(subscription: Subscription) -> dict[str, Any]:
    return {
        "topic": subscription.topic,
        "callback_url": subscription.callback_url,
        "secret_ciphertext": subscription.sealed_secret,
        "created_at": subscription.created_at,
        "deleted_at": subscription.deleted_at,
    }


def subscription_to_domain(row: Row) -> Subscription:
    return Subscription(
        id=row["id"],
        topic=row["topic"],
        callback_url=row["callback_url"],
        sealed_secret=row["secret_ciphertext"],
        created_at=row["created_at"],
        deleted_at=row["deleted_at"],
    )


def delivery_to_row(delivery: WebhookDelivery) -> dict[str, Any]:
    return {
        "subscription_id": delivery.subscription_id,
        "event_id": delivery.event_id,
        "topic": delivery.topic,
        "payload": dict(delivery.payload),
        "status": delivery.status.value,
        "attempts": delivery.attempts,
        "last_status": delivery.last_status,
        "last_error": delivery.last_error,
        "next_attempt_at": delivery.next_attempt_at,
        "created_at": delivery.created_at,
        "delivered_at": delivery.delivered_at,
    }


def delivery_to_domain(row: Row) -> WebhookDelivery:
    return WebhookDelivery(
        id=row["id"],
        subscription_id=row["subscription_id"],
        event_id=row["event_id"],
        topic=row["topic"],
        payload=row["payload"],
        status=DeliveryStatus(row["status"]),
        attempts=row["attempts"],
        last_status=row["last_status"],
        last_error=row["last_error"],
        next_attempt_at=row["next_attempt_at"],
        created_at=row["created_at"],
        delivered_at=row["delivered_at"],
    )


class SqlResourceSnapshotRepository(_SqlRepository):
    async def upsert(self, snapshot: ResourceSnapshot) -> bool:
        insert = self._insert(resources).values(snapshot_to_row(snapshot))
        statement = insert.on_conflict_do_update(
            index_elements=[resources.c.path],
            set_={c.name: insert.excluded[c.name] for c in resources.columns if c.name != "path"},
            # Newest read wins, whatever order the reads are stored in.
            where=resources.c.fetched_at <= insert.excluded.fetched_at,
        ).returning(resources.c.path)
        return (await self._write(statement)).scalar_one_or_none() is not None

    async def find(self, path: str) -> ResourceSnapshot | None:
        row = await self._one(select(resources).where(resources.c.path == path))
        return None if row is None else snapshot_to_domain(row)

    async def search(self, query: ResourceQuery) -> Page[ResourceSnapshot]:
        conditions: list[ColumnElement[bool]] = []
        if query.topic is not None:
            conditions.append(resources.c.topic == query.topic)
        if query.account_id is not None:
            conditions.append(resources.c.account_id == query.account_id)
        statement = (
            select(resources)
            .where(*conditions)
            .order_by(self._binary(resources.c.path))
            .offset(query.paging.offset)
            .limit(query.paging.limit)
        )
        items = [snapshot_to_domain(row) for row in await self._all(statement)]
        return _page(items, await self._count(resources, conditions), query.paging)


class SqlDeadLetterRepository(_SqlRepository):
    async def add(self, letter: DeadLetter) -> DeadLetter:
        statement = (
            dead_letters.insert().values(dead_letter_to_row(letter)).returning(dead_letters.c.id)
        )
        new_id = (await self._write(statement)).scalar_one()
        return attrs.evolve(letter, id=new_id)

    async def get(self, letter_id: int) -> DeadLetter:
        row = await self._one(select(dead_letters).where(dead_letters.c.id == letter_id))
        if row is None:
            raise NotFound("dead letter", letter_id)
        return dead_letter_to_domain(row)

    async def mark_replayed(self, letter_id: int, now: datetime) -> bool:
        # On PostgreSQL a concurrent UPDATE of the row waits for this transaction, then
        # finds replayed_at set; on SQLite the write lock serialises the transactions.
        result = await self._write(
            update(dead_letters)
            .where(dead_letters.c.id == letter_id, dead_letters.c.replayed_at.is_(None))
            .values(replayed_at=now)
        )
        return result.rowcount == 1

    async def search(self, query: DeadLetterQuery) -> Page[DeadLetter]:
        conditions: list[ColumnElement[bool]] = []
        if query.source is not None:
            conditions.append(dead_letters.c.source == query.source)
        if query.replayed is not None:
            replayed_at = dead_letters.c.replayed_at
            conditions.append(replayed_at.is_not(None) if query.replayed else replayed_at.is_(None))
        if query.account_id is not None:
            conditions.append(dead_letters.c.account_id == query.account_id)
        statement = (
            select(dead_letters)
            .where(*conditions)
            .order_by(dead_letters.c.failed_at.desc(), dead_letters.c.id.desc())
            .offset(query.paging.offset)
            .limit(query.paging.limit)
        )
        items = [dead_letter_to_domain(row) for row in await self._all(statement)]
        return _page(items, await self._count(dead_letters, conditions), query.paging)

    async def count_open(self) -> int:
        return await self._count(dead_letters, [dead_letters.c.replayed_at.is_(None)])


class SqlSubscriptionRepository(_SqlRepository):
    async def add(self, subscription: Subscription) -> Subscription:
        statement = (
            subscriptions.insert()
            .values(subscription_to_row(subscription))
            .returning(subscriptions.c.id)
        )
        new_id = (await self._write(statement)).scalar_one()
        return attrs.evolve(subscription, id=new_id)

    async def get(self, subscription_id: int) -> Subscription:
        row = await self._one(select(subscriptions).where(subscriptions.c.id == subscription_id))
        if row is None:
            raise NotFound("subscription", subscription_id)
        return subscription_to_domain(row)

    async def save(self, subscription: Subscription) -> None:
        result = await self._write(
            update(subscriptions)
            .where(subscriptions.c.id == subscription.id)
            .values(subscription_to_row(subscription))
        )
        if result.rowcount == 0:
            raise NotFound("subscription", subscription.id)

    async def list(self) -> Sequence[Subscription]:
        rows = await self._all(
            select(subscriptions)
            .where(subscriptions.c.deleted_at.is_(None))
            .order_by(subscriptions.c.id)
        )
        return [subscription_to_domain(row) for row in rows]

    async def matching(self, topic: str) -> Sequence[Subscription]:
        rows = await self._all(
            select(subscriptions)
            .where(
                subscriptions.c.deleted_at.is_(None),
                subscriptions.c.topic.in_([canonical_topic(topic), ANY_TOPIC]),
            )
            .order_by(subscriptions.c.id)
        )
        return [subscription_to_domain(row) for row in rows]


def _due(now: datetime) -> ColumnElement[bool]:
    return and_(
        webhook_deliveries.c.status == DeliveryStatus.PENDING.value,
        or_(
            webhook_deliveries.c.next_attempt_at.is_(None),
            webhook_deliveries.c.next_attempt_at <= now,
        ),
    )


class SqlWebhookDeliveryRepository(_SqlRepository):
    async def add(self, delivery: WebhookDelivery) -> tuple[WebhookDelivery, bool]:
        statement = (
            self._insert(webhook_deliveries)
            .values(delivery_to_row(delivery))
            .on_conflict_do_nothing(
                index_elements=[
                    webhook_deliveries.c.subscription_id,
                    webhook_deliveries.c.event_id,
                ]
            )
            .returning(webhook_deliveries.c.id)
        )
        new_id = (await self._write(statement)).scalar_one_or_none()
        if new_id is not None:
            return attrs.evolve(delivery, id=new_id), True
        row = await self._one(
            select(webhook_deliveries).where(
                webhook_deliveries.c.subscription_id == delivery.subscription_id,
                webhook_deliveries.c.event_id == delivery.event_id,
            )
        )
        assert row is not None
        return delivery_to_domain(row), False

    async def get(self, delivery_id: int) -> WebhookDelivery:
        row = await self._one(
            select(webhook_deliveries).where(webhook_deliveries.c.id == delivery_id)
        )
        if row is None:
            raise NotFound("delivery", delivery_id)
        return delivery_to_domain(row)

    async def save(self, delivery: WebhookDelivery) -> None:
        result = await self._write(
            update(webhook_deliveries)
            .where(webhook_deliveries.c.id == delivery.id)
            .values(delivery_to_row(delivery))
        )
        if result.rowcount == 0:
            raise NotFound("delivery", delivery.id)

    async def claim(
        self, delivery_id: int, now: datetime, lease_until: datetime
    ) -> WebhookDelivery | None:
        statement = (
            update(webhook_deliveries)
            .where(webhook_deliveries.c.id == delivery_id, _due(now))
            .values(next_attempt_at=lease_until)
            .returning(*webhook_deliveries.c)
        )
        row = (await self._execute(statement)).mappings().first()
        return None if row is None else delivery_to_domain(row)

    async def due(
        self, before: datetime, limit: int, after: tuple[datetime, int] | None = None
    ) -> Sequence[WebhookDelivery]:
        conditions = [webhook_deliveries.c.created_at < before, _due(before)]
        if after is not None:
            after_time, after_id = after
            conditions.append(
                or_(
                    webhook_deliveries.c.created_at > after_time,
                    and_(
                        webhook_deliveries.c.created_at == after_time,
                        webhook_deliveries.c.id > after_id,
                    ),
                )
            )
        rows = await self._all(
            select(webhook_deliveries)
            .where(*conditions)
            .order_by(webhook_deliveries.c.created_at, webhook_deliveries.c.id)
            .limit(limit)
        )
        return [delivery_to_domain(row) for row in rows]

    async def search(self, query: DeliveryQuery) -> Page[WebhookDelivery]:
        conditions: list[ColumnElement[bool]] = []
        if query.subscription_id is not None:
            conditions.append(webhook_deliveries.c.subscription_id == query.subscription_id)
        if query.status is not None:
            conditions.append(webhook_deliveries.c.status == query.status)
        statement = (
            select(webhook_deliveries)
            .where(*conditions)
            .order_by(webhook_deliveries.c.created_at.desc(), webhook_deliveries.c.id.desc())
            .offset(query.paging.offset)
            .limit(query.paging.limit)
        )
        items = [delivery_to_domain(row) for row in await self._all(statement)]
        return _page(items, await self._count(webhook_deliveries, conditions), query.paging)
