"""MercadoLibre notifications in (mercadolibre-api.md §9), and subscriptions of other
services to the events processed from them."""

from __future__ import annotations

import json
from datetime import datetime

import attrs
from aiohttp import web

from adapters.mercadolibre.notifications import (
    MAX_NOTIFICATION_ID,
    MalformedNotification,
    read_notification,
)
from application.notifications.receive_notification import Acknowledgement
from application.queries import DeliveryQuery, InboxQuery
from domain.notifications import DOCUMENTED_TOPICS, MAX_TOPIC, InboxStatus, Notification
from domain.resources import MAX_PATH
from domain.subscriptions import ANY_TOPIC, MAX_URL, TOPIC_ALIASES, DeliveryStatus
from entrypoints.http.context import client_address, container_of
from entrypoints.http.converter import decode_json, json_response, read_body, read_raw
from entrypoints.http.endpoints import MAX_ID, Endpoint, Param, Reply, limited
from entrypoints.http.notification_views import (
    Acknowledged,
    DeliveryPage,
    InboxPage,
    SubscriptionCreated,
    SubscriptionPage,
    delivery_view,
    inbox_counts,
    inbox_entry_view,
    subscription_view,
)
from entrypoints.http.params import (
    PAGING_PARAMS,
    paging,
    path_int,
    query_enum,
    query_int,
    query_str,
)
from entrypoints.http.problems import RequestInvalid
from entrypoints.http.views import PageInfo

MAX_NOTIFICATION_BYTES = 64 * 1024

# The whole answer, encoded once: MercadoLibre only looks at the status (§9.4).
_ACKNOWLEDGED = {
    status: json.dumps({"status": status.value}).encode() for status in Acknowledgement
}


# -- parsing, leniently (§9.2) -----------------------------------------------------------


# Text with neither control characters nor space at either end (the reader trims it).
_NOTIFICATION_ID = r"^[^\s\x00-\x1f\x7f](?:[^\x00-\x1f\x7f]*[^\s\x00-\x1f\x7f])?$"


@attrs.define
class NotificationBody:
    """MercadoLibre's notification (§9.2), as the OpenAPI document shows it. The reader
    (adapters/mercadolibre/notifications.py) is more lenient than this: `id` for `_id`,
    ids as strings of digits, `recieved`, unknown fields; what it refuses is a 400."""

    __lenient__ = True

    _id: str = limited(max_length=MAX_NOTIFICATION_ID, pattern=_NOTIFICATION_ID)
    topic: str = limited(max_length=MAX_TOPIC, pattern=r"^[A-Za-z0-9_-]+$")
    resource: str = limited(max_length=MAX_PATH, pattern=r"^(?:/[A-Za-z0-9_-]+)+$")
    user_id: int = limited(minimum=1, maximum=MAX_ID)
    application_id: int = limited(minimum=1, maximum=MAX_ID)
    attempts: int | None = None
    sent: datetime | None = None
    received: datetime | None = None
    actions: list[str] = attrs.field(factory=list)


def parse_notification(raw: bytes) -> Notification:
    """MercadoLibre's notification body (§9.2); RequestInvalid lists what is wrong."""
    data = decode_json(raw)
    if not isinstance(data, dict):
        raise RequestInvalid("the body must be a JSON object (mercadolibre-api.md §9.2)")
    try:
        return read_notification(data)
    except MalformedNotification as error:
        raise RequestInvalid(
            "the notification is malformed",
            [{"field": field, "reason": reason} for field, reason in error.problems],
        ) from None


# -- handlers ----------------------------------------------------------------------------


async def receive_notification(request: web.Request) -> web.Response:
    container = container_of(request)
    container.admit_notification_source()(client_address(request))
    raw = await read_raw(request, MAX_NOTIFICATION_BYTES, "a notification")
    receipt = await container.receive_notification()(parse_notification(raw))
    return web.Response(body=_ACKNOWLEDGED[receipt.status], content_type="application/json")


INBOX_PARAMS = (
    Param.choice("status", "Only this status", InboxStatus),
    Param("topic", "Only this topic, e.g. orders_v2", max_length=MAX_TOPIC),
    *PAGING_PARAMS,
)
INBOX_STATUS, INBOX_TOPIC = INBOX_PARAMS[:2]
DELIVERY_PARAMS = (
    Param.id("subscription_id", "Only this subscription's deliveries", location="query"),
    Param.choice("status", "Only this status", DeliveryStatus),
    *PAGING_PARAMS,
)
DELIVERY_SUBSCRIPTION, DELIVERY_STATUS = DELIVERY_PARAMS[:2]
SUBSCRIPTION = Param.id("subscription_id", "Subscription id")


async def list_inbox(request: web.Request) -> web.Response:
    status = query_enum(request, INBOX_STATUS, InboxStatus)
    query = InboxQuery(
        status=status.value if status else None,
        topic=query_str(request, INBOX_TOPIC),
        paging=paging(request),
    )
    report = await container_of(request).list_inbox()(query)
    counts, totals = inbox_counts(report.counts)
    page = report.page
    return json_response(
        InboxPage(
            [inbox_entry_view(entry) for entry in page.items],
            PageInfo(page.total, page.offset, page.limit),
            counts,
            totals,
        )
    )


SUBSCRIBABLE_TOPICS = tuple(sorted({ANY_TOPIC, *DOCUMENTED_TOPICS, *TOPIC_ALIASES}))


@attrs.define
class RegisterBody:
    """`topic`: a MercadoLibre topic (orders_v2, items, questions, messages, shipments,
    payments, post_purchase, ...) or `*` for all; `callback_url`: where to POST events."""

    topic: str = limited(enum=SUBSCRIBABLE_TOPICS)
    callback_url: str = limited(
        max_length=MAX_URL, pattern=r"^https?://", hint="https://example.com/hook"
    )


async def register(request: web.Request) -> web.Response:
    body = await read_body(request, RegisterBody)
    registration = await container_of(request).register_subscription()(
        body.topic, body.callback_url
    )
    subscription = registration.subscription
    assert subscription.id is not None
    return json_response(
        SubscriptionCreated(
            subscription.id,
            subscription.topic,
            subscription.callback_url,
            subscription.created_at,
            registration.secret,
        ),
        status=201,
    )


async def list_subscriptions(request: web.Request) -> web.Response:
    subscriptions = await container_of(request).list_subscriptions()()
    return json_response(SubscriptionPage([subscription_view(s) for s in subscriptions]))


async def delete_subscription(request: web.Request) -> web.Response:
    await container_of(request).delete_subscription()(path_int(request, SUBSCRIPTION))
    return web.Response(status=204)


async def list_deliveries(request: web.Request) -> web.Response:
    status = query_enum(request, DELIVERY_STATUS, DeliveryStatus)
    query = DeliveryQuery(
        subscription_id=query_int(request, DELIVERY_SUBSCRIPTION),
        status=status.value if status else None,
        paging=paging(request),
    )
    page = await container_of(request).list_deliveries()(query)
    return json_response(
        DeliveryPage(
            [delivery_view(d) for d in page.items], PageInfo(page.total, page.offset, page.limit)
        )
    )


ENDPOINTS = (
    Endpoint(
        "POST",
        "/webhooks/notification",
        receive_notification,
        "MercadoLibre's notification callback",
        "notifications",
        public=True,
        body=NotificationBody,
        body_mismatch=400,
        description="Register this URL in DevCenter (§9.1). The body is MercadoLibre's "
        "`{_id, resource, user_id, topic, application_id, attempts, sent, received, "
        "actions?}` (§9.2), read leniently: `_id` or `id`, or none (then deduplicated on its "
        "content), ids as numbers or strings, `recieved`, a bare message id as resource "
        "(docs/notifications.md). Answers at once, without calling MercadoLibre: "
        "the notification is stored and processed in the background. A notification for "
        "another application is refused (403); one for a seller that is not connected is "
        "acknowledged with status `rejected` and never processed; a duplicate is "
        "acknowledged with status `duplicate`.",
        replies={
            200: Reply("Acknowledged: accepted, duplicate or rejected", Acknowledged),
            400: Reply("Malformed notification; nothing stored"),
            403: Reply("Another application's notification, or a source address not allowed"),
        },
    ),
    Endpoint(
        "GET",
        "/webhooks/inbox",
        list_inbox,
        "Stored notifications, latest first, with counts by topic and status",
        "notifications",
        params=INBOX_PARAMS,
        replies={200: Reply("A page of notifications and the counts", InboxPage)},
    ),
    Endpoint(
        "POST",
        "/webhooks/register",
        register,
        "Subscribe a callback URL to processed events",
        "subscriptions",
        body=RegisterBody,
        description="Every event processed from a MercadoLibre notification of the topic "
        "is POSTed to the callback URL as `{id, topic, resource, account_id, seller_id, "
        "occurred_at, data?}`, signed (see SubscriptionCreated), retried with backoff for "
        "about 2.6 hours, and logged. The secret is shown only in this answer. Callback "
        "hosts that resolve to private, loopback, link-local or reserved addresses are "
        "refused unless MELI_WEBHOOK_ALLOW_PRIVATE=true.",
        replies={
            201: Reply("Subscribed; keep the secret", SubscriptionCreated),
            422: Reply("Bad topic or callback URL (or a private address)"),
        },
    ),
    Endpoint(
        "GET",
        "/webhooks/subscriptions",
        list_subscriptions,
        "Subscriptions to processed events",
        "subscriptions",
        replies={200: Reply("The subscriptions, by id (never a secret)", SubscriptionPage)},
    ),
    Endpoint(
        "DELETE",
        "/webhooks/subscriptions/{subscription_id}",
        delete_subscription,
        "Unsubscribe",
        "subscriptions",
        description="Stops deliveries; the delivery log is kept.",
        params=(SUBSCRIPTION,),
        replies={204: Reply("Deleted"), 404: Reply("No such subscription")},
    ),
    Endpoint(
        "GET",
        "/webhooks/deliveries",
        list_deliveries,
        "The delivery log, newest first",
        "subscriptions",
        params=DELIVERY_PARAMS,
        replies={200: Reply("A page of deliveries", DeliveryPage)},
    ),
)
