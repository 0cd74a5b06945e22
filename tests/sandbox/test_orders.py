"""Orders, the order search, packs, notes, and the purchase flow (§5, §12.5)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from tests.sandbox.conftest import MLA_ITEM, NEW_FORMAT, MakeSandbox, Sandbox


async def test_order_has_the_shape_of_section_5_1(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §5.1 (GET /orders/{id}: items with variation, unit price,
    currency, payments, buyer, shipping id, pack id, tags, status, dates)."""
    order = await sandbox.event("order", seller_id=sandbox.seller(), item_id=None)
    status, body = await sandbox.get(f"/orders/{order['id']}")
    assert status == 200
    for key in (
        "id",
        "date_created",
        "last_updated",
        "date_closed",
        "pack_id",
        "fulfilled",
        "buying_mode",
        "mediations",
        "total_amount",
        "paid_amount",
        "order_items",
        "currency_id",
        "payments",
        "shipping",
        "status",
        "status_detail",
        "tags",
        "feedback",
        "context",
        "seller",
        "buyer",
        "taxes",
        "cancel_detail",
    ):
        assert key in body, key
    assert len(str(body["id"])) == 16 and len(str(body["pack_id"])) == 16
    line = body["order_items"][0]
    assert {"id", "title", "category_id", "variation_id", "variation_attributes"} <= set(
        line["item"]
    )
    assert line["quantity"] == 1 and line["currency_id"] == "ARS"
    assert body["total_amount"] == line["unit_price"] == body["paid_amount"]
    payment = body["payments"][0]
    assert (payment["status"], payment["status_detail"]) == ("approved", "accredited")
    assert payment["order_id"] == body["id"] and payment["collector"]["id"] == sandbox.seller()
    assert body["buyer"]["id"] != sandbox.seller() and body["buyer"]["nickname"]
    assert len(str(body["shipping"]["id"])) == 11
    assert body["status"] == "paid" and "paid" in body["tags"] and "test_order" in body["tags"]
    # §0.3: order dates carry the site's offset.
    assert body["date_created"].endswith("-03:00")
    assert body["date_closed"] is not None


async def test_unknown_order_is_404_with_the_documented_body(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §5.1 (404 not_found "Order does not exist")."""
    status, body = await sandbox.get("/orders/2000000000000001")
    assert status == 404
    assert body == {
        "message": "Order does not exist",
        "error": "not_found",
        "status": 404,
        "cause": [],
    }
    # Not an order id: a path the sandbox does not simulate.
    assert (await sandbox.get("/orders/abc"))[0] == 501


async def test_another_sellers_order_is_403(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §5.1, §12.2 (403 "The user has not access to the order")."""
    other = sandbox.order_of(sandbox.seller(1), lambda o: True)
    status, body = await sandbox.get(f"/orders/{other.id}")
    assert status == 403
    assert (body["error"], body["message"]) == ("forbidden", "The user has not access to the order")


async def test_the_buyer_reads_his_order(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §5.1 (orders are replicated for buyer and seller)."""
    order = await sandbox.event("order", seller_id=sandbox.seller())
    await sandbox.login(order["buyer"]["id"])
    status, body = await sandbox.get(f"/orders/{order['id']}")
    assert (status, body["id"]) == (200, order["id"])
    status, search = await sandbox.get("/orders/search", params={"buyer": order["buyer"]["id"]})
    assert status == 200 and order["id"] in [o["id"] for o in search["results"]]


async def test_search_pages_through_every_order(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §5.3 (seller=, offset/limit, paging.total, full orders in
    results, sort date_asc|date_desc)."""
    seller = sandbox.seller()
    params = {"seller": str(seller), "order.status": ",".join(ORDER_STATUSES)}
    status, first = await sandbox.get("/orders/search", params={**params, "limit": "7"})
    assert status == 200
    total = first["paging"]["total"]
    assert total == len(sandbox.state.market.orders.by_seller[seller])
    assert first["sort"] == {"id": "date_asc", "name": "Date ascending"}
    assert {s["id"] for s in first["available_sorts"]} == {"date_desc"}
    seen = []
    for offset in range(0, total, 7):
        _, page = await sandbox.get(
            "/orders/search", params={**params, "limit": "7", "offset": str(offset)}
        )
        assert page["paging"] == {"total": total, "offset": offset, "limit": 7}
        seen += page["results"]
    assert len({o["id"] for o in seen}) == total
    assert all("order_items" in o and "payments" in o for o in seen)
    created = [o["date_created"] for o in seen]
    as_times = [datetime.fromisoformat(c) for c in created]
    assert as_times == sorted(as_times)
    _, newest = await sandbox.get("/orders/search", params={**params, "sort": "date_desc"})
    assert [o["id"] for o in newest["results"]] == [o["id"] for o in reversed(seen)]


ORDER_STATUSES = ("confirmed", "payment_in_process", "paid", "partially_refunded", "cancelled")


async def test_search_limit_defaults_to_50_and_is_capped(make_sandbox: MakeSandbox) -> None:
    """ref: mercadolibre-api.md §5.3, §13 (default limit 50; the cap is undocumented,
    51 [INF] and configurable)."""
    sb = await make_sandbox(orders_per_seller=60)
    await sb.login()
    seller = str(sb.seller())
    _, body = await sb.get("/orders/search", params={"seller": seller})
    assert body["paging"]["limit"] == 50 and len(body["results"]) == 50
    status, body = await sb.get("/orders/search", params={"seller": seller, "limit": "51"})
    assert status == 200 and len(body["results"]) == 51
    status, body = await sb.get("/orders/search", params={"seller": seller, "limit": "52"})
    assert status == 400 and body["message"] == "Limit must be lower or equal than 51"
    await sb.call("PATCH", "/_sandbox/config", json={"orders_max_limit": 100})
    status, _ = await sb.get("/orders/search", params={"seller": seller, "limit": "100"})
    assert status == 200


async def test_search_filters_by_status_and_hides_cancelled(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §5.3 (order.status=; cancelled orders left out of seller
    searches by default [DOC-S])."""
    seller = sandbox.seller()
    order = await sandbox.event("order", seller_id=seller)
    await sandbox.event("payment", seller_id=seller, order_id=order["id"], status="refunded")
    _, everything = await sandbox.get("/orders/search", params={"seller": seller})
    assert order["id"] not in [o["id"] for o in everything["results"]]
    assert all(o["status"] != "cancelled" for o in everything["results"])
    _, cancelled = await sandbox.get(
        "/orders/search", params={"seller": seller, "order.status": "cancelled"}
    )
    assert order["id"] in [o["id"] for o in cancelled["results"]]
    assert {o["status"] for o in cancelled["results"]} == {"cancelled"}
    assert cancelled["filters"][0]["id"] == "order.status"
    _, paid = await sandbox.get("/orders/search", params={"seller": seller, "order.status": "paid"})
    assert paid["paging"]["total"] > 0 and {o["status"] for o in paid["results"]} == {"paid"}
    status, _ = await sandbox.get(
        "/orders/search", params={"seller": seller, "order.status": "shipped"}
    )
    assert status == 400


async def test_search_by_date_ranges_with_time_zone_offsets(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §5.3 (order.date_created.from|to and
    order.date_last_updated.from|to, ISO dates with offsets)."""
    seller = sandbox.seller()
    orders = sandbox.state.market.orders.by_seller[seller]
    target = sorted(orders, key=lambda o: o.date_created)[len(orders) // 2]
    _, body = await sandbox.get(f"/orders/{target.id}")
    local = datetime.fromisoformat(body["date_created"])
    # The same instant written with another offset.
    elsewhere = local.astimezone(timezone(timedelta(hours=2))).isoformat(timespec="milliseconds")
    status, found = await sandbox.get(
        "/orders/search",
        params={
            "seller": seller,
            "order.date_created.from": elsewhere,
            "order.date_created.to": elsewhere,
            "order.status": ",".join(ORDER_STATUSES),
        },
    )
    assert status == 200
    assert [o["id"] for o in found["results"]] == [target.id]
    after = (local + timedelta(milliseconds=1)).isoformat(timespec="milliseconds")
    _, later = await sandbox.get(
        "/orders/search",
        params={"seller": seller, "order.date_created.from": after, "order.status": "paid"},
    )
    assert all(datetime.fromisoformat(o["date_created"]) > local for o in later["results"])
    # Updated since a moment: a payment just now updates an order.
    now = datetime.now(timezone(timedelta(hours=-3))) - timedelta(seconds=5)
    fresh = await sandbox.event("order", seller_id=seller, status="confirmed")
    await sandbox.event("payment", seller_id=seller, order_id=fresh["id"])
    _, updated = await sandbox.get(
        "/orders/search",
        params={"seller": seller, "order.date_last_updated.from": now.isoformat()},
    )
    assert fresh["id"] in [o["id"] for o in updated["results"]]
    assert (
        await sandbox.get(
            "/orders/search", params={"seller": seller, "order.date_created.from": "yesterday"}
        )
    )[0] == 400


async def test_search_by_item_and_text(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §5.3 (item=, q= order id, item id or title, nickname)."""
    seller = sandbox.seller()
    order = await sandbox.event("order", seller_id=seller)
    item_id = order["order_items"][0]["item"]["id"]
    _, by_item = await sandbox.get("/orders/search", params={"seller": seller, "item": item_id})
    assert by_item["paging"]["total"] >= 1
    assert all(o["order_items"][0]["item"]["id"] == item_id for o in by_item["results"])
    _, by_id = await sandbox.get("/orders/search", params={"seller": seller, "q": str(order["id"])})
    assert [o["id"] for o in by_id["results"]] == [order["id"]]
    nickname = order["buyer"]["nickname"]
    _, by_nick = await sandbox.get("/orders/search", params={"seller": seller, "q": nickname})
    assert order["id"] in [o["id"] for o in by_nick["results"]]


async def test_search_of_another_seller_or_without_seller(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §5.3, §12.2 (a user searches his own orders only)."""
    status, _ = await sandbox.get("/orders/search", params={"seller": sandbox.seller(1)})
    assert status == 403
    status, _ = await sandbox.get("/orders/search")
    assert status == 400
    status, _ = await sandbox.get(
        "/orders/search", params={"seller": sandbox.seller(), "sort": "x"}
    )
    assert status == 400


async def test_a_sale_moves_stock_and_pauses_at_zero(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §12.5, §4.3 (a purchase decrements available_quantity,
    increments sold_quantity; zero stock pauses with out_of_stock)."""
    item = await sandbox.create_item({**MLA_ITEM, "available_quantity": 3})
    seller = sandbox.seller()
    await sandbox.event("order", seller_id=seller, item_id=item["id"], quantity=2)
    _, after = await sandbox.get(f"/items/{item['id']}")
    assert (after["available_quantity"], after["sold_quantity"]) == (1, 2)
    await sandbox.event("order", seller_id=seller, item_id=item["id"])
    _, empty = await sandbox.get(f"/items/{item['id']}")
    assert (empty["available_quantity"], empty["sold_quantity"]) == (0, 3)
    assert (empty["status"], empty["sub_status"]) == ("paused", ["out_of_stock"])
    status, body = await sandbox.post(
        "/_sandbox/events", json={"type": "order", "seller_id": seller, "item_id": item["id"]}
    )
    assert status == 400 and "not active" in body["message"]


async def test_a_sale_of_a_variation_moves_its_stock(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §12.5, §4.6 (stock per variation; variation in the
    order's item)."""
    item = await sandbox.create_sneakers()
    variation = item["variations"][1]
    order = await sandbox.event(
        "order", seller_id=sandbox.seller(), item_id=item["id"], variation_id=variation["id"]
    )
    line = order["order_items"][0]["item"]
    assert line["variation_id"] == variation["id"]
    assert {a["id"] for a in line["variation_attributes"]} == {"COLOR", "SIZE"}
    _, after = await sandbox.get(f"/items/{item['id']}")
    changed = next(v for v in after["variations"] if v["id"] == variation["id"])
    assert changed["available_quantity"] == variation["available_quantity"] - 1
    assert changed["sold_quantity"] == 1
    assert after["sold_quantity"] == 1


async def test_a_sale_creates_a_pack_and_a_shipment(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §12.5, §5.4 (order + pack + shipment; GET /packs/{id})."""
    order = await sandbox.event("order", seller_id=sandbox.seller(), status="confirmed")
    status, pack = await sandbox.get(f"/packs/{order['pack_id']}")
    assert status == 200
    assert set(pack) >= {"id", "status", "status_detail", "shipment", "orders", "buyer"}
    assert pack["orders"] == [{"id": order["id"]}]
    assert pack["shipment"] == {"id": order["shipping"]["id"]}
    assert pack["buyer"] == {"id": order["buyer"]["id"]} and pack["status"] == "released"
    status, shipment = await sandbox.get(
        f"/shipments/{order['shipping']['id']}", headers=NEW_FORMAT
    )
    assert (status, shipment["status"], shipment["substatus"]) == (
        200,
        "pending",
        "waiting_for_payment",
    )
    status, hosted = await sandbox.get(f"/orders/{order['id']}/shipments")
    assert (status, hosted) == (200, [{"id": order["shipping"]["id"], "type": "forward"}])


async def test_pack_errors(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §5.4 (404 "Order do not exists"; 403 for other users)."""
    status, body = await sandbox.get("/packs/2000000000000001")
    assert (status, body["message"], body["error"]) == (404, "Order do not exists", "not_found")
    other = sandbox.order_of(sandbox.seller(1), lambda o: o.pack_id is not None)
    status, body = await sandbox.get(f"/packs/{other.pack_id}")
    assert (status, body["message"]) == (403, "The user has not access to the order")


async def test_order_statuses_follow_the_payment(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §5.2, §12.5 (confirmed -> payment_in_process -> paid ->
    partially_refunded -> cancelled; date_closed set when confirmed, §5.1)."""
    seller = sandbox.seller()
    order = await sandbox.event("order", seller_id=seller, status="confirmed")
    assert order["status"] == "confirmed" and order["date_closed"] is not None
    assert order["payments"] == [] and "paid" not in order["tags"]
    order = await sandbox.event(
        "payment", seller_id=seller, order_id=order["id"], status="in_process"
    )
    assert order["status"] == "payment_in_process"
    assert order["payments"][0]["status"] == "in_process"
    order = await sandbox.event("payment", seller_id=seller, order_id=order["id"])
    assert order["status"] == "paid" and order["payments"][0]["status"] == "approved"
    half = round(order["total_amount"] / 2, 2)
    order = await sandbox.event(
        "payment", seller_id=seller, order_id=order["id"], status="partially_refunded", amount=half
    )
    assert order["status"] == "partially_refunded"
    assert order["payments"][0]["transaction_amount_refunded"] == half
    order = await sandbox.event(
        "payment", seller_id=seller, order_id=order["id"], status="refunded"
    )
    assert order["status"] == "cancelled"
    assert order["payments"][0]["status"] == "refunded"
    assert order["cancel_detail"]["code"] == "refunded"
    status, _ = await sandbox.post(
        "/_sandbox/events",
        json={"type": "payment", "seller_id": seller, "order_id": order["id"]},
    )
    assert status == 409


async def test_refund_of_a_paid_order_cancels_it_and_returns_the_stock(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §5.1 ("A paid order becomes cancelled if its payment is
    refunded"), §12.5; the cancelled shipment and the stock given back [INF]."""
    item = await sandbox.create_item({**MLA_ITEM, "available_quantity": 1})
    seller = sandbox.seller()
    order = await sandbox.event("order", seller_id=seller, item_id=item["id"])
    assert (await sandbox.get(f"/items/{item['id']}"))[1]["status"] == "paused"
    order = await sandbox.event("payment", seller_id=seller, order_id=order["id"])
    assert order["status"] == "cancelled"
    _, shipment = await sandbox.get(f"/shipments/{order['shipping']['id']}", headers=NEW_FORMAT)
    assert shipment["status"] == "cancelled"
    _, restocked = await sandbox.get(f"/items/{item['id']}")
    assert (restocked["status"], restocked["available_quantity"]) == ("active", 1)
    _, pack = await sandbox.get(f"/packs/{order['pack_id']}")
    assert pack["status"] == "cancelled"


async def test_payments_resource_of_the_notifications(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §9.3 (topic payments points at /collections/{id}), §5.1
    (payment fields)."""
    order = await sandbox.event("order", seller_id=sandbox.seller())
    payment_id = order["payments"][0]["id"]
    status, payment = await sandbox.get(f"/collections/{payment_id}")
    assert status == 200 and payment["id"] == payment_id and payment["status"] == "approved"
    assert (await sandbox.get("/collections/1"))[0] == 404


async def test_order_notes(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §5.5 (POST/GET /orders/{id}/notes, PUT/DELETE
    /orders/{id}/notes/{note_id}; at most 300 characters)."""
    order = await sandbox.event("order", seller_id=sandbox.seller())
    path = f"/orders/{order['id']}/notes"
    status, created = await sandbox.post(path, json={"note": "x" * 300})
    assert status == 201
    note = created["note"]
    assert created["order_id"] == str(order["id"]) and note["note"] == "x" * 300
    assert len(note["id"]) == 24 and note["date_created"]
    status, body = await sandbox.post(path, json={"note": "x" * 301})
    assert status == 400 and "300" in body["message"]
    assert (await sandbox.post(path, json={"note": ""}))[0] == 400
    assert (await sandbox.post(path, json={"text": "wrong field"}))[0] == 400
    status, changed = await sandbox.put(f"{path}/{note['id']}", json={"note": "packed"})
    assert status == 200 and changed["note"]["note"] == "packed"
    status, listed = await sandbox.get(path)
    assert status == 200
    assert listed[0]["order_id"] == str(order["id"])
    assert [n["note"] for n in listed[0]["results"]] == ["packed"]
    status, _ = await sandbox.delete(f"{path}/{note['id']}")
    assert status == 200
    assert (await sandbox.get(path))[1][0]["results"] == []
    assert (await sandbox.put(f"{path}/{note['id']}", json={"note": "a"}))[0] == 404
    # Notes are the seller's: the buyer gets 403.
    await sandbox.login(order["buyer"]["id"])
    assert (await sandbox.get(path))[0] == 403


async def test_thousands_of_orders_page_through(make_sandbox: MakeSandbox) -> None:
    """ref: mercadolibre-api.md §5.3 (offset paging through a large order history, no
    offset cap [INF])."""
    sb = await make_sandbox(orders_per_seller=3000, questions_per_seller=0, sellers=1)
    await sb.login()
    seller = str(sb.seller())
    ids: list[int] = []
    offset = 0
    total = None
    while total is None or offset < total:
        status, page = await sb.get(
            "/orders/search",
            params={"seller": seller, "limit": "51", "offset": str(offset), "sort": "date_desc"},
        )
        assert status == 200
        total = page["paging"]["total"]
        ids += [o["id"] for o in page["results"]]
        offset += 51
    assert total > 2500 and len(ids) == len(set(ids)) == total
