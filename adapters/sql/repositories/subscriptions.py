"""Outbound subscriptions and their deliveries in SQL."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import attrs
from sqlalchemy import (
    ColumnElement,
    and_,
    or_,
    select,
    update,
)

from adapters.sql.repositories.base import Row, SqlRepository, page_of
from adapters.sql.tables import (
    subscriptions,
    webhook_deliveries,
)
from application.errors import NotFound
from application.queries import (
    DeliveryQuery,
    Page,
)
from domain.subscriptions import (
    ANY_TOPIC,
    DeliveryStatus,
    Subscription,
    WebhookDelivery,
    canonical_topic,
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


def _due(now: datetime) -> ColumnElement[bool]:
    return and_(
        webhook_deliveries.c.status == DeliveryStatus.PENDING.value,
        or_(
            webhook_deliveries.c.next_attempt_at.is_(None),
            webhook_deliveries.c.next_attempt_at <= now,
        ),
    )


class SqlSubscriptionRepository(SqlRepository):
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


class SqlWebhookDeliveryRepository(SqlRepository):
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
        return page_of(items, await self._count(webhook_deliveries, conditions), query.paging)
