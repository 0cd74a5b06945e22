"""Other services subscribe to the events this service processed; each event is POSTed
to their callback URL, signed, retried with backoff, and logged."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta

from application import jobs
from application.errors import UndecryptableToken
from application.jobs import job_name
from application.ports.clock import Clock
from application.ports.crypto import TokenCipher
from application.ports.events import NoPipelineEvents, PipelineEvents
from application.ports.jobs import JobCodec
from application.ports.unit_of_work import UnitOfWorkFactory
from application.ports.webhooks import WebhookSender
from domain.dead_letters import DeadLetter, DeadLetterSource
from domain.subscriptions import (
    DeliveryStatus,
    Subscription,
    WebhookDelivery,
)

log = logging.getLogger(__name__)


# After attempt n fails, the next one waits DELIVERY_DELAYS[n - 1]; after the last, the
# delivery fails for good and leaves a dead letter (six attempts over about 2.6 hours).
DELIVERY_DELAYS: tuple[int, ...] = (10, 60, 300, 1800, 7200)


# How long one attempt may hold a delivery before another worker may take it.
DELIVERY_LEASE = timedelta(minutes=2)


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
        codec: JobCodec,
        delays: Sequence[int] = DELIVERY_DELAYS,
        events: PipelineEvents | None = None,
    ) -> None:
        self._uow = uow
        self._sender = sender
        self._cipher = cipher
        self._clock = clock
        self._codec = codec
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
                uow.enqueue_after_commit(jobs.DeliverWebhook(delivery.id), delay_seconds=delay or 0)
                outcome = "retry"
            elif delivery.status is DeliveryStatus.FAILED and subscription is None:
                outcome = "dropped"  # the subscription was deleted: nobody to replay for
            elif delivery.status is DeliveryStatus.FAILED:
                target = subscription.callback_url
                await uow.dead_letters.add(
                    DeadLetter(
                        source=DeadLetterSource.JOB,
                        reference=self._codec.encode(jobs.DeliverWebhook(delivery.id, reset=True)),
                        topic=job_name(jobs.DeliverWebhook),
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
