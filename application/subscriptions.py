"""Other services subscribe to the events this service processed; each event is POSTed
to their callback URL, signed, retried with backoff, and logged."""

from __future__ import annotations

import ipaddress
import logging
import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta

import attrs

from application.dead_letters import job_reference
from application.errors import FieldProblem, NotFound, UndecryptableToken, ValidationFailed
from application.ports.clock import Clock
from application.ports.crypto import TokenCipher
from application.ports.events import NoPipelineEvents, PipelineEvents
from application.ports.jobs import Job, JobQueue
from application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from application.ports.webhooks import AddressResolver, WebhookSender
from application.queries import DeliveryQuery, Page
from domain.accounts import Account
from domain.dead_letters import DeadLetter, DeadLetterSource
from domain.notifications import DOCUMENTED_TOPICS, InboxEntry
from domain.resources import ResourceSnapshot
from domain.subscriptions import (
    ANY_TOPIC,
    DeliveryStatus,
    Subscription,
    WebhookDelivery,
    canonical_topic,
)

log = logging.getLogger(__name__)

DELIVER_WEBHOOK = "deliver_webhook"
# After attempt n fails, the next one waits DELIVERY_DELAYS[n - 1]; after the last, the
# delivery fails for good and leaves a dead letter (six attempts over about 2.6 hours).
DELIVERY_DELAYS: tuple[int, ...] = (10, 60, 300, 1800, 7200)
# How long one attempt may hold a delivery before another worker may take it.
DELIVERY_LEASE = timedelta(minutes=2)
SECRET_BYTES = 32


def is_public_address(address: str) -> bool:
    """Whether an IP address is one the public internet routes to: not private, loopback,
    link-local, multicast, reserved, unspecified or shared (RFC 6598)."""
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
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
    subscriptions = await uow.subscriptions.matching(entry.notification.topic)
    if not subscriptions:
        return 0
    payload = event_payload(entry, account, snapshot)
    queued = 0
    for subscription in subscriptions:
        assert subscription.id is not None
        delivery, is_new = await uow.deliveries.add(
            WebhookDelivery(
                subscription.id, entry.notification.id, entry.notification.topic, payload, now
            )
        )
        if is_new:
            uow.enqueue_after_commit(Job(DELIVER_WEBHOOK, {"delivery_id": delivery.id}))
            queued += 1
    return queued


@attrs.define(frozen=True)
class Registration:
    """A new subscription and its signing secret: the only time the secret is shown."""

    subscription: Subscription
    secret: str = attrs.field(repr=False)


class RegisterSubscription:
    """Subscribe a callback URL to a topic (or `*`).

    The host must resolve to public addresses only, unless private ones are allowed by
    configuration: a callback on a loopback, private, link-local or reserved address
    would let whoever can register one make this service call its own network (SSRF).
    The delivery adapter checks the address again when it connects.
    """

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        cipher: TokenCipher,
        resolver: AddressResolver,
        clock: Clock,
        allow_private: bool = False,
    ) -> None:
        self._uow = uow
        self._cipher = cipher
        self._resolver = resolver
        self._clock = clock
        self._allow_private = allow_private

    async def __call__(self, topic: str, callback_url: str) -> Registration:
        if topic != ANY_TOPIC and canonical_topic(topic) not in DOCUMENTED_TOPICS:
            # A typo would subscribe to events that never come.
            raise ValidationFailed(
                [
                    FieldProblem(
                        "topic",
                        f"{topic!r} is not a MercadoLibre topic (§9.3); use one of "
                        f"{', '.join(sorted(DOCUMENTED_TOPICS))}, or * for every topic",
                        "unknown_topic",
                    )
                ]
            )
        secret = secrets.token_urlsafe(SECRET_BYTES)
        subscription = Subscription(
            topic=topic,
            callback_url=callback_url,
            sealed_secret=self._cipher.encrypt(secret),
            created_at=self._clock.now(),
        )
        if not self._allow_private:
            await self._require_public(subscription.host)
        async with self._uow() as uow:
            stored = await uow.subscriptions.add(subscription)
            await uow.commit()
        return Registration(stored, secret)

    async def _require_public(self, host: str) -> None:
        addresses = await self._resolver.addresses(host)
        refused = [address for address in addresses if not is_public_address(address)]
        if refused or not addresses:
            raise ValidationFailed(
                [
                    FieldProblem(
                        "callback_url",
                        f"{host} resolves to a private, loopback, link-local or reserved "
                        f"address ({', '.join(refused) or 'none'}); such callbacks need "
                        "MELI_WEBHOOK_ALLOW_PRIVATE=true",
                        "private_address",
                    )
                ]
            )


async def rotate_subscription_secrets(
    uow: UnitOfWorkFactory, cipher: TokenCipher
) -> tuple[int, list[int]]:
    """Re-encrypt with the cipher's current key the signing secret of every subscription
    not deleted (part of `meli keys rotate`). Returns how many were re-encrypted and the
    ids of those no configured key decrypts. Idempotent.

    A deleted subscription's secret is left as it is: it is never decrypted again
    (DeliverWebhook gives up on a deleted subscription first).
    """
    async with uow() as reading:
        listed = await reading.subscriptions.list()
    rotated = 0
    unreadable: list[int] = []
    for candidate in listed:
        assert candidate.id is not None
        if not cipher.needs_rotation(candidate.sealed_secret):
            continue
        async with uow() as writing:
            # Read again where it is written, so a deletion made meanwhile is not undone.
            subscription = await writing.subscriptions.get(candidate.id)
            if subscription.deleted_at is not None:
                continue
            try:
                sealed = cipher.rotate(subscription.sealed_secret)
            except UndecryptableToken:
                unreadable.append(candidate.id)
                continue
            await writing.subscriptions.save(attrs.evolve(subscription, sealed_secret=sealed))
            await writing.commit()
        rotated += 1
    return rotated, unreadable


class ListSubscriptions:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self) -> Sequence[Subscription]:
        async with self._uow() as uow:
            return await uow.subscriptions.list()


class DeleteSubscription:
    """Stop delivering to a subscription; its delivery log stays."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, subscription_id: int) -> Subscription:
        async with self._uow() as uow:
            subscription = await uow.subscriptions.get(subscription_id)
            if subscription.deleted_at is not None:
                raise NotFound("subscription", subscription_id)
            subscription.delete(self._clock.now())
            await uow.subscriptions.save(subscription)
            await uow.commit()
        return subscription


class ListDeliveries:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, query: DeliveryQuery) -> Page[WebhookDelivery]:
        async with self._uow() as uow:
            return await uow.deliveries.search(query)


class DeliverWebhook:
    """One attempt to deliver one event to one subscriber (the `deliver_webhook` job).

    A 2xx answer delivers. Anything else (another status, a timeout, a refused
    connection) is retried after DELIVERY_DELAYS; after the last attempt the delivery
    fails and leaves a dead letter whose replay starts it over. At least once: a
    subscriber may see an event twice and dedupes on its `id`.
    """

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        sender: WebhookSender,
        cipher: TokenCipher,
        clock: Clock,
        delays: Sequence[int] = DELIVERY_DELAYS,
        events: PipelineEvents | None = None,
    ) -> None:
        self._uow = uow
        self._sender = sender
        self._cipher = cipher
        self._clock = clock
        self._delays = tuple(delays)
        self._events = events or NoPipelineEvents()

    async def __call__(self, delivery_id: int, reset: bool = False) -> DeliveryStatus | None:
        """The delivery's status after this attempt, or None if it was not this job's to
        make (delivered, failed, not due, or held by another attempt)."""
        now = self._clock.now()
        async with self._uow() as uow:
            if reset:
                stored = await uow.deliveries.get(delivery_id)
                if stored.status is DeliveryStatus.FAILED:
                    stored.reset()
                    await uow.deliveries.save(stored)
            delivery = await uow.deliveries.claim(delivery_id, now, now + DELIVERY_LEASE)
            subscription = (
                None if delivery is None else await uow.subscriptions.get(delivery.subscription_id)
            )
            await uow.commit()
        if delivery is None or subscription is None:
            return None
        if subscription.deleted_at is not None:
            delivery.give_up(now, "the subscription was deleted")
            await self._save(delivery, None)
            return delivery.status
        try:
            secret = self._cipher.decrypt(subscription.sealed_secret)
        except UndecryptableToken as error:
            delivery.give_up(now, f"the subscription's secret cannot be decrypted: {error}")
            await self._save(delivery, subscription)
            return delivery.status
        assert delivery.id is not None
        result = await self._sender.send(
            subscription.callback_url, delivery.payload, secret, delivery.id
        )
        attempted_at = self._clock.now()
        attempt = delivery.attempts + 1
        delay = None if attempt > len(self._delays) else self._delays[attempt - 1]
        retry_at = (
            None if result.delivered or delay is None else attempted_at + timedelta(seconds=delay)
        )
        delivery.attempted(attempted_at, result.status, result.error, retry_at)
        await self._save(delivery, subscription, delay)
        return delivery.status

    async def _save(
        self,
        delivery: WebhookDelivery,
        subscription: Subscription | None,
        delay: int | None = None,
    ) -> None:
        now = self._clock.now()
        async with self._uow() as uow:
            await uow.deliveries.save(delivery)
            if delivery.status is DeliveryStatus.PENDING:
                uow.enqueue_after_commit(
                    Job(DELIVER_WEBHOOK, {"delivery_id": delivery.id}, delay_seconds=delay or 0)
                )
                outcome = "retry"
            elif delivery.status is DeliveryStatus.FAILED and subscription is None:
                outcome = "dropped"  # the subscription was deleted: nobody to replay for
            elif delivery.status is DeliveryStatus.FAILED:
                target = subscription.callback_url
                await uow.dead_letters.add(
                    DeadLetter(
                        source=DeadLetterSource.JOB,
                        reference=job_reference(
                            DELIVER_WEBHOOK, {"delivery_id": delivery.id, "reset": True}
                        ),
                        topic=DELIVER_WEBHOOK,
                        error=f"delivery {delivery.id} of event {delivery.event_id} to "
                        f"{target} failed after {delivery.attempts} attempt(s): "
                        f"{delivery.last_error}",
                        attempts=delivery.attempts,
                        failed_at=now,
                    )
                )
                outcome = "failed"
            else:
                outcome = "delivered"
            await uow.commit()
        self._events.delivered(outcome)
        if outcome == "failed":
            log.warning("delivery %s failed for good: %s", delivery.id, delivery.last_error)


class SweepDeliveries:
    """Queue again the deliveries whose job was lost (a broker outage, a crash)."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        queue: JobQueue,
        clock: Clock,
        grace: timedelta = timedelta(minutes=1),
        batch: int = 500,
    ) -> None:
        self._uow = uow
        self._queue = queue
        self._clock = clock
        self._grace = grace
        self._batch = batch

    async def __call__(self) -> int:
        async with self._uow() as uow:
            due = await uow.deliveries.due(self._clock.now() - self._grace, self._batch)
        for delivery in due:
            await self._queue.enqueue(Job(DELIVER_WEBHOOK, {"delivery_id": delivery.id}))
        return len(due)
