"""MercadoLibre notifications and the life cycle of each one in our inbox (§9)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import attrs

from domain.common import aware, non_negative_int
from domain.errors import InvalidValue
from domain.lifecycle import Lifecycle


class Topic(StrEnum):
    ORDERS_V2 = "orders_v2"
    ORDERS = "orders"  # legacy (§9.3)
    ITEMS = "items"
    QUESTIONS = "questions"
    MESSAGES = "messages"
    SHIPMENTS = "shipments"
    PAYMENTS = "payments"
    CLAIMS = "claims"
    POST_PURCHASE = "post_purchase"
    ORDERS_FEEDBACK = "orders_feedback"
    ITEMS_PRICES = "items_prices"


class InboxStatus(StrEnum):
    RECEIVED = "received"
    PROCESSING = "processing"
    PROCESSED = "processed"
    FAILED = "failed"
    DEAD = "dead"
    REJECTED = "rejected"


_I = InboxStatus
INBOX_LIFECYCLE: Lifecycle[InboxStatus] = Lifecycle(
    "notification",
    {
        _I.RECEIVED: {_I.PROCESSING, _I.REJECTED, _I.PROCESSED},
        # A worker that dies mid-run leaves PROCESSING behind; the sweep puts it back.
        _I.PROCESSING: {_I.PROCESSED, _I.FAILED, _I.RECEIVED, _I.DEAD},
        _I.FAILED: {_I.PROCESSING, _I.DEAD, _I.RECEIVED},
        _I.DEAD: {_I.RECEIVED},  # replayed by an operator
        _I.PROCESSED: set(),
        _I.REJECTED: set(),
    },
)


# §9.3: topics whose resource is a bare id rather than an API path.
_BARE_ID_TOPICS = {"messages": "/messages/{id}"}


def normalise_resource(topic: str, resource: str) -> str:
    """The resource as an API path: `messages` notifications carry the bare message id
    (§8.4, §9.3), every other topic the path itself."""
    resource = resource.strip()
    template = _BARE_ID_TOPICS.get(topic)
    if template is not None and resource and not resource.startswith("/"):
        return template.format(id=resource)
    return resource


def _resource_path(instance: object, attribute: attrs.Attribute, value: str) -> None:
    if not isinstance(value, str) or not value.startswith("/") or len(value) > 500:
        raise InvalidValue("resource", "must be an API path such as /orders/123")


@attrs.define(frozen=True)
class Notification:
    """One notification as MercadoLibre sends it: only a pointer to a resource (§9.2)."""

    id: str
    topic: str
    resource: str = attrs.field(validator=_resource_path)
    user_id: int
    application_id: int
    attempts: int = attrs.field(default=1, validator=non_negative_int)
    sent: datetime | None = attrs.field(default=None, validator=aware)
    received: datetime | None = attrs.field(default=None, validator=aware)
    actions: tuple[str, ...] = attrs.field(default=(), converter=tuple)

    def __attrs_post_init__(self) -> None:
        if not self.id:
            raise InvalidValue("_id", "must not be empty")
        if not self.topic:
            raise InvalidValue("topic", "must not be empty")

    @property
    def resource_id(self) -> str:
        """The last path segment: `/orders/123` -> `123`, `/items/MLA1` -> `MLA1`."""
        return self.resource.rstrip("/").rsplit("/", 1)[-1]


@attrs.define
class InboxEntry:
    """A stored notification and what became of it."""

    notification: Notification
    status: InboxStatus
    received_at: datetime = attrs.field(validator=aware)
    id: int | None = None
    attempts: int = 0
    last_error: str | None = None
    processed_at: datetime | None = attrs.field(default=None, validator=aware)
    next_attempt_at: datetime | None = attrs.field(default=None, validator=aware)
    # "live" when MercadoLibre delivered it, "recovered" when read from missed_feeds.
    origin: str = "live"

    def move_to(self, status: InboxStatus, now: datetime, error: str | None = None) -> None:
        self.status = INBOX_LIFECYCLE.check(self.status, status)
        if status is InboxStatus.PROCESSING:
            self.attempts += 1
        if status is InboxStatus.PROCESSED:
            self.processed_at = now
            self.last_error = None
        if error is not None:
            self.last_error = error[:2000]
