"""Notifications to the application's callback URL: body, topics, retries on the
simulated clock, missed feeds, duplicates and disorder, deactivation (§9)."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from typing import Any

from sandbox.config import SandboxConfig
from sandbox.notifications import NotificationShape, retry_offset
from sandbox.testing import running_sandbox
from tests.sandbox.conftest import MLA_ITEM, MakeSandbox, Receiver, Sandbox

BODY_KEYS = {
    "_id",
    "resource",
    "user_id",
    "topic",
    "application_id",
    "attempts",
    "sent",
    "received",
}
TAG = {"tag": "post_sale"}


async def hooked(make_sandbox: MakeSandbox, receiver: Receiver, **options: Any) -> Sandbox:
    """A logged-in sandbox sending to `receiver`. These tests check the sandbox's own
    delivery, so bodies come in the canonical shape unless a test asks for the variants
    (the default everywhere else, see test_notifications_vary_by_default)."""
    options.setdefault("notification_variants", "canonical")
    # Only the 500 ms test is about the answer's deadline; elsewhere a loaded machine
    # must not turn a slow receiver into a lost (and uncounted) call.
    options.setdefault("delivery_timeout_ms", 10_000)
    sb = await make_sandbox(callback_url=receiver.url, **options)
    await sb.login()
    return sb


async def test_notification_body_and_headers(make_sandbox: MakeSandbox, receiver: Receiver) -> None:
    """ref: mercadolibre-api.md §9.1, §9.2 (POST JSON {_id, resource, user_id, topic,
    application_id, attempts, sent, received}; UTC times), §9.6 (no signature)."""
    sb = await hooked(make_sandbox, receiver)
    item = await sb.create_item(MLA_ITEM)
    [body] = await receiver.wait_for(1)
    assert set(body) == BODY_KEYS
    assert body["topic"] == "items" and body["resource"] == f"/items/{item['id']}"
    assert body["user_id"] == sb.seller()
    assert body["application_id"] == int(sb.config.client_id)
    assert body["attempts"] == 1
    for key in ("sent", "received"):
        assert body[key].endswith("Z") and datetime.fromisoformat(body[key])
    headers = {k.lower(): v for k, v in receiver.calls[0]["headers"].items()}
    assert headers["content-type"] == "application/json"
    assert headers["accept"] == "application/json"
    assert set(headers) <= {"host", "accept", "content-type", "content-length"}
    await sb.settle()
    [delivery] = await sb.deliveries()
    assert delivery["_id"] == body["_id"] and delivery["outcome"] == "delivered"
    assert delivery["attempts"] == 1
    attempt = delivery["attempt_log"][0]
    assert attempt["status"] == 200 and attempt["latency_ms"] >= 0 and attempt["time"]


async def test_every_topic_is_notified_and_points_at_a_readable_resource(
    make_sandbox: MakeSandbox, receiver: Receiver
) -> None:
    """ref: mercadolibre-api.md §9.3 (orders_v2, items, shipments, payments, questions,
    messages with actions created/read, post_purchase claims), §12.5, §12.6."""
    sb = await hooked(make_sandbox, receiver)
    seller = sb.seller()
    order = await sb.event("order", seller_id=seller, status="confirmed")
    await sb.event("payment", seller_id=seller, order_id=order["id"])
    question = await sb.event("question", seller_id=seller)
    await sb.post("/answers", json={"question_id": question["id"], "text": "Sí"})
    message = await sb.event("message", seller_id=seller, order_id=order["id"])
    await sb.get(f"/messages/packs/{order['pack_id']}/sellers/{seller}", params=TAG)
    claim = await sb.event("claim", seller_id=seller, order_id=order["id"])
    item_id = order["order_items"][0]["item"]["id"]
    await sb.put(f"/items/{item_id}", json={"price": 123456})
    await sb.settle()
    deliveries = await sb.deliveries()
    by_topic: dict[str, list[dict[str, Any]]] = {}
    for delivery in deliveries:
        by_topic.setdefault(delivery["topic"], []).append(delivery)
    assert set(by_topic) == {
        "orders_v2",
        "items",
        "shipments",
        "payments",
        "questions",
        "messages",
        "post_purchase",
    }
    assert {d["resource"] for d in by_topic["orders_v2"]} == {f"/orders/{order['id']}"}
    assert len(by_topic["orders_v2"]) == 3  # created, paid, claim opened
    assert {d["resource"] for d in by_topic["items"]} == {f"/items/{item_id}"}
    assert len(by_topic["items"]) == 2  # the sale's stock, the PUT
    assert len(by_topic["questions"]) == 2  # asked, answered
    actions = [d["actions"] for d in by_topic["messages"]]
    assert actions == [["created"], ["read"]]
    assert by_topic["messages"][0]["resource"] == message["id"]
    assert by_topic["post_purchase"][0]["resource"] == f"/post-purchase/v1/claims/{claim['id']}"
    assert by_topic["post_purchase"][0]["actions"] == ["claims"]
    assert all(d["user_id"] == seller for d in deliveries)
    # The notification is only a pointer: every resource can be read (§9.2).
    for delivery in deliveries:
        resource = delivery["resource"]
        if delivery["topic"] == "messages":
            status, _ = await sb.get(f"/messages/{resource}", params=TAG)
        else:
            status, _ = await sb.get(resource)
        assert status == 200, resource
    await receiver.wait_for(len(deliveries))


async def test_only_subscribed_topics_are_sent(
    make_sandbox: MakeSandbox, receiver: Receiver
) -> None:
    """ref: mercadolibre-api.md §9.1, §9.3 (the topics chosen for the application;
    `claims` is accepted for post_purchase)."""
    sb = await hooked(make_sandbox, receiver, topics=("questions", "claims"))
    assert sb.config.topics == ("questions", "post_purchase")
    seller = sb.seller()
    order = await sb.event("order", seller_id=seller)
    await sb.event("question", seller_id=seller)
    await sb.event("claim", seller_id=seller, order_id=order["id"])
    await sb.settle()
    assert {d["topic"] for d in await sb.deliveries()} == {"questions", "post_purchase"}


async def test_nothing_is_sent_without_a_callback_url(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §9.1 (notifications go to the configured callback URL)."""
    await sandbox.event("order", seller_id=sandbox.seller())
    assert await sandbox.deliveries() == []


async def test_failed_notifications_are_retried_on_the_simulated_clock(
    make_sandbox: MakeSandbox, receiver: Receiver
) -> None:
    """ref: mercadolibre-api.md §9.4 (a non-200 answer is retried; eight attempts over one
    hour; the intervals grow [INF]); advancing the clock makes due retries at once."""
    sb = await hooked(make_sandbox, receiver)
    receiver.status = 500
    await sb.event("item", seller_id=sb.seller(), price=1000)
    await receiver.wait_for(1)
    await sb.settle()
    [delivery] = await sb.deliveries()
    assert (delivery["outcome"], delivery["attempts"]) == ("pending", 1)
    assert delivery["attempt_log"][0]["status"] == 500
    gaps = [retry_offset(n, 8, 3600) - retry_offset(n - 1, 8, 3600) for n in range(1, 8)]
    assert gaps == sorted(gaps) and round(retry_offset(7, 8, 3600)) == 3600
    # Just before the second attempt nothing happens; at it, the attempt is made.
    sb.advance(retry_offset(1, 8, 3600) - 2)
    await asyncio.sleep(0.05)
    await sb.settle()
    assert len(receiver.calls) == 1
    sb.advance(2)
    await receiver.wait_for(2)
    assert receiver.calls[1]["body"]["attempts"] == 2
    assert receiver.calls[1]["body"]["_id"] == receiver.calls[0]["body"]["_id"]
    # The rest of the hour at once: every attempt left is made, then the notification is lost.
    sb.advance(3600)
    await receiver.wait_for(8)
    await sb.settle()
    [delivery] = await sb.deliveries()
    assert (delivery["outcome"], delivery["attempts"]) == ("lost", 8)
    assert [b["attempts"] for b in receiver.bodies()] == list(range(1, 9))
    sb.advance(7200)
    await asyncio.sleep(0.05)
    assert len(receiver.calls) == 8


async def test_a_later_success_is_delivered(make_sandbox: MakeSandbox, receiver: Receiver) -> None:
    """ref: mercadolibre-api.md §9.4 (only HTTP 200 counts; retried until it does)."""
    sb = await hooked(make_sandbox, receiver)
    receiver.status = 404
    await sb.event("item", seller_id=sb.seller(), price=1000)
    await receiver.wait_for(1)
    await sb.settle()
    receiver.status = 201  # not 200: still a failure
    sb.advance(retry_offset(1, 8, 3600))
    await receiver.wait_for(2)
    await sb.settle()
    receiver.status = 200
    sb.advance(retry_offset(2, 8, 3600))
    await receiver.wait_for(3)
    await sb.settle()
    [delivery] = await sb.deliveries()
    assert delivery["outcome"] == "delivered"
    assert [a["status"] for a in delivery["attempt_log"]] == [404, 201, 200]


async def test_an_answer_after_500_ms_is_a_failure(
    make_sandbox: MakeSandbox, receiver: Receiver
) -> None:
    """ref: mercadolibre-api.md §9.4 (answer HTTP 200 within 500 ms)."""
    assert SandboxConfig().delivery_timeout_ms == 500
    sb = await hooked(make_sandbox, receiver, delivery_timeout_ms=500)
    receiver.delay = 0.6
    await sb.event("item", seller_id=sb.seller(), price=1000)
    await receiver.wait_for(1)
    await asyncio.sleep(0.55)
    await sb.settle()
    [delivery] = await sb.deliveries()
    attempt = delivery["attempt_log"][0]
    assert delivery["outcome"] == "pending" and attempt["status"] is None
    assert attempt["latency_ms"] >= 500 and "500 ms" in attempt["error"]


async def test_the_api_never_waits_for_the_callback(
    make_sandbox: MakeSandbox, receiver: Receiver
) -> None:
    """ref: mercadolibre-api.md §9.4 (notifications are sent in the background: the
    change is answered before the callback is)."""
    sb = await hooked(make_sandbox, receiver)
    receiver.delay = 0.3
    status, _ = await sb.put(
        f"/items/{sb.state.market.listings.random_active_item(sb.state.sellers[0])['id']}",
        json={"price": 999},
    )
    assert status == 200
    [delivery] = sb.state.notifier.deliveries()
    assert delivery.outcome == "pending" and delivery.attempts == []
    await receiver.wait_for(1)


async def test_missed_feeds_keep_lost_notifications_two_days(
    make_sandbox: MakeSandbox, receiver: Receiver
) -> None:
    """ref: mercadolibre-api.md §9.5 (GET /missed_feeds?app_id=: lost notifications with
    request and response, 10 per page by default, kept 2 days)."""
    sb = await hooked(make_sandbox, receiver, max_attempts=1)
    receiver.status = 503
    for n in range(12):
        await sb.event("item", seller_id=sb.seller(), price=1000 + n)
    await receiver.wait_for(12)
    await sb.settle()
    app_id = sb.config.client_id
    status, body = await sb.get("/missed_feeds", params={"app_id": app_id})
    assert status == 200 and set(body) == {"messages"}
    assert len(body["messages"]) == 10
    feed = body["messages"][0]
    assert BODY_KEYS | {"request", "response"} <= set(feed)
    assert feed["attempts"] == 1 and feed["topic"] == "items"
    request = feed["request"]
    assert request["url"] == receiver.url
    assert request["headers"]["accept"] == "application/json"
    assert request["headers"]["content-type"] == "application/json"
    assert request["headers"]["content-length"] == len(request["data"].encode())
    assert json.loads(request["data"])["_id"] == feed["_id"]
    assert feed["response"]["http_code"] == 503 and feed["response"]["body"] == "ok"
    assert isinstance(feed["response"]["req_time"], int)
    _, rest = await sb.get("/missed_feeds", params={"app_id": app_id, "offset": "10"})
    assert len(rest["messages"]) == 2
    _, few = await sb.get("/missed_feeds", params={"app_id": app_id, "limit": "3"})
    assert len(few["messages"]) == 3
    _, questions = await sb.get("/missed_feeds", params={"app_id": app_id, "topic": "questions"})
    assert questions["messages"] == []
    status, _ = await sb.get("/missed_feeds", params={"app_id": app_id, "topic": "items"})
    assert status == 400
    _, items = await sb.get(
        "/missed_feeds", params={"app_id": app_id, "topic": "items", "site_id": "MLA"}
    )
    assert len(items["messages"]) == 10
    _, elsewhere = await sb.get(
        "/missed_feeds", params={"app_id": app_id, "topic": "items", "site_id": "MLB"}
    )
    assert elsewhere["messages"] == []
    sb.advance(2 * 86_400 - 60)
    await sb.login()
    assert len((await sb.get("/missed_feeds", params={"app_id": app_id}))[1]["messages"]) == 10
    sb.advance(61)
    assert (await sb.get("/missed_feeds", params={"app_id": app_id}))[1]["messages"] == []


async def test_missed_feeds_access(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §9.5 (auth required; app_id names the application)."""
    assert (await sandbox.get("/missed_feeds"))[0] == 400
    assert (await sandbox.get("/missed_feeds", params={"app_id": "999"}))[0] == 403
    sandbox.token = None
    status, body = await sandbox.get("/missed_feeds", params={"app_id": sandbox.config.client_id})
    assert (status, body["error"]) == (401, "invalid_token")


async def test_duplicates_can_be_switched_on(make_sandbox: MakeSandbox, receiver: Receiver) -> None:
    """ref: mercadolibre-api.md §9.4 (expect duplicates; dedupe on _id)."""
    sb = await hooked(make_sandbox, receiver)
    status, config = await sb.call("PATCH", "/_sandbox/config", json={"duplicate_rate": 1.0})
    assert status == 200 and config["duplicate_rate"] == 1.0
    await sb.event("item", seller_id=sb.seller(), price=1000)
    sb.advance(3)
    bodies = await receiver.wait_for(2)
    assert bodies[0]["_id"] == bodies[1]["_id"]
    await sb.settle()
    deliveries = await sb.deliveries()
    assert [d["duplicate"] for d in deliveries] == [False, True]


async def test_notifications_can_arrive_out_of_order(
    make_sandbox: MakeSandbox, receiver: Receiver
) -> None:
    """ref: mercadolibre-api.md §9.4 (no order is promised: shuffle holds notifications
    back a random while)."""
    sb = await hooked(make_sandbox, receiver)
    await sb.call("PATCH", "/_sandbox/config", json={"shuffle": True, "shuffle_window_ms": 5000})
    for n in range(12):
        await sb.event("item", seller_id=sb.seller(), price=1000 + n)
    sb.advance(6)
    await receiver.wait_for(12)
    published = [d["_id"] for d in await sb.deliveries()]
    received = [b["_id"] for b in receiver.bodies()]
    assert sorted(published) == sorted(received)
    assert published != received


async def test_sustained_failures_deactivate_a_topic(
    make_sandbox: MakeSandbox, receiver: Receiver
) -> None:
    """ref: mercadolibre-api.md §9.4 (topics can be deactivated; notifications during
    deactivation are not kept; subscribe again to reactivate) [INF: after N lost]."""
    sb = await hooked(make_sandbox, receiver, max_attempts=1, deactivate_after_lost=2)
    receiver.status = 500
    for _ in range(2):
        await sb.event("item", seller_id=sb.seller(), price=1000)
    await receiver.wait_for(2)
    await sb.settle()
    _, summary = await sb.get("/_sandbox/notifications")
    items = next(t for t in summary["topics"] if t["topic"] == "items")
    assert items["active"] is False
    await sb.event("item", seller_id=sb.seller(), price=2000)
    await sb.event("question", seller_id=sb.seller())
    await sb.settle()
    assert [d["topic"] for d in await sb.deliveries()] == ["items", "items", "questions"]
    _, missed = await sb.get("/missed_feeds", params={"app_id": sb.config.client_id})
    assert len(missed["messages"]) == 3
    _, summary = await sb.get("/_sandbox/notifications")
    assert next(t for t in summary["topics"] if t["topic"] == "items")["dropped"] == 1
    await sb.call("PATCH", "/_sandbox/config", json={"topics": ["items", "questions"]})
    receiver.status = 200
    await sb.event("item", seller_id=sb.seller(), price=3000)
    await receiver.wait_for(4)


async def test_notification_options_at_run_time(sandbox: Sandbox, receiver: Receiver) -> None:
    """ref: mercadolibre-api.md §9.1 (callback URL and topics are the application's
    settings), §9.3 (topic names)."""
    patch = sandbox.call
    status, config = await patch("PATCH", "/_sandbox/config", json={"callback_url": receiver.url})
    assert status == 200 and config["callback_url"] == receiver.url
    assert (await patch("PATCH", "/_sandbox/config", json={"callback_url": "ftp://x"}))[0] == 400
    assert (await patch("PATCH", "/_sandbox/config", json={"topics": ["nope"]}))[0] == 400
    assert (await patch("PATCH", "/_sandbox/config", json={"duplicate_rate": 2}))[0] == 400
    status, config = await patch("PATCH", "/_sandbox/config", json={"topics": ["claims", "items"]})
    assert config["topics"] == ["post_purchase", "items"]
    await sandbox.event("item", seller_id=sandbox.seller(), price=1000)
    await receiver.wait_for(1)
    status, config = await patch("PATCH", "/_sandbox/config", json={"callback_url": None})
    assert status == 200 and config["callback_url"] is None


async def test_the_sender_stops_with_the_app(receiver: Receiver) -> None:
    """ref: mercadolibre-api.md §9.4 (background delivery; it ends with the sandbox and
    leaves no task behind)."""
    receiver.delay = 1.0
    async with running_sandbox(callback_url=receiver.url, rate_limit=0) as sb:
        await sb.event("order", seller_id=sb.sellers[0]["id"])
        await receiver.wait_for(1)
    await asyncio.sleep(0)
    names = {t.get_name() for t in asyncio.all_tasks()}
    assert not {n for n in names if n.startswith("sandbox-")}
    assert sb.state.notifier._in_flight == set()


async def test_running_sandbox_helpers(receiver: Receiver) -> None:
    """ref: mercadolibre-api.md §9.2, §12.5 (running_sandbox(callback_url=...), sb.event,
    sb.wait_for_deliveries)."""
    async with running_sandbox(callback_url=receiver.url, rate_limit=0, sellers=1) as sb:
        order = await sb.event("order", seller_id=sb.sellers[0]["id"])
        delivered = await sb.wait_for_deliveries(4)
        assert {d["topic"] for d in delivered} >= {"orders_v2", "items", "shipments", "payments"}
        assert f"/orders/{order['id']}" in {d["resource"] for d in delivered}
        assert await sb.deliveries(topic="orders_v2", outcome="delivered")


# §9.3: the typed topics, and the actions each carries.
TYPED_TOPICS = {"messages": ({"created"}, {"read"}), "post_purchase": ({"claims"},)}
# §9.2: the topics whose documented examples carry no id.
ID_LESS_TOPICS = {"orders_v2", "questions", "shipments", "messages"}


async def every_topic(sb: Sandbox, rounds: int) -> int:
    """Sales that notify every topic, `rounds` times; answers how many were sent."""
    seller = sb.seller()
    for _ in range(rounds):
        order = await sb.event("order", seller_id=seller, status="confirmed")
        await sb.event("payment", seller_id=seller, order_id=order["id"])
        question = await sb.event("question", seller_id=seller)
        await sb.post("/answers", json={"question_id": question["id"], "text": "Sí"})
        await sb.event("message", seller_id=seller, order_id=order["id"])
        await sb.get(f"/messages/packs/{order['pack_id']}/sellers/{seller}", params=TAG)
        await sb.event("claim", seller_id=seller, order_id=order["id"])
    await sb.settle()
    return len(await sb.deliveries())


def test_notifications_vary_by_default() -> None:
    """ref: mercadolibre-api.md §0.3, §9.2: every documented notification shape is what
    a service and its tests meet unless they ask for one shape."""
    assert SandboxConfig().notification_variants == "varied"


async def test_canonical_notifications_have_one_shape(
    make_sandbox: MakeSandbox, receiver: Receiver
) -> None:
    """ref: mercadolibre-api.md §9.2 (the body; typed topics add `actions`), §12.6: with
    `notification_variants` canonical every notification has `_id`, a numeric user_id
    and `received`, and a messages notification names the bare message id."""
    sb = await hooked(make_sandbox, receiver, notification_variants="canonical")
    bodies = await receiver.wait_for(await every_topic(sb, 1))
    assert {b["topic"] for b in bodies} >= {"orders_v2", "messages", "post_purchase"}
    for body in bodies:
        typed = body["topic"] in TYPED_TOPICS
        assert set(body) == BODY_KEYS | ({"actions"} if typed else set()), body
        assert body["user_id"] == sb.seller()
        if body["topic"] == "messages":
            assert not body["resource"].startswith("/")


async def test_varied_notifications_take_every_documented_shape(
    make_sandbox: MakeSandbox, receiver: Receiver
) -> None:
    """ref: mercadolibre-api.md §0.3, §9.2 (examples lack `_id` (orders_v2, questions,
    shipments, messages) or call it `id`, send user_id as a string, spell `recieved`,
    and name a bare message id as the resource; typed topics carry `actions`)."""
    sb = await hooked(make_sandbox, receiver, notification_variants="varied")
    bodies = await receiver.wait_for(await every_topic(sb, 4))
    id_fields, user_id_types, received_fields, message_resources = set(), set(), set(), set()
    for body in bodies:
        topic = body["topic"]
        [named] = [k for k in ("_id", "id") if k in body] or [None]
        assert named is not None or topic in ID_LESS_TOPICS, body
        id_fields.add(named)
        user_id_types.add(type(body["user_id"]))
        assert int(body["user_id"]) == sb.seller()
        [received] = {"received", "recieved"} & set(body)
        received_fields.add(received)
        if topic in TYPED_TOPICS:
            assert set(body["actions"]) in TYPED_TOPICS[topic], body
        else:
            assert "actions" not in body
        if topic == "messages":
            message_resources.add(body["resource"].startswith("/messages/"))
            message_id = body["resource"].removeprefix("/messages/")
            assert (await sb.get(f"/messages/{message_id}", params=TAG))[0] == 200
    assert id_fields == {"_id", "id", None}
    assert user_id_types == {int, str}
    assert received_fields == {"received", "recieved"}
    assert message_resources == {True, False}


async def test_varied_shapes_follow_the_seed(make_sandbox: MakeSandbox, receiver: Receiver) -> None:
    """ref: mercadolibre-api.md §9.2: the same seed draws the same shapes, so a failure
    seen once can be run again."""
    drawn = []
    for _ in range(2):
        sb = await hooked(make_sandbox, receiver, notification_variants="varied", seed=7)
        await every_topic(sb, 2)
        drawn.append([(d.topic, d.shape) for d in sb.state.notifier.log])
    assert drawn[0] == drawn[1] and len(drawn[0]) > 10
    assert len({shape for _, shape in drawn[0]}) > 1


async def test_varied_shapes_change_nothing_but_the_body(
    make_sandbox: MakeSandbox, receiver: Receiver
) -> None:
    """ref: mercadolibre-api.md §9.4, §9.5: retries resend the same shape; the missed
    feed keeps MercadoLibre's own record (with `_id`) and, as the request's data, the
    body that was sent."""
    sb = await hooked(make_sandbox, receiver, notification_variants="varied", max_attempts=2)
    receiver.status = 503
    await every_topic(sb, 1)
    sb.advance(3600)
    await sb.settle()
    deliveries = await sb.deliveries()
    assert len(receiver.calls) == 2 * len(deliveries)
    by_id: dict[str, list[dict[str, Any]]] = {}
    for call in receiver.calls:
        body = call["body"]
        named = body.get("_id", body.get("id"))
        if named is not None:
            by_id.setdefault(named, []).append({k: v for k, v in body.items() if k != "sent"})
    assert by_id
    for first, second in by_id.values():
        assert {**first, "attempts": 2} == second
    _, feeds = await sb.get("/missed_feeds", params={"app_id": sb.config.client_id, "limit": "50"})
    assert feeds["messages"]
    for feed in feeds["messages"]:
        assert BODY_KEYS <= set(feed)
        data = json.loads(feed["request"]["data"])
        assert data["resource"].removeprefix("/messages/") == feed["resource"]
        assert data.get("_id", data.get("id", feed["_id"])) == feed["_id"]


async def test_notification_variants_change_at_run_time(
    make_sandbox: MakeSandbox, receiver: Receiver
) -> None:
    """ref: mercadolibre-api.md §9.2: PATCH /_sandbox/config switches between the one
    shape and the documented ones; anything else is refused."""
    sb = await hooked(make_sandbox, receiver)
    status, config = await sb.call(
        "PATCH", "/_sandbox/config", json={"notification_variants": "varied"}
    )
    assert (status, config["notification_variants"]) == (200, "varied")
    await every_topic(sb, 1)
    assert {d.shape for d in sb.state.notifier.log} != {NotificationShape()}
    status, _ = await sb.call("PATCH", "/_sandbox/config", json={"notification_variants": "odd"})
    assert status == 400
    assert sb.config.notification_variants == "varied"
