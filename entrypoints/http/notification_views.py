"""The JSON shapes of the notification and operations routes: inbox, dead letters, periodic jobs,
subscriptions and deliveries."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from domain.dead_letters import DeadLetter
from domain.notifications import InboxEntry, InboxStatus
from domain.subscriptions import Subscription, WebhookDelivery
from entrypoints.http.views import PageInfo


@attrs.define(frozen=True)
class InboxEntryView:
    """A stored MercadoLibre notification and what became of it."""

    id: int
    notification_id: str
    topic: str
    resource: str
    user_id: int
    status: str
    origin: str
    received_at: datetime
    attempts: int  # times a worker took it up (a burst re-arming it counts too)
    failures: int  # failed reads: the retry budget (a dead letter after the fifth)
    last_error: str | None
    processed_at: datetime | None
    next_attempt_at: datetime | None
    sent: datetime | None
    actions: list[str]


def inbox_entry_view(entry: InboxEntry) -> InboxEntryView:
    assert entry.id is not None
    notification = entry.notification
    return InboxEntryView(
        id=entry.id,
        notification_id=notification.id,
        topic=notification.topic,
        resource=notification.resource,
        user_id=notification.user_id,
        status=entry.status.value,
        origin=entry.origin,
        received_at=entry.received_at,
        attempts=entry.attempts,
        failures=entry.failures,
        last_error=entry.last_error,
        processed_at=entry.processed_at,
        next_attempt_at=entry.next_attempt_at,
        sent=notification.sent,
        actions=list(notification.actions),
    )


@attrs.define(frozen=True)
class InboxPage:
    """A page of notifications, with how many there are per topic and status, and per
    status overall (every status listed, zeros included)."""

    results: list[InboxEntryView]
    paging: PageInfo
    counts: dict[str, dict[str, int]]
    totals: dict[str, int]


def inbox_counts(
    counts: Mapping[tuple[str, InboxStatus], int],
) -> tuple[dict[str, dict[str, int]], dict[str, int]]:
    by_topic: dict[str, dict[str, int]] = {}
    totals = {status.value: 0 for status in InboxStatus}
    for (topic, status), count in sorted(counts.items()):
        by_topic.setdefault(topic, {})[status.value] = count
        totals[status.value] += count
    return by_topic, totals


@attrs.define(frozen=True)
class Acknowledged:
    """What was done with a notification: accepted (stored and queued), duplicate, or
    rejected (seller not connected; stored, never processed)."""

    status: str


@attrs.define(frozen=True)
class DeadLetterView:
    """Work that failed for good. `reference` is the inbox entry id (source notification)
    or the job as `{"job", "kwargs"}` JSON (source job)."""

    id: int
    source: str
    reference: str
    topic: str
    account_id: int | None
    error: str
    attempts: int
    failed_at: datetime
    replayed_at: datetime | None


def dead_letter_view(letter: DeadLetter) -> DeadLetterView:
    assert letter.id is not None
    return DeadLetterView(
        id=letter.id,
        source=letter.source.value,
        reference=letter.reference,
        topic=letter.topic,
        account_id=letter.account_id,
        error=letter.error,
        attempts=letter.attempts,
        failed_at=letter.failed_at,
        replayed_at=letter.replayed_at,
    )


@attrs.define(frozen=True)
class DeadLetterPage:
    results: list[DeadLetterView]
    paging: PageInfo


@attrs.define(frozen=True)
class ReplayView:
    """A replayed dead letter. `action`: requeued (the work runs again), coalesced (a
    newer notification of the same resource waits and brings it up to date), nothing
    (the work had been put back another way)."""

    dead_letter: DeadLetterView
    action: str


@attrs.define(frozen=True)
class JobView:
    """A periodic job: what the scheduler queues every `every_seconds`; `actor` is the
    job's name and `kwargs` its values."""

    name: str
    actor: str
    every_seconds: int
    kwargs: dict[str, Any]


@attrs.define(frozen=True)
class JobPage:
    results: list[JobView]


@attrs.define(frozen=True)
class JobQueued:
    """The job was queued; its runs show up in the sync logs or the worker's log."""

    name: str
    actor: str
    kwargs: dict[str, Any]


@attrs.define(frozen=True)
class SubscriptionView:
    """A subscription to processed events; its secret is never shown again."""

    id: int
    topic: str
    callback_url: str
    created_at: datetime


def subscription_view(subscription: Subscription) -> SubscriptionView:
    assert subscription.id is not None
    return SubscriptionView(
        subscription.id, subscription.topic, subscription.callback_url, subscription.created_at
    )


@attrs.define(frozen=True)
class SubscriptionCreated:
    """The new subscription and its signing secret, shown this once. Each delivery is a
    POST of JSON with headers X-Meli-Timestamp (Unix seconds) and X-Meli-Signature:
    `sha256=` + hex HMAC-SHA256 of `{timestamp}.{body}` with the secret."""

    id: int
    topic: str
    callback_url: str
    created_at: datetime
    secret: str


@attrs.define(frozen=True)
class SubscriptionPage:
    results: list[SubscriptionView]


@attrs.define(frozen=True)
class DeliveryView:
    """One event on its way to one subscriber: pending, delivered, or failed."""

    id: int
    subscription_id: int
    event_id: str
    topic: str
    status: str
    attempts: int
    last_status: int | None
    last_error: str | None
    next_attempt_at: datetime | None
    created_at: datetime
    delivered_at: datetime | None


def delivery_view(delivery: WebhookDelivery) -> DeliveryView:
    assert delivery.id is not None
    return DeliveryView(
        id=delivery.id,
        subscription_id=delivery.subscription_id,
        event_id=delivery.event_id,
        topic=delivery.topic,
        status=delivery.status.value,
        attempts=delivery.attempts,
        last_status=delivery.last_status,
        last_error=delivery.last_error,
        next_attempt_at=delivery.next_attempt_at,
        created_at=delivery.created_at,
        delivered_at=delivery.delivered_at,
    )


@attrs.define(frozen=True)
class DeliveryPage:
    results: list[DeliveryView]
    paging: PageInfo
