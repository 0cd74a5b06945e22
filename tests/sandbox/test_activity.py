"""The admin events, the deliveries log, the market-activity simulator and the demo
sales history."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import datetime
from typing import Any

import pytest
from click.testing import CliRunner

from sandbox import cli
from sandbox.config import SandboxConfig
from sandbox.http import STATE
from sandbox.state import SandboxState
from tests.sandbox.conftest import MLA_ITEM, MakeSandbox, Receiver, Sandbox


async def test_events_of_every_type(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §12.5 (simulated purchase), §7, §8, §6.2, §4.3, §5.2, §9.3
    (POST /_sandbox/events answers what it created or changed)."""
    seller = sandbox.seller()
    expectations = {
        "order": (201, "order_items"),
        "question": (201, "text"),
        "message": (201, "message_date"),
        "shipment": (200, "logistic"),
        "item": (200, "available_quantity"),
        "claim": (201, "resource_id"),
    }
    for kind, (status, key) in expectations.items():
        got, body = await sandbox.post("/_sandbox/events", json={"type": kind, "seller_id": seller})
        assert got == status, (kind, body)
        assert key in body, kind
    order = await sandbox.event("order", seller_id=seller, status="confirmed")
    status, paid = await sandbox.post(
        "/_sandbox/events", json={"type": "payment", "seller_id": seller, "order_id": order["id"]}
    )
    assert (status, paid["status"]) == (200, "paid")
    status, refunded = await sandbox.post(
        "/_sandbox/events", json={"type": "payment", "seller_id": seller, "order_id": order["id"]}
    )
    assert (status, refunded["status"]) == (200, "cancelled")


async def test_event_errors(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §2.1 (JSON error bodies) for the admin events."""
    seller = sandbox.seller()
    for body, status in (
        ({"type": "nope", "seller_id": seller}, 400),
        ({"type": "order", "seller_id": 5}, 404),
        ({"type": "order", "seller_id": seller, "item_id": "MLA1"}, 404),
        ({"type": "order", "seller_id": seller, "status": "shipped"}, 400),
        ({"type": "shipment", "seller_id": seller, "shipment_id": 1}, 404),
        ({"type": "payment", "seller_id": seller, "order_id": 1}, 404),
        ({"type": "item", "seller_id": seller, "price": "cheap"}, 400),
    ):
        got, answer = await sandbox.post("/_sandbox/events", json=body)
        assert got == status, (body, answer)
        assert set(answer) == {"message", "error", "status", "cause"}


async def test_item_event_changes_price_or_stock(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §4.3 (price and stock changes), §12.6 (items notified)."""
    created = await sandbox.create_item(MLA_ITEM)
    item = await sandbox.event(
        "item", seller_id=sandbox.seller(), item_id=created["id"], available_quantity=7
    )
    assert item["available_quantity"] == 7
    _, stored = await sandbox.get(f"/items/{item['id']}")
    assert stored["available_quantity"] == 7
    changed = await sandbox.event("item", seller_id=sandbox.seller(), item_id=item["id"])
    assert changed["id"] == item["id"] and changed["last_updated"] >= item["last_updated"]


async def test_deliveries_list_filters(make_sandbox: MakeSandbox, receiver: Receiver) -> None:
    """ref: mercadolibre-api.md §9.2, §9.4 (every notification sent, its attempts and
    outcome)."""
    sb = await make_sandbox(callback_url=receiver.url)
    await sb.event("order", seller_id=sb.seller())
    await receiver.wait_for(4)
    await sb.settle()
    everything = await sb.deliveries()
    assert {d["outcome"] for d in everything} == {"delivered"}
    for delivery in everything:
        assert set(delivery) >= {"_id", "topic", "resource", "user_id", "attempts", "attempt_log"}
        assert set(delivery["attempt_log"][0]) == {
            "number",
            "time",
            "status",
            "latency_ms",
            "error",
        }
    orders = await sb.deliveries(topic="orders_v2")
    assert orders and {d["topic"] for d in orders} == {"orders_v2"}
    assert await sb.deliveries(outcome="lost") == []
    assert (await sb.get("/_sandbox/deliveries", params={"outcome": "x"}))[0] == 400
    _, last = await sb.get("/_sandbox/deliveries", params={"limit": "1"})
    assert last == everything[-1:]
    status, _ = await sb.delete("/_sandbox/deliveries")
    assert status == 200 and await sb.deliveries() == []
    _, summary = await sb.get("/_sandbox/notifications")
    assert summary["callback_url"] == receiver.url


async def test_activity_starts_and_stops(make_sandbox: MakeSandbox, receiver: Receiver) -> None:
    """ref: mercadolibre-api.md §12.5, §9.3 (simulated buyers: orders, payments,
    questions, messages, shipments, with notifications)."""
    sb = await make_sandbox(callback_url=receiver.url)
    status, body = await sb.post("/_sandbox/activity", json={"rate": 200, "seed": 7})
    assert status == 200 and body["running"] and body["rate"] == 200 and body["seed"] == 7
    for _ in range(100):
        await asyncio.sleep(0.02)
        if sum(sb.state.activity.counts.values()) >= 20:
            break
    status, body = await sb.delete("/_sandbox/activity")
    assert status == 200 and body["running"] is False
    assert sum(body["events"].values()) >= 20
    done = sum(body["events"].values())
    await asyncio.sleep(0.05)
    assert sum(sb.state.activity.counts.values()) == done
    await receiver.wait_for(1)
    assert (await sb.post("/_sandbox/activity", json={"rate": 0}))[0] == 400
    assert (await sb.get("/_sandbox/activity"))[1]["running"] is False


def test_activity_is_deterministic_given_a_seed() -> None:
    """ref: mercadolibre-api.md §12.5 (repeatable simulated activity from a seed)."""

    def run() -> list[tuple[str, Any]]:
        state = SandboxState(SandboxConfig(seed=11))
        state.activity.reseed(3)
        steps = []
        for _ in range(60):
            kind, result = state.activity.step()
            steps.append((kind, None if result is None else result.get("id")))
        return steps

    first, second = run(), run()
    assert first == second
    kinds = Counter(kind for kind, _ in first)
    assert {"order", "shipment", "question"} <= set(kinds)


async def test_activity_buys_variations(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §4.6, §12.5 (orders of items with variations name one)."""
    status, steps = await sandbox.post("/_sandbox/activity/step", json={"count": 120, "seed": 5})
    assert status == 200 and len(steps) == 120
    orders = [s["result"] for s in steps if s["type"] == "order" and s["result"]]
    assert orders
    for order in orders:
        line = order["order_items"][0]["item"]
        item = sandbox.state.items.get(line["id"])
        assert item is not None
        if item["variations"]:
            assert line["variation_id"] in {v["id"] for v in item["variations"]}
        else:
            assert line["variation_id"] is None
    assert {s["type"] for s in steps} >= {"order", "payment", "shipment", "question", "message"}
    _, counts = await sandbox.get("/_sandbox/market")
    assert counts["orders"] > 40


async def test_activity_rate_in_the_config_starts_it(make_sandbox: MakeSandbox) -> None:
    """ref: mercadolibre-api.md §12.5 (meli sandbox --activity RATE)."""
    sb = await make_sandbox(activity_rate=100)
    assert sb.state.activity.running
    for _ in range(100):
        await asyncio.sleep(0.02)
        if sb.state.activity.counts:
            break
    assert sb.state.activity.counts


def test_cli_takes_callback_url_and_activity(monkeypatch: pytest.MonkeyPatch) -> None:
    """ref: mercadolibre-api.md §9.1 (callback URL), §12.5 (`meli sandbox --callback-url
    URL --activity RATE`, printed in the banner)."""
    started: dict[str, Any] = {}
    monkeypatch.setattr(cli.web, "run_app", lambda app, **kw: started.update(app=app))
    result = CliRunner().invoke(
        cli.sandbox_command,
        [
            "--callback-url",
            "http://127.0.0.1:8012/meli/notifications",
            "--activity",
            "2.5",
            "--orders-per-seller",
            "5",
            "--questions-per-seller",
            "3",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "http://127.0.0.1:8012/meli/notifications" in result.output
    assert "2.5 events per second" in result.output
    assert "5 orders and 3 questions per seller" in result.output
    config = started["app"][STATE].config
    assert config.callback_url == "http://127.0.0.1:8012/meli/notifications"
    assert (config.activity_rate, config.orders_per_seller) == (2.5, 5)
    bad = CliRunner().invoke(cli.sandbox_command, ["--callback-url", "not a url"])
    assert bad.exit_code != 0


# -- the demo history ------------------------------------------------------------------------


async def test_a_fresh_sandbox_has_sales_questions_and_messages(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §5, §6, §7, §8 (history per seller: orders, packs,
    shipments at every stage, questions, conversations)."""
    market = sandbox.state.market
    for seller in sandbox.state.sellers:
        orders = market.orders.by_seller[seller.id]
        assert len(orders) == 20
        assert len(market.questions.by_seller[seller.id]) == 10
        assert any(c.seller_id == seller.id for c in market.conversations.values())
        assert any(q.status == "UNANSWERED" for q in market.questions.by_seller[seller.id]) and any(
            q.status == "ANSWERED" for q in market.questions.by_seller[seller.id]
        )
    statuses = {(s.status, s.substatus) for s in market.shipments.values()}
    assert ("delivered", None) in statuses
    assert any(
        s.status in ("pending", "handling", "ready_to_ship") for s in market.shipments.values()
    )
    _, unread = await sandbox.get("/messages/unread", params={"tag": "post_sale"})
    assert unread["results"]
    seller = sandbox.seller()
    _, body = await sandbox.get("/orders/search", params={"seller": seller, "sort": "date_desc"})
    dates = [datetime.fromisoformat(o["date_created"]) for o in body["results"]]
    assert dates == sorted(dates, reverse=True)
    for order in body["results"][:5]:
        assert (await sandbox.get(f"/shipments/{order['shipping']['id']}"))[0] == 200


def test_history_is_deterministic_from_the_seed() -> None:
    """ref: mercadolibre-api.md §0.3 (ids: 16-digit orders and packs, 11-digit shipments),
    deterministic from the seed."""

    def facts(state: SandboxState) -> list[tuple[Any, ...]]:
        return [
            (o.id, o.pack_id, o.shipment_id, o.status, o.lines[0].item_id, o.lines[0].quantity)
            for o in state.market.orders
        ]

    a, b = SandboxState(SandboxConfig(seed=9)), SandboxState(SandboxConfig(seed=9))
    assert facts(a) == facts(b)
    assert [q.id for q in a.market.questions.questions.values()] == [
        q.id for q in b.market.questions.questions.values()
    ]
    assert facts(SandboxState(SandboxConfig(seed=10))) != facts(a)
    for order in a.market.orders:
        assert len(str(order.id)) == 16
        assert order.pack_id is None or len(str(order.pack_id)) == 16
    assert all(len(str(s)) == 11 for s in a.market.shipments)


def test_history_size_follows_the_config() -> None:
    """ref: mercadolibre-api.md §5.3 (thousands of orders per seller)."""
    state = SandboxState(SandboxConfig(sellers=1, orders_per_seller=4000, questions_per_seller=0))
    seller = state.sellers[0].id
    assert len(state.market.orders.by_seller[seller]) == 4000
    dates = [o.date_created for o in state.market.orders.by_seller[seller]]
    assert dates == sorted(dates)
    empty = SandboxState(SandboxConfig(orders_per_seller=0, questions_per_seller=0))
    assert empty.market.snapshot()["orders"] == 0
