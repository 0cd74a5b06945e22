"""The notification pipeline through the REST app: MercadoLibre's notifications in,
the worker reading the resources from the sandbox, dead letters and their replay, the
periodic jobs by hand, and signed deliveries to subscribers (mercadolibre-api.md §9)."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import timedelta

import pytest
from aiohttp import web
from dependency_injector import providers

from adapters.webhooks.signing import verify
from application.errors import QueueUnavailable
from application.queries import InboxQuery, OrderQuery
from domain.accounts import Account
from entrypoints.container import build_container, start, stop
from entrypoints.http.app import create_app
from entrypoints.settings import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, Settings
from entrypoints.worker.runtime import build_worker
from sandbox.testing import running_sandbox
from tests.e2e.conftest import API_KEY, AUTH
from tests.helpers import connect_seller as connect

APP_ID = int(SANDBOX_CLIENT_ID)


async def eventually(check, timeout: float = 10.0, interval: float = 0.05):
    """Poll `check` (sync or async) until it returns something truthy."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"not true within {timeout}s: {check}")
        await asyncio.sleep(interval)


class World:
    """The service (memory storage, in-process worker) wired to a sandbox, with one
    connected seller, and a test client of its REST app."""

    def __init__(self, sb, container, client, account: Account) -> None:
        self.sb = sb
        self.container = container
        self.client = client
        self.account = account
        self.seller_id = account.seller_id

    async def notify(self, **fields) -> tuple[int, dict]:
        body = {
            "_id": f"n-{time.monotonic_ns()}",
            "topic": "orders_v2",
            "resource": "/orders/1",
            "user_id": self.seller_id,
            "application_id": APP_ID,
            "attempts": 1,
            "sent": "2026-11-27T10:00:00.000Z",
            "received": "2026-11-27T09:59:59.900Z",
            **fields,
        }
        response = await self.client.post("/webhooks/notification", json=body)
        return response.status, await response.json()

    async def inbox(self, **query) -> dict:
        response = await self.client.get("/webhooks/inbox", params=query, headers=AUTH)
        assert response.status == 200, await response.text()
        return await response.json()

    async def entries(self):
        async with self.container.unit_of_work() as uow:
            return (await uow.inbox.search(InboxQuery())).items

    async def settled(self, at_least: int = 1, timeout: float = 10.0) -> dict:
        """Wait until the sandbox has nothing left to deliver, at least `at_least`
        notifications are stored, and none of them is still waiting for a worker.
        Notifications for a resource already pending are duplicates, so a burst of N
        stores between one and N entries."""

        async def done():
            if await self.sb.deliveries(outcome="pending"):
                return None
            body = await self.inbox(limit=200)
            totals = body["totals"]
            waiting = totals["received"] + totals["processing"] + totals["failed"]
            return body if body["paging"]["total"] >= at_least and waiting == 0 else None

        return await eventually(done, timeout)

    async def snapshot(self, path: str):
        async with self.container.unit_of_work() as uow:
            return await uow.resources.find(path)

    async def order(self) -> dict:
        return await self.sb.event("order", seller_id=self.seller_id)


def service_settings(sb, tmp_path, **extra) -> Settings:
    return Settings.from_mapping(
        {
            "STORAGE": "memory",
            "DATA_DIR": str(tmp_path),
            "API_KEYS": API_KEY,
            "CLIENT_ID": SANDBOX_CLIENT_ID,
            "CLIENT_SECRET": SANDBOX_CLIENT_SECRET,
            "API_URL": sb.url,
            "AUTH_URL": sb.url,
            "RATE_LIMIT_PER_SECOND": "1000",
            "RATE_LIMIT_BURST": "1000",
            **extra,
        }
    )


@pytest.fixture
def settings_extra(request):
    return getattr(request, "param", {})


@pytest.fixture
async def world(tmp_path, aiohttp_client, settings_extra):
    async with running_sandbox(rate_limit=0, orders_per_seller=5, questions_per_seller=5) as sb:
        container = build_container(service_settings(sb, tmp_path, **settings_extra))
        await start(container)
        worker = build_worker(container)
        await worker.start()
        try:
            account = await connect(container, sb, sb.sellers[0])
            client = await aiohttp_client(create_app(container))
            await sb.admin(
                "PATCH",
                "/config",
                {"callback_url": str(client.make_url("/webhooks/notification"))},
            )
            yield World(sb, container, client, account)
        finally:
            await worker.stop()
            await stop(container)


# -- acknowledging ---------------------------------------------------------------------


async def test_a_sandbox_sale_is_acknowledged_stored_and_its_resources_read(world):
    """§9.2 / §12.5: a sale notifies orders_v2, shipments and items; each is read back."""
    order = await world.order()
    delivered = await world.sb.wait_for_deliveries(3)
    assert {d["topic"] for d in delivered} >= {"orders_v2", "shipments", "items"}
    assert all(d["attempt_log"][0]["status"] == 200 for d in delivered)

    body = await world.settled()

    distinct = {(d["topic"], d["resource"]) for d in await world.sb.deliveries()}
    assert len(distinct) <= body["paging"]["total"] <= len(delivered)
    assert body["totals"]["processed"] == body["paging"]["total"]
    assert await world.snapshot(f"/orders/{order['id']}") is None, "typed, not a snapshot"
    async with world.container.unit_of_work() as uow:
        stored = await uow.orders.get(order["id"])
        shipment = await uow.shipments.get(order["shipping"]["id"])
    assert stored.account_id == world.account.id and stored.raw["id"] == order["id"]
    assert order["id"] in shipment.order_ids
    item_id = order["order_items"][0]["item"]["id"]
    async with world.container.unit_of_work() as uow:
        listing = await uow.listings.find(item_id)
    assert listing is not None, "items notifications go through SyncListing"
    assert set(body["counts"]) == {topic for topic, _ in distinct}
    views = {entry["topic"]: entry for entry in body["results"]}
    assert views["orders_v2"]["resource"] == f"/orders/{order['id']}"
    assert views["orders_v2"]["origin"] == "live"
    assert views["orders_v2"]["failures"] == 0 and views["orders_v2"]["attempts"] >= 1


async def test_a_notification_naming_another_sellers_resource_stores_nothing_of_it(world):
    """§9.6: notifications are unsigned and items are public (§4.1), so a notification
    naming our seller and another seller's item or order must not copy it into our
    seller's data (nor move it from another connected account): a dead letter says so."""
    other = world.sb.sellers[1]
    item = await world.sb.event("item", seller_id=other["id"])
    sale = await world.sb.event("order", seller_id=other["id"])
    await world.sb.wait_for_deliveries(1)  # the sandbox's own, to nobody of ours

    for topic, resource in (
        ("items", f"/items/{item['id']}"),
        ("orders_v2", f"/orders/{sale['id']}"),
    ):
        status, body = await world.notify(_id=f"forged-{topic}", topic=topic, resource=resource)
        assert (status, body) == (200, {"status": "accepted"})

    async def both_dead():
        letters = await _json(world.client.get("/dead-letters?open=true", headers=AUTH))
        return letters if letters and len(letters["results"]) == 2 else None

    letters = await eventually(both_dead)
    assert {letter["topic"] for letter in letters["results"]} == {"items", "orders_v2"}
    # The item is public, so only our check refuses it; the order MercadoLibre refuses.
    assert all("Forbidden" in letter["error"] for letter in letters["results"])
    async with world.container.unit_of_work() as uow:
        assert await uow.listings.find(item["id"]) is None
    assert await world.snapshot(f"/orders/{sale['id']}") is None
    async with world.container.unit_of_work() as uow:
        assert await uow.orders.find(sale["id"]) is None


async def test_messages_with_bare_ids_and_claims_are_read_at_their_paths(world):
    """§9.3: messages carry the bare message id (read with tag=post_sale, §8); claims
    are notified under post_purchase."""
    order = await world.order()
    message = await world.sb.event("message", seller_id=world.seller_id, order_id=order["id"])
    await world.sb.event("claim", seller_id=world.seller_id, order_id=order["id"])
    await world.sb.wait_for_deliveries(6)

    await world.settled()

    topics = {d["topic"] for d in await world.sb.deliveries()}
    assert {"messages", "post_purchase"} <= topics
    message_id = message.get("id") or message["message_id"]
    async with world.container.unit_of_work() as uow:
        stored = await uow.messages.find(message_id)  # typed (§8), not a snapshot
    assert stored is not None and stored.text == message["text"]
    assert await world.snapshot(f"/messages/{message_id}") is None
    claims = [d for d in await world.sb.deliveries(topic="post_purchase")]
    assert (await world.snapshot(claims[0]["resource"])) is not None


async def test_a_duplicate_is_acknowledged_and_stored_once(world):
    order = await world.order()
    await world.settled()
    first = await world.notify(_id="same-id", resource=f"/orders/{order['id']}")
    again = await world.notify(_id="same-id", resource=f"/orders/{order['id']}")

    assert first == (200, {"status": "accepted"})
    assert again == (200, {"status": "duplicate"})
    assert [e.notification.id for e in await world.entries()].count("same-id") == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (
            {
                "_id": {"a": 1},
                "topic": "orders_v2",
                "resource": "/orders/1",
                "user_id": 1,
                "application_id": 1,
            },
            "_id",
        ),
        ({"_id": "x", "resource": "/orders/1", "user_id": 1, "application_id": 1}, "topic"),
        ({"_id": "x", "topic": "orders_v2", "user_id": "abc", "application_id": 1}, "user_id"),
        (
            {
                "_id": "x",
                "topic": "items",
                "resource": "items 1",
                "user_id": 1,
                "application_id": 1,
            },
            "resource",
        ),
    ],
)
async def test_a_malformed_notification_is_a_400_problem_and_changes_nothing(world, body, field):
    response = await world.client.post("/webhooks/notification", json=body)

    assert response.status == 400
    assert response.headers["Content-Type"].startswith("application/problem+json")
    problem = await response.json()
    assert field in {error["field"] for error in problem["errors"]}
    assert await world.entries() == []


async def test_bodies_that_are_not_json_objects_are_refused(world):
    for data in (b"not json", b"[1, 2]", b"null"):
        response = await world.client.post("/webhooks/notification", data=data)
        assert response.status == 400
    assert await world.entries() == []


async def test_the_lenient_shapes_of_section_9_2_are_accepted(world):
    """§9.2: `id` instead of `_id`, ids as strings, `recieved` (sic), no timestamps."""
    status, body = await world.notify(
        _id=None,
        id=12345,
        user_id=str(world.seller_id),
        application_id=str(APP_ID),
        recieved="2026-11-27T09:59:59",
        sent=None,
    )
    assert (status, body) == (200, {"status": "accepted"})
    (entry,) = await world.entries()
    assert entry.notification.id == "12345" and entry.notification.received is not None


async def test_a_notification_without_an_id_is_accepted_and_deduplicated_on_its_content(world):
    """§0.3, §9.2: the documented orders_v2, questions, shipments and messages examples
    have no `_id` (and a string user_id); a 400 would make MercadoLibre retry for an hour
    and then drop them. Its retries (same content, later attempt) are duplicates."""
    order = await world.order()
    await world.settled()
    fields = {"_id": None, "resource": f"/orders/{order['id']}", "user_id": str(world.seller_id)}

    async def content_ids() -> set[str]:
        return {
            e.notification.id
            for e in await world.entries()
            if e.notification.resource == fields["resource"]
            and e.notification.id.startswith("content-")
        }

    # The sandbox's own notification of the order is stored too, in whichever of the
    # documented shapes it drew (with or without an id).
    before = await content_ids()
    first = await world.notify(**fields)
    retry = await world.notify(**fields, attempts=3, received="2026-11-27T10:05:00.000Z")

    assert first == (200, {"status": "accepted"})
    assert retry == (200, {"status": "duplicate"})
    assert len(await content_ids() - before) == 1


async def test_another_applications_notification_is_refused_with_a_403(world):
    status, body = await world.notify(application_id=APP_ID + 1)

    assert status == 403 and body["title"] == "Not a notification for this application"
    assert await world.entries() == []
    metrics = await (await world.client.get("/metrics")).text()
    assert 'meli_notifications_rejected_total{reason="foreign_application"} 1.0' in metrics


async def test_a_seller_that_is_not_connected_is_acknowledged_as_rejected_and_never_processed(
    world,
):
    status, body = await world.notify(user_id=999)

    assert (status, body) == (200, {"status": "rejected"})
    (entry,) = await world.entries()
    assert entry.status.value == "rejected" and "not connected" in entry.last_error
    await world.container.disconnect_account()(world.account.id)
    assert (await world.notify(resource="/orders/2"))[1] == {"status": "rejected"}
    metrics = await (await world.client.get("/metrics")).text()
    assert 'meli_notifications_rejected_total{reason="unknown_seller"} 1.0' in metrics
    assert 'meli_notifications_rejected_total{reason="disconnected_seller"} 1.0' in metrics
    body = await world.inbox(status="rejected")
    assert body["paging"]["total"] == 2 and body["totals"]["rejected"] == 2


@pytest.mark.parametrize(
    "fields",
    [
        {"resource": "/orders/../users/me"},
        {"resource": "/orders/%2e%2e/users/me"},
        {"resource": "//evil.example/orders/1"},
        {"resource": "/orders/1\u0000"},
        {"topic": "messages", "resource": "../users/me"},
        {"_id": "qa\u0000"},
        {"topic": "orders_v2\u0000"},
    ],
)
async def test_a_resource_path_that_escapes_its_topic_or_a_control_character_is_a_400(
    world, fields
):
    """§9.6: the body is untrusted; it only says what to GET with the seller's token, so
    it can never point outside a plain API path (and never reaches the database as NUL)."""
    status, body = await world.notify(**fields)

    assert status == 400, body
    assert await world.entries() == []


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"topic": "orders_v2", "resource": "/users/me"}, "unexpected_resource"),
        ({"topic": "questions", "resource": "/orders/1"}, "unexpected_resource"),
        ({"topic": "not_a_topic", "resource": "/orders/1"}, "unknown_topic"),
    ],
)
async def test_a_resource_of_another_shape_than_its_topics_is_stored_as_rejected_never_read(
    world, fields, reason
):
    """§9.3 gives the resource each topic points at; anything else is acknowledged (so
    MercadoLibre does not retry it for an hour) but never read, and counted."""
    status, body = await world.notify(**fields)

    assert (status, body) == (200, {"status": "rejected"})
    (entry,) = await world.entries()
    assert entry.status.value == "rejected" and "§9.3" in entry.last_error
    assert await world.snapshot(fields["resource"]) is None
    metrics = await (await world.client.get("/metrics")).text()
    assert f'meli_notifications_rejected_total{{reason="{reason}"}} 1.0' in metrics


async def test_the_webhook_is_public_but_the_inbox_needs_the_api_key(world):
    assert (await world.client.get("/webhooks/inbox")).status == 401
    assert (await world.notify())[0] == 200


@pytest.mark.parametrize(
    "settings_extra", [{"WEBHOOK_ALLOWED_IPS": "54.88.218.97,10.0.0.0/8"}], indirect=True
)
async def test_only_allowed_source_addresses_may_notify(world):
    status, body = await world.notify()

    assert status == 403 and body["title"] == "Source address not allowed"
    forwarded = await world.client.post(
        "/webhooks/notification",
        json={
            "_id": "a",
            "topic": "items",
            "resource": "/items/MLA1",
            "user_id": 1,
            "application_id": APP_ID,
        },
        headers={"X-Forwarded-For": "10.1.2.3"},
    )
    assert forwarded.status == 403, "X-Forwarded-For is ignored without MELI_TRUST_PROXY"
    assert await world.entries() == []


@pytest.mark.parametrize(
    "settings_extra",
    [{"WEBHOOK_ALLOWED_IPS": "54.88.218.97,10.0.0.0/8", "TRUST_PROXY": "true"}],
    indirect=True,
)
async def test_behind_a_trusted_proxy_the_last_forwarded_address_counts(world):
    async def post(forwarded_for):
        response = await world.client.post(
            "/webhooks/notification",
            json={
                "_id": forwarded_for,
                "topic": "items",
                "resource": "/items/MLA1",
                "user_id": 999,
                "application_id": APP_ID,
            },
            headers={"X-Forwarded-For": forwarded_for},
        )
        return response.status

    assert await post("1.2.3.4, 54.88.218.97") == 200
    assert await post("10.9.9.9") == 200
    assert await post("54.88.218.97, 1.2.3.4") == 403


# -- failing, dead letters and replay --------------------------------------------------


async def test_a_seller_needing_reauthorization_leaves_a_dead_letter_replayable_once(world):
    order = await world.order()
    await world.sb.wait_for_deliveries(3)
    processed = (await world.settled())["totals"]["processed"]
    async with world.container.unit_of_work() as uow:
        account = await uow.accounts.get(world.account.id)
        account.needs_reauthorization("invalid_grant", world.container.clock().now())
        await uow.accounts.save(account)
        await uow.commit()
    status, _ = await world.notify(_id="late", resource=f"/orders/{order['id']}")
    assert status == 200

    letters = await eventually(
        lambda: _json(world.client.get("/dead-letters?open=true", headers=AUTH))
    )
    (letter,) = letters["results"]
    assert letter["source"] == "notification" and letter["topic"] == "orders_v2"
    assert "connected again" in letter["error"] and "replay after reconnecting" in letter["error"]
    assert letter["account_id"] == world.account.id
    metrics = await (await world.client.get("/metrics")).text()
    assert "meli_dead_letters 1.0" in metrics

    async with world.container.unit_of_work() as uow:
        account = await uow.accounts.get(world.account.id)
        account.reconnected(account.nickname, account.site_id, world.container.clock().now())
        await uow.accounts.save(account)
        await uow.commit()
    replay = await world.client.post(f"/dead-letters/{letter['id']}/replay", headers=AUTH)
    assert replay.status == 202
    assert (await replay.json())["action"] == "requeued"
    await world.settled(processed + 1)
    again = await world.client.post(f"/dead-letters/{letter['id']}/replay", headers=AUTH)
    assert again.status == 409 and "already replayed" in (await again.json())["detail"]
    assert (await world.inbox(status="processed"))["paging"]["total"] == processed + 1
    assert "meli_dead_letters 0.0" in await (await world.client.get("/metrics")).text()

    async def listed(query: str) -> list[int]:
        response = await world.client.get(f"/dead-letters{query}", headers=AUTH)
        return [found["id"] for found in (await response.json())["results"]]

    assert await listed("?open=true") == []
    assert await listed("?open=false") == [letter["id"]], "open=false: the replayed ones"
    assert await listed("") == [letter["id"]], "no filter: all"


async def _json(request):
    response = await request
    body = await response.json()
    return body if body.get("results") else None


async def test_a_resource_gone_from_mercadolibre_is_processed_not_retried(world):
    status, _ = await world.notify(_id="gone", resource="/orders/2000000000000001")
    assert status == 200

    body = await world.settled(1)

    assert body["results"][0]["status"] == "processed"
    assert await world.snapshot("/orders/2000000000000001") is None


async def test_an_unknown_dead_letter_is_a_404_and_a_bad_id_a_400(world):
    assert (await world.client.post("/dead-letters/404/replay", headers=AUTH)).status == 404
    assert (await world.client.post("/dead-letters/x/replay", headers=AUTH)).status == 400
    assert (await world.client.get("/dead-letters?open=maybe", headers=AUTH)).status == 400


# -- Redis down: acknowledged and stored, processed when it is back ---------------------


class FlakyQueue:
    """The broker as the API sees it, switched off and on by the test."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.down = False

    async def enqueue(self, job) -> None:
        if self.down:
            raise QueueUnavailable("redis: connection refused")
        await self.inner.enqueue(job)


@pytest.mark.parametrize("settings_extra", [{"INBOX_GRACE": "1"}], indirect=True)
async def test_with_the_broker_down_notifications_are_stored_then_swept_when_it_is_back(
    tmp_path, world
):
    flaky = FlakyQueue(world.container.job_queue())
    world.container.job_queue.override(providers.Object(flaky))
    ingest = world.container.ingest_job_queue()
    ingest._inner = flaky
    flaky.down = True
    orders = [await world.order() for _ in range(3)]
    await world.sb.wait_for_deliveries(9)
    await eventually(lambda: _nothing_pending(world))
    results = [await world.notify(resource=f"/orders/{o['id']}", _id=f"x{o['id']}") for o in orders]

    assert {body["status"] for _, body in results} == {"duplicate"}, "already pending"
    distinct = {(d["topic"], d["resource"]) for d in await world.sb.deliveries()}
    body = await world.inbox(limit=200)
    assert body["paging"]["total"] == body["totals"]["received"] == len(distinct)

    flaky.down = False
    await asyncio.sleep(1.1)  # MELI_INBOX_GRACE
    ingest._paused_until = 0
    run = await world.client.post("/jobs/inbox_sweep/run", headers=AUTH)
    assert run.status == 202
    body = await world.settled(len(distinct))
    assert body["totals"]["processed"] == len(distinct)
    async with world.container.unit_of_work() as uow:
        stored = await uow.orders.find_many(order["id"] for order in orders)
    assert sorted(stored) == sorted(order["id"] for order in orders)


# -- periodic jobs by hand -------------------------------------------------------------


async def test_the_periodic_jobs_are_listed_and_run_by_hand(world):
    listed = await (await world.client.get("/jobs", headers=AUTH)).json()
    jobs = {job["name"]: job for job in listed["results"]}
    assert set(jobs) >= {
        "tokens",
        "products",
        "inventory",
        "orders",
        "questions",
        "inbox_sweep",
        "delivery_sweep",
        "work_sweep",
        "missed_feeds",
    }
    assert jobs["orders"] == {
        "name": "orders",
        "actor": "fan_out",
        "every_seconds": 600,
        # The scheduler fills in the slot each run serves; by hand, the slot of now.
        "kwargs": {"job": "reconcile_orders", "trigger": "schedule", "slot": None},
    }

    run = await world.client.post("/jobs/orders/run", headers=AUTH)
    assert run.status == 202
    assert (await run.json())["kwargs"] == {
        "job": "reconcile_orders",
        "trigger": "api",
        "slot": None,
    }
    logs = await eventually(lambda: _json(world.client.get("/sync-logs?kind=orders", headers=AUTH)))
    (log,) = logs["results"]
    assert log["trigger"] == "api" and log["account_id"] == world.account.id
    await eventually(lambda: _finished(world, "orders"))
    async with world.container.unit_of_work() as uow:
        page = await uow.orders.search(OrderQuery(account_id=world.account.id))
    assert page.total == 5, "the seller's five demo orders, typed"

    assert (await world.client.post("/jobs/nope/run", headers=AUTH)).status == 404


async def test_the_quota_plan_shows_each_account_and_job(world):
    response = await world.client.get("/jobs/plan", headers=AUTH)
    assert response.status == 200
    plan = await response.json()
    assert plan["quota_per_hour"] == 10_000
    assert plan["periodic_budget_per_hour"] == 5_000
    assert plan["fits_as_configured"] is True and plan["warning"] is None
    assert plan["left_for_people_per_hour"] >= 5_000
    assert set(plan["used_this_hour"]) == {"interactive", "notification", "periodic"}
    (account,) = plan["accounts"]
    assert account["account_id"] == world.account.id
    jobs = {job["job"]: job for job in account["jobs"]}
    assert set(jobs) == {"products", "inventory", "orders", "questions"}
    assert jobs["products"]["slices"] == 1
    products = jobs["products"]
    # MELI_SYNC_PRODUCTS_INTERVAL (1800) is the staleness asked for: whole reads on a
    # tick of 90 s, early enough that the round and its run end within it.
    assert products["every_seconds"] == 90
    assert products["round_seconds"] == 90 * products["runs_every"] <= 1800
    assert 0 < products["run_seconds"] < 60
    assert account["staleness_seconds"] == products["round_seconds"] + products["run_seconds"]
    assert account["staleness_seconds"] < 1800
    assert [job["job"] for job in plan["shared"]] == ["missed_feeds", "messages", "reputation"]
    metrics = await (await world.client.get("/metrics")).text()
    bound = account["staleness_seconds"]
    assert (
        f'meli_quota_staleness_bound_seconds{{account="{world.account.id}"}} {bound}.0' in metrics
    )
    assert 'meli_quota_used_calls{call_class="interactive"}' in metrics


async def _finished(world, kind):
    body = await _json(world.client.get(f"/sync-logs?kind={kind}", headers=AUTH))
    return body and body["results"][0]["status"] == "succeeded"


async def test_missed_feeds_are_recovered_with_their_origin(world):
    """§9.5: what the sandbox gave up delivering is read back and processed."""
    await world.sb.admin(
        "PATCH",
        "/config",
        {"callback_url": "http://127.0.0.1:9/unreachable", "max_attempts": 1},
    )
    order = await world.order()
    lost = await world.sb.wait_for_deliveries(3, outcome="lost")

    run = await world.client.post("/jobs/missed_feeds/run", headers=AUTH)
    assert run.status == 202
    logs = await eventually(lambda: _runs(world, "missed_feeds", 1))
    body = await world.settled()

    assert {entry["origin"] for entry in body["results"]} == {"recovered"}
    async with world.container.unit_of_work() as uow:
        assert await uow.orders.find(order["id"]) is not None
    counts = logs["results"][0]["counts"]
    assert counts["recovered"] == body["paging"]["total"]
    assert counts["recovered"] + counts.get("duplicate", 0) == len(lost)
    metrics = await (await world.client.get("/metrics")).text()
    recovered = [
        line
        for line in metrics.splitlines()
        if line.startswith('meli_notifications_received_total{origin="recovered"')
    ]
    assert sum(float(line.rsplit(" ", 1)[1]) for line in recovered) == counts["recovered"]
    assert 'origin="live"' not in metrics

    # Read again: what was a duplicate of a pending resource the first time is stored
    # now; everything else is a duplicate. Every missed notification ends stored once.
    again = await world.client.post("/jobs/missed_feeds/run", headers=AUTH)
    assert again.status == 202
    await eventually(lambda: _runs(world, "missed_feeds", 2))
    body = await world.settled()
    stored = sorted(entry.notification.id for entry in await world.entries())
    assert stored == sorted(delivery["_id"] for delivery in lost)


async def _runs(world, kind, count):
    body = await _json(world.client.get(f"/sync-logs?kind={kind}", headers=AUTH))
    if body and len(body["results"]) >= count and body["results"][0]["status"] != "running":
        return body
    return None


async def _nothing_pending(world):
    return not await world.sb.deliveries(outcome="pending")


# -- subscriptions ---------------------------------------------------------------------


async def test_a_callback_on_a_private_address_is_refused(world):
    for url in (
        "http://127.0.0.1:8000/hook",
        "http://10.0.0.7/hook",
        "http://[::1]/hook",
        "http://169.254.169.254/latest",
    ):
        response = await world.client.post(
            "/webhooks/register", json={"topic": "orders_v2", "callback_url": url}, headers=AUTH
        )
        assert response.status == 422, url
        problem = await response.json()
        assert problem["errors"][0]["field"] == "callback_url"
        assert "MELI_WEBHOOK_ALLOW_PRIVATE" in problem["errors"][0]["reason"]
    bad = await world.client.post(
        "/webhooks/register", json={"topic": "Orders!", "callback_url": "ftp://x"}, headers=AUTH
    )
    assert bad.status == 422
    unknown = await world.client.post(
        "/webhooks/register", json={"topic": "orders_v2", "url": "x"}, headers=AUTH
    )
    assert unknown.status == 422


@pytest.fixture
async def subscriber(aiohttp_server):
    received: list[tuple[dict, bytes]] = []
    failures = {"left": 0}

    async def hook(request: web.Request) -> web.Response:
        body = await request.read()
        if failures["left"]:
            failures["left"] -= 1
            return web.Response(status=503)
        received.append((dict(request.headers), body))
        return web.Response(status=204)

    app = web.Application()
    app.router.add_post("/hook", hook)
    server = await aiohttp_server(app)
    return server, received, failures


@pytest.mark.parametrize("settings_extra", [{"WEBHOOK_ALLOW_PRIVATE": "true"}], indirect=True)
async def test_subscribers_get_signed_events_once_and_failures_are_retried(world, subscriber):
    server, received, failures = subscriber
    url = str(server.make_url("/hook"))
    response = await world.client.post(
        "/webhooks/register", json={"topic": "orders_v2", "callback_url": url}, headers=AUTH
    )
    assert response.status == 201
    created = await response.json()
    secret = created["secret"]
    assert len(secret) >= 32
    listed = await (await world.client.get("/webhooks/subscriptions", headers=AUTH)).json()
    assert listed["results"] == [
        {k: created[k] for k in ("id", "topic", "callback_url", "created_at")}
    ]
    async with world.container.unit_of_work() as uow:
        stored = await uow.subscriptions.get(created["id"])
    assert secret not in stored.sealed_secret

    order = await world.order()
    await world.settled()
    (headers, body) = (await eventually(lambda: received))[0]

    event = json.loads(body)
    assert event["id"] and event["topic"] == "orders_v2"
    assert event["resource"] == f"/orders/{order['id']}"
    assert (event["account_id"], event["seller_id"]) == (world.account.id, world.seller_id)
    assert event["data"]["id"] == order["id"]
    assert verify(
        secret, headers["X-Meli-Timestamp"], body, headers["X-Meli-Signature"], time.time()
    )
    assert not verify(
        "wrong", headers["X-Meli-Timestamp"], body, headers["X-Meli-Signature"], time.time()
    )

    failures["left"] = 1
    await world.notify(_id="second", resource=f"/orders/{order['id']}")
    await world.settled()
    deliveries = await eventually(lambda: _delivery_with_attempts(world, 1))
    (retried,) = [d for d in deliveries if d["event_id"] == "second"]
    assert retried["status"] == "pending" and retried["last_status"] == 503
    # The retry waits 10 s; bring it forward instead of waiting.
    async with world.container.unit_of_work() as uow:
        pending = await uow.deliveries.get(retried["id"])
        pending.next_attempt_at = world.container.clock().now() - timedelta(seconds=1)
        await uow.deliveries.save(pending)
        await uow.commit()
    await world.container.deliver_webhook()(retried["id"])
    assert len(received) == 2 and json.loads(received[1][1])["id"] == "second"
    log = await (
        await world.client.get(
            f"/webhooks/deliveries?subscription_id={created['id']}", headers=AUTH
        )
    ).json()
    assert {d["status"] for d in log["results"]} == {"delivered"}
    assert [d["attempts"] for d in log["results"]] == [2, 1]

    deleted = await world.client.delete(f"/webhooks/subscriptions/{created['id']}", headers=AUTH)
    assert deleted.status == 204
    assert (
        await world.client.delete(f"/webhooks/subscriptions/{created['id']}", headers=AUTH)
    ).status == 404
    await world.notify(_id="third", resource=f"/orders/{order['id']}")
    await world.settled()
    assert len(received) == 2, "nothing is delivered to a deleted subscription"


async def _delivery_with_attempts(world, attempts):
    body = await (await world.client.get("/webhooks/deliveries", headers=AUTH)).json()
    found = [d for d in body["results"] if d["attempts"] >= attempts and d["status"] == "pending"]
    return body["results"] if found else None
