from __future__ import annotations

import secrets

import attrs

from application.errors import FieldProblem, ValidationFailed
from application.ports.clock import Clock
from application.ports.crypto import TokenCipher
from application.ports.unit_of_work import UnitOfWorkFactory
from application.ports.webhooks import AddressResolver
from application.subscriptions.addresses import is_public_address
from domain.notifications import DOCUMENTED_TOPICS
from domain.subscriptions import (
    ANY_TOPIC,
    SERVICE_TOPICS,
    Subscription,
    canonical_topic,
)

SECRET_BYTES = 32


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
        known = DOCUMENTED_TOPICS | SERVICE_TOPICS
        if topic != ANY_TOPIC and canonical_topic(topic) not in known:
            # A typo would subscribe to events that never come.
            raise ValidationFailed(
                [
                    FieldProblem(
                        "topic",
                        f"{topic!r} is not a MercadoLibre topic (§9.3) nor one of this "
                        f"service's; use one of {', '.join(sorted(known))}, or * for "
                        "every topic",
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
