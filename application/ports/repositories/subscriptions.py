"""Outbound webhook subscriptions and their deliveries. Repository conventions: see
application.ports.repositories.accounts.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from application.queries import (
    DeliveryQuery,
    Page,
)
from domain.subscriptions import Subscription, WebhookDelivery


class SubscriptionRepository(Protocol):
    """Other services' subscriptions to processed events (table meli_subscriptions)."""

    async def add(self, subscription: Subscription) -> Subscription:
        """Store and return with its id."""
        ...

    async def get(self, subscription_id: int) -> Subscription:
        """The subscription, deleted or not. Raises NotFound."""
        ...

    async def save(self, subscription: Subscription) -> None:
        """Store changes (deletion is a `deleted_at`, so the delivery log keeps its
        subscription). Raises NotFound."""
        ...

    async def list(self) -> Sequence[Subscription]:
        """Subscriptions not deleted, by id."""
        ...

    async def matching(self, topic: str) -> Sequence[Subscription]:
        """Subscriptions not deleted for `topic` or for every topic, by id."""
        ...


class WebhookDeliveryRepository(Protocol):
    """The log of deliveries to subscribers (table meli_webhook_deliveries)."""

    async def add(self, delivery: WebhookDelivery) -> tuple[WebhookDelivery, bool]:
        """Store unless the subscription already has a delivery of the event; return the
        stored delivery and whether it is new."""
        ...

    async def get(self, delivery_id: int) -> WebhookDelivery: ...

    async def save(self, delivery: WebhookDelivery) -> None:
        """Raises NotFound."""
        ...

    async def claim(
        self, delivery_id: int, now: datetime, lease_until: datetime
    ) -> WebhookDelivery | None:
        """Take a pending delivery whose `next_attempt_at` is unset or not after `now`
        for one attempt, setting `next_attempt_at` to `lease_until`; None otherwise. Of
        two concurrent claims, one wins."""
        ...

    async def due(
        self, before: datetime, limit: int, after: tuple[datetime, int] | None = None
    ) -> Sequence[WebhookDelivery]:
        """Pending deliveries created before a time whose `next_attempt_at` is unset or
        not after it, oldest first: what a sweep must enqueue again. `after` continues
        from the (created_at, id) of the last delivery of the previous page."""
        ...

    async def search(self, query: DeliveryQuery) -> Page[WebhookDelivery]:
        """Deliveries matching the query, newest first."""
        ...
