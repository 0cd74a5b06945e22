"""MercadoLibre notifications and the life cycle of each one in our inbox (§9)."""

from __future__ import annotations

import re
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


# The body is untrusted (§9.6): it only decides what we GET with the seller's token. A
# resource is a plain API path (letters, digits, `_-.` and `/`; an optional simple query,
# as in §9.3's items_prices), never `.`/`..` segments, `//`, escapes or control characters.
_SAFE_RESOURCE = re.compile(r"/[A-Za-z0-9_\-./]*(\?[A-Za-z0-9_\-.=&:,]*)?")
_SAFE_TOPIC = re.compile(r"[A-Za-z0-9_\-]+")
# No control characters, no lone surrogates (PostgreSQL can store neither).
_SAFE_ID = re.compile(r"[^\x00-\x1f\x7f\ud800-\udfff]+")

_ID = r"[A-Za-z0-9_\-]+"
_ITEM = r"[A-Z]{3}\d+"
# §9.3: the resource each topic points at. A notification of one of these topics whose
# resource has another shape is acknowledged but never read (see `expected_resource`).
_TOPIC_RESOURCES: dict[str, re.Pattern[str]] = {
    topic: re.compile(pattern + r"(\?[A-Za-z0-9_\-.=&:,]*)?")
    for topic, pattern in {
        "orders_v2": r"/orders/\d+",
        "orders": r"/orders/\d+",  # legacy
        "created_orders": r"/orders/\d+",  # legacy
        "orders_feedback": r"/orders/\d+(/feedback)?",
        "items": rf"/items/{_ITEM}",
        "items_prices": rf"/items/{_ITEM}(/sale_price|/prices)?",
        "questions": r"/questions/\d+",
        "messages": rf"/messages/{_ID}",
        "shipments": r"/shipments/\d+",
        "payments": r"/collections/\d+",
        "claims": r"(/post-purchase/v1|/v1)?/claims/\d+",
        "post_purchase": rf"/post-purchase/v\d+/claims/\d+(/{_ID})?",
        "invoices": rf"/users/\d+/invoices/{_ID}",
        "fbm_stock_operations": r"/stock/fulfillment/operations/\d+",
        "flex-handshakes": r"/flex/sites/[A-Z]{3}/shipments/\d+/assignment/v1",
        "catalog_item_competition_status": rf"/items/{_ITEM}/price_to_win",
        "catalog_suggestions": rf"/catalog_suggestions/{_ID}",
        "price_suggestion": rf"/suggestions/items/{_ITEM}/details",
        "public_offers": rf"/seller-promotions/offers/{_ID}",
        "public_candidates": rf"/seller-promotions/candidates/{_ID}",
        "stock-location": rf"/user-products/{_ID}/stock",
        "user-products-families": rf"/user-products-families/{_ID}",
        # The documented notification examples also write /vis_leads/ and /vis/loan/.
        "vis_leads": rf"(/vis/leads|/vis_leads)/{_ID}",
        "leads-credits": rf"/vis/loans?/{_ID}",
    }.items()
}


# Every topic §9.3 documents (with the legacy ones).
DOCUMENTED_TOPICS = frozenset(_TOPIC_RESOURCES)


def expected_resource(topic: str, resource: str) -> bool | None:
    """Whether `resource` has the shape §9.3 gives the topic's resources; None for a
    topic MercadoLibre does not document."""
    pattern = _TOPIC_RESOURCES.get(topic)
    return None if pattern is None else pattern.fullmatch(resource) is not None


def _resource_path(instance: object, attribute: attrs.Attribute, value: str) -> None:
    if (
        not isinstance(value, str)
        or len(value) > 500
        or not _SAFE_RESOURCE.fullmatch(value)
        or "//" in value
        or any(segment in (".", "..") for segment in value.split("?", 1)[0].split("/"))
    ):
        raise InvalidValue("resource", "must be a plain API path such as /orders/123 (§9.2, §9.3)")


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
        if not _SAFE_ID.fullmatch(self.id):
            raise InvalidValue("_id", "must not contain control characters or lone surrogates")
        if not self.topic:
            raise InvalidValue("topic", "must not be empty")
        if not _SAFE_TOPIC.fullmatch(self.topic):
            raise InvalidValue("topic", "must be a topic name such as orders_v2")

    @property
    def resource_id(self) -> str:
        """The last path segment: `/orders/123` -> `123`, `/items/MLA1` -> `MLA1`."""
        return self.resource.rstrip("/").rsplit("/", 1)[-1]


MAX_TOPIC = 64

# The origin of an inbox entry read back from the missed feeds (§9.5); "live" otherwise.
RECOVERED = "recovered"


@attrs.define
class InboxEntry:
    """A stored notification and what became of it."""

    notification: Notification
    status: InboxStatus
    received_at: datetime = attrs.field(validator=aware)
    id: int | None = None
    # Claims: every read begun, including one re-armed or taken over from a worker whose
    # lease ran out. Only ever grows: it tells a claim's finish from a later claim's.
    attempts: int = 0
    last_error: str | None = None
    processed_at: datetime | None = attrs.field(default=None, validator=aware)
    next_attempt_at: datetime | None = attrs.field(default=None, validator=aware)
    # "live" when MercadoLibre delivered it, "recovered" when read from missed_feeds.
    origin: str = "live"
    # Reads that failed: the retry budget. Claims are no failures (a burst for a resource
    # being read re-arms it many times); a replay from the dead letters starts it over.
    failures: int = attrs.field(default=0, validator=non_negative_int)

    def move_to(self, status: InboxStatus, now: datetime, error: str | None = None) -> None:
        self.status = INBOX_LIFECYCLE.check(self.status, status)
        if status is InboxStatus.PROCESSING:
            self.attempts += 1
        if status is InboxStatus.FAILED:
            self.failures += 1
        if status is InboxStatus.PROCESSED:
            self.processed_at = now
            self.last_error = None
        if status in (InboxStatus.PROCESSED, InboxStatus.DEAD):
            self.next_attempt_at = None  # no attempt (nor lease) is coming any more
        if error is not None:
            self.last_error = error[:2000]
