from __future__ import annotations

from collections.abc import Hashable, Sequence
from datetime import datetime

import attrs

from adapters.memory.repositories.base import InMemoryRepository, LockRow, page_of
from adapters.memory.store import (
    DELIVERIES,
    SUBSCRIPTIONS,
    InMemoryStore,
    StagedChanges,
    private_copy,
)
from application.errors import Conflict, NotFound
from application.queries import (
    DeliveryQuery,
    Page,
)
from domain.subscriptions import DeliveryStatus, Subscription, WebhookDelivery


class InMemorySubscriptionRepository(InMemoryRepository):
    async def add(self, subscription: Subscription) -> Subscription:
        stored = attrs.evolve(subscription, id=self._store.next_id(SUBSCRIPTIONS))
        self._staged.put(SUBSCRIPTIONS, stored.id, stored)
        return private_copy(stored)

    async def get(self, subscription_id: int) -> Subscription:
        return self._get(SUBSCRIPTIONS, subscription_id, "subscription")

    async def save(self, subscription: Subscription) -> None:
        if subscription.id is None or self._staged.get(SUBSCRIPTIONS, subscription.id) is None:
            raise NotFound("subscription", subscription.id)
        self._staged.put(SUBSCRIPTIONS, subscription.id, subscription)

    async def list(self) -> Sequence[Subscription]:
        found = [s for s in self._staged.values(SUBSCRIPTIONS) if s.deleted_at is None]
        return [private_copy(s) for s in sorted(found, key=lambda s: s.id)]

    async def matching(self, topic: str) -> Sequence[Subscription]:
        found = [s for s in self._staged.values(SUBSCRIPTIONS) if s.matches(topic)]
        return [private_copy(s) for s in sorted(found, key=lambda s: s.id)]


def _due(delivery: WebhookDelivery, now: datetime) -> bool:
    return delivery.status is DeliveryStatus.PENDING and (
        delivery.next_attempt_at is None or delivery.next_attempt_at <= now
    )


class InMemoryWebhookDeliveryRepository(InMemoryRepository):
    def __init__(self, store: InMemoryStore, staged: StagedChanges, lock_row: LockRow) -> None:
        super().__init__(store, staged)
        self._lock_row = lock_row

    async def add(self, delivery: WebhookDelivery) -> tuple[WebhookDelivery, bool]:
        if self._staged.get(SUBSCRIPTIONS, delivery.subscription_id) is None:
            raise Conflict(f"subscription {delivery.subscription_id} does not exist")
        for stored in self._staged.values(DELIVERIES):
            if (stored.subscription_id, stored.event_id) == (
                delivery.subscription_id,
                delivery.event_id,
            ):
                return private_copy(stored), False
        stored = attrs.evolve(delivery, id=self._store.next_id(DELIVERIES))
        self._staged.put(DELIVERIES, stored.id, stored)
        return private_copy(stored), True

    async def get(self, delivery_id: int) -> WebhookDelivery:
        return self._get(DELIVERIES, delivery_id, "delivery")

    async def save(self, delivery: WebhookDelivery) -> None:
        if delivery.id is None or self._staged.get(DELIVERIES, delivery.id) is None:
            raise NotFound("delivery", delivery.id)
        self._staged.put(DELIVERIES, delivery.id, delivery)

    async def claim(
        self, delivery_id: int, now: datetime, lease_until: datetime
    ) -> WebhookDelivery | None:
        key: Hashable = delivery_id
        await self._lock_row(DELIVERIES, key)
        stored = self._staged.get(DELIVERIES, delivery_id)
        if stored is None or not _due(stored, now):
            return None
        claimed = attrs.evolve(stored, next_attempt_at=lease_until)
        self._staged.put(DELIVERIES, delivery_id, claimed)
        return private_copy(claimed)

    async def due(
        self, before: datetime, limit: int, after: tuple[datetime, int] | None = None
    ) -> Sequence[WebhookDelivery]:
        found = [
            delivery
            for delivery in self._staged.values(DELIVERIES)
            if delivery.created_at < before
            and _due(delivery, before)
            and (after is None or (delivery.created_at, delivery.id or 0) > after)
        ]
        found.sort(key=lambda delivery: (delivery.created_at, delivery.id))
        return [private_copy(delivery) for delivery in found[:limit]]

    async def search(self, query: DeliveryQuery) -> Page[WebhookDelivery]:
        found = [
            delivery
            for delivery in self._staged.values(DELIVERIES)
            if (query.subscription_id is None or delivery.subscription_id == query.subscription_id)
            and (query.status is None or delivery.status == query.status)
        ]
        found.sort(key=lambda delivery: (delivery.created_at, delivery.id), reverse=True)
        return page_of(found, query.paging)
