"""Other services' subscriptions to the events this service processed, and the log of
each delivery to them."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from urllib.parse import urlsplit

import attrs

from domain.common import aware, non_negative_int
from domain.errors import InvalidTransition, InvalidValue

ANY_TOPIC = "*"
# Events of this service's own (not MercadoLibre notifications): a stock level fell under
# its low-stock threshold (issue 18).
STOCK_LOW = "stock.low"
SERVICE_TOPICS = frozenset({STOCK_LOW})
MAX_URL = 2000
_TOPIC = re.compile(r"^[a-z][a-z0-9_.-]{0,63}$")
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
# §9.3: claims are notified as post_purchase today; older pages call the topic claims.
TOPIC_ALIASES = {"claims": "post_purchase"}


def canonical_topic(topic: str) -> str:
    return TOPIC_ALIASES.get(topic, topic)


def _topic(instance: object, attribute: attrs.Attribute, value: str) -> None:
    if value != ANY_TOPIC and not (isinstance(value, str) and _TOPIC.match(value)):
        raise InvalidValue("topic", "must be a topic name such as orders_v2 or stock.low, or *")


def _callback_url(instance: object, attribute: attrs.Attribute, value: str) -> None:
    if not isinstance(value, str) or len(value) > MAX_URL:
        raise InvalidValue("callback_url", f"must be a URL of at most {MAX_URL} characters")
    if _CONTROL_CHARACTERS.search(value):
        # urlsplit drops tabs and line breaks silently; PostgreSQL cannot hold NUL.
        raise InvalidValue("callback_url", "must not contain control characters")
    try:
        parts = urlsplit(value)
        hostname = parts.hostname
    except ValueError:
        # An unclosed IPv6 literal (`http://[::1`), a bracket in the wrong place.
        raise InvalidValue("callback_url", "must be a well-formed URL") from None
    if parts.scheme not in ("http", "https") or not hostname:
        raise InvalidValue("callback_url", "must be an http:// or https:// URL with a host")
    if parts.username or parts.password:
        raise InvalidValue("callback_url", "must not carry credentials")


@attrs.define
class Subscription:
    """Deliver every processed event of `topic` (or of every topic, `*`) to `callback_url`,
    signed with a secret that only the subscriber and this service know."""

    topic: str = attrs.field(converter=canonical_topic, validator=_topic)
    callback_url: str = attrs.field(validator=_callback_url)
    sealed_secret: str = attrs.field(repr=False)
    created_at: datetime = attrs.field(validator=aware)
    id: int | None = None
    deleted_at: datetime | None = attrs.field(default=None, validator=aware)

    @property
    def host(self) -> str:
        return urlsplit(self.callback_url).hostname or ""

    def matches(self, topic: str) -> bool:
        return self.deleted_at is None and self.topic in (ANY_TOPIC, canonical_topic(topic))

    def delete(self, now: datetime) -> None:
        if self.deleted_at is None:
            self.deleted_at = now


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"  # every attempt failed; a dead letter can replay it


@attrs.define
class WebhookDelivery:
    """One event on its way to one subscriber, with what became of each attempt."""

    subscription_id: int
    event_id: str
    topic: str
    payload: Mapping[str, object] = attrs.field(converter=dict)
    created_at: datetime = attrs.field(validator=aware)
    id: int | None = None
    status: DeliveryStatus = attrs.field(default=DeliveryStatus.PENDING, converter=DeliveryStatus)
    attempts: int = attrs.field(default=0, validator=non_negative_int)
    last_status: int | None = None
    last_error: str | None = None
    next_attempt_at: datetime | None = attrs.field(default=None, validator=aware)
    delivered_at: datetime | None = attrs.field(default=None, validator=aware)

    def _require_pending(self, target: str) -> None:
        if self.status is not DeliveryStatus.PENDING:
            raise InvalidTransition("delivery", self.status.value, target)

    def attempted(
        self, now: datetime, status: int | None, error: str | None, retry_at: datetime | None
    ) -> None:
        """Record an attempt: 2xx delivers; otherwise wait until `retry_at`, or fail for
        good when there is none."""
        self._require_pending("attempted")
        self.attempts += 1
        self.last_status = status
        if status is not None and 200 <= status < 300:
            self.status = DeliveryStatus.DELIVERED
            self.delivered_at = now
            self.last_error = None
            self.next_attempt_at = None
            return
        self.last_error = (error or f"HTTP {status}")[:500]
        self.next_attempt_at = retry_at
        if retry_at is None:
            self.status = DeliveryStatus.FAILED

    def give_up(self, now: datetime, reason: str) -> None:
        self._require_pending("failed")
        self.status = DeliveryStatus.FAILED
        self.last_error = reason[:500]
        self.next_attempt_at = None

    def reset(self) -> None:
        """Start over (a replayed dead letter): pending, attempts from zero."""
        self.status = DeliveryStatus.PENDING
        self.attempts = 0
        self.next_attempt_at = None
        self.last_error = None
