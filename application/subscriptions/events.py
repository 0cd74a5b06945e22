"""What a subscriber receives for a processed notification or an event of this service's
own (`stock.low`), and queueing its deliveries."""

from __future__ import annotations

from datetime import datetime

from application import jobs
from application.ports.unit_of_work import UnitOfWork
from domain.accounts import Account
from domain.notifications import InboxEntry
from domain.resources import ResourceSnapshot
from domain.subscriptions import (
    WebhookDelivery,
)


def event_payload(
    entry: InboxEntry, account: Account, snapshot: ResourceSnapshot | None
) -> dict[str, object]:
    """The JSON document a subscriber receives for a processed notification. `id` is
    MercadoLibre's notification id, the same in every retry (subscribers dedupe on it)."""
    notification = entry.notification
    occurred = notification.received or notification.sent or entry.received_at
    payload: dict[str, object] = {
        "id": notification.id,
        "topic": notification.topic,
        "resource": notification.resource,
        "account_id": account.id,
        "seller_id": account.seller_id,
        "occurred_at": occurred.isoformat(),
    }
    if snapshot is not None:
        payload["data"] = dict(snapshot.body)
    return payload


async def announce(
    uow: UnitOfWork,
    entry: InboxEntry,
    account: Account,
    snapshot: ResourceSnapshot | None,
    now: datetime,
) -> int:
    """Log a delivery of the processed notification for every matching subscription and
    queue it after commit; return how many. Idempotent per (subscription, event)."""
    payload = event_payload(entry, account, snapshot)
    return await publish(uow, entry.notification.topic, entry.notification.id, payload, now)


async def publish(
    uow: UnitOfWork, topic: str, event_id: str, payload: dict[str, object], now: datetime
) -> int:
    """Log a delivery of the event for every subscription to `topic` (or to every topic)
    and queue it after commit; return how many. Idempotent per (subscription, event id):
    subscribers dedupe on the payload's `id`, the same in every retry."""
    queued = 0
    for subscription in await uow.subscriptions.matching(topic):
        assert subscription.id is not None
        delivery, is_new = await uow.deliveries.add(
            WebhookDelivery(subscription.id, event_id, topic, payload, now)
        )
        if is_new:
            assert delivery.id is not None
            uow.enqueue_after_commit(jobs.DeliverWebhook(delivery.id))
            queued += 1
    return queued
