"""Orders through the REST API, driven as a user would: a sale on the sandbox reaches
GET /orders through the notifications (§9.2), filters and the detail answer from the
local copy, and nothing of a disconnected or unknown account is shown."""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from sandbox.testing import running_sandbox
from tests.e2e.conftest import AUTH, service_on_sandbox
from tests.helpers import render_pdf


async def eventually(check, timeout: float = 15.0, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while True:
        result = await check()
        if result:
            return result
        assert time.monotonic() < deadline, "timed out waiting"
        await asyncio.sleep(interval)


@pytest.fixture
async def world(tmp_path, aiohttp_client):
    async with (
        running_sandbox(rate_limit=0, orders_per_seller=0, questions_per_seller=0) as sb,
        service_on_sandbox(sb, tmp_path, aiohttp_client, RATE_LIMIT_BURST="1000") as service,
    ):
        client = service["client"]
        await sb.admin(
            "PATCH", "/config", {"callback_url": str(client.make_url("/webhooks/notification"))}
        )
        yield service


async def _json(response, status: int = 200):
    body = await response.json()
    assert response.status == status, body
    return body


async def _sale(world, **extra) -> dict:
    sb = world["sb"]
    seller = sb.sellers[0]
    return await sb.event("order", seller_id=seller["id"], **extra)


async def _stored(client, order_id: int):
    response = await client.get(f"/orders/{order_id}", headers=AUTH)
    return await response.json() if response.status == 200 else None


async def test_a_sale_appears_in_the_orders_with_its_shipment_and_pack(world):
    client = world["client"]
    sale = await _sale(world, mode="me2", logistic_type="drop_off")

    detail = await eventually(lambda: _stored(client, sale["id"]))

    order = detail["order"]
    assert order["id"] == sale["id"] and order["status"] == "paid"
    assert order["total_amount"] == f"{sale['total_amount']:.2f}"
    assert order["items"][0]["item_id"] == sale["order_items"][0]["item"]["id"]
    assert [p["id"] for p in order["payments"]] == [p["id"] for p in sale["payments"]]
    assert order["date_created"][-6:] == sale["date_created"][-6:], "the offset is kept"
    shipment = await eventually(lambda: _shipment_with_orders(client, sale["id"]))
    assert shipment["id"] == sale["shipping"]["id"] and shipment["mode"] == "me2"
    assert detail["pack"] is None or detail["pack"]["id"] == sale["pack_id"]

    listed = await _json(await client.get("/orders?status=paid", headers=AUTH))
    assert [o["id"] for o in listed["results"]] == [sale["id"]]
    assert listed["paging"]["total"] == 1
    title = sale["order_items"][0]["item"]["title"]
    found = await _json(await client.get("/orders", params={"q": title.upper()}, headers=AUTH))
    assert [o["id"] for o in found["results"]] == [sale["id"]]
    none = await _json(await client.get("/orders?status=cancelled", headers=AUTH))
    assert none["results"] == []


async def _shipment_with_orders(client, order_id):
    response = await client.get(f"/orders/{order_id}/shipment", headers=AUTH)
    if response.status != 200:
        return None
    body = await response.json()
    return body if order_id in body["order_ids"] else None


async def test_orders_are_listed_newest_first_and_filtered_by_shipment_status(world):
    client = world["client"]
    first = await _sale(world)
    world["sb"].advance_clock(60)
    second = await _sale(world)
    await eventually(lambda: _stored(client, first["id"]))
    await eventually(lambda: _stored(client, second["id"]))

    listed = await _json(await client.get("/orders", headers=AUTH))
    assert [o["id"] for o in listed["results"]] == [second["id"], first["id"]]
    status = (await _json(await client.get(f"/orders/{first['id']}/shipment", headers=AUTH)))[
        "status"
    ]
    by_shipment = await _json(
        await client.get("/orders", params={"shipment_status": status}, headers=AUTH)
    )
    assert first["id"] in [o["id"] for o in by_shipment["results"]]


async def test_bad_filters_are_clear_problems_and_unknown_orders_are_not_found(world):
    client = world["client"]
    for query, field in (
        ("status=shipped", "status"),
        ("from=yesterday", "from"),
        ("limit=0", "limit"),
        ("account_id=-1", "account_id"),
        ("shipment_status=lost", "shipment_status"),
    ):
        response = await client.get(f"/orders?{query}", headers=AUTH)
        assert response.status == 400, query
        problem = await response.json()
        assert problem["errors"][0]["field"] == field
    assert (await client.get("/orders/123", headers=AUTH)).status == 404
    assert (await client.get("/orders/123/shipment", headers=AUTH)).status == 404
    assert (await client.get("/orders?account_id=999", headers=AUTH)).status == 404
    assert (await client.get("/orders/abc", headers=AUTH)).status == 400


async def test_the_orders_of_a_disconnected_account_are_not_shown(world):
    client = world["client"]
    sale = await _sale(world)
    await eventually(lambda: _stored(client, sale["id"]))
    account_id = world["account_id"]

    await _json(await client.delete(f"/accounts/{account_id}", headers=AUTH), 200)

    assert (await client.get(f"/orders/{sale['id']}", headers=AUTH)).status == 404
    listed = await _json(await client.get("/orders", headers=AUTH))
    assert listed["results"] == []


async def _printable_sale(world) -> dict:
    sale = await _sale(world, mode="me2", logistic_type="drop_off")
    await world["sb"].event(
        "shipment",
        seller_id=world["seller"]["id"],
        shipment_id=sale["shipping"]["id"],
        status="ready_to_ship",
        substatus="ready_to_print",
    )
    return sale


async def _printable(client, order_id):
    response = await client.get(f"/orders/{order_id}/shipment", headers=AUTH)
    return response.status == 200 and (await response.json())["label_available"]


async def test_a_ready_to_print_orders_label_downloads_as_a_real_pdf(world, tmp_path):
    """§6.3: the label of a ready_to_print ME2 drop-off shipment, a PDF pdftoppm renders."""
    client = world["client"]
    sale = await _printable_sale(world)
    await eventually(lambda: _printable(client, sale["id"]))

    pdf = await client.get(f"/orders/{sale['id']}/shipping-label", headers=AUTH)
    zpl = await client.get(f"/orders/{sale['id']}/shipping-label?format=zpl", headers=AUTH)

    assert pdf.status == 200 and pdf.content_type == "application/pdf"
    content = await pdf.read()
    assert content.startswith(b"%PDF") and content.rstrip().endswith(b"%%EOF")
    pages = await asyncio.to_thread(render_pdf, content, tmp_path)
    assert len(pages) == 1 and min(pages[0]) < 64, "one page with something printed on it"
    assert pdf.headers["X-Labels-Printed"] == str(sale["id"])
    assert zpl.status == 200 and b"^XA" in await zpl.read()

    # §6.4: the shipment with its history, delays, costs, SLA and carrier, read now.
    shipment = await _json(await client.get(f"/orders/{sale['id']}/shipment", headers=AUTH))
    assert shipment["tracking_number"] and shipment["tracking_method"]
    steps = [(h["status"], h["substatus"]) for h in shipment["history"]]
    assert steps[-2:] == [("ready_to_ship", "ready_to_print"), ("ready_to_ship", "printed")]
    assert shipment["delays"] == []
    costs = shipment["costs"]
    assert costs["currency_id"] == sale["currency_id"]
    assert costs["buyer"]["user_id"] == sale["buyer"]["id"]
    assert costs["seller"]["user_id"] == world["seller"]["id"]
    assert shipment["sla"]["status"] == "on_time" and shipment["sla"]["expected_date"]
    assert shipment["carrier"]["name"] and shipment["tracking_number"] in shipment["carrier"]["url"]


async def test_a_label_not_printable_is_a_409_naming_status_and_substatus(world):
    client = world["client"]
    sale = await _printable_sale(world)
    await eventually(lambda: _printable(client, sale["id"]))
    await world["sb"].event(
        "shipment",
        seller_id=world["seller"]["id"],
        shipment_id=sale["shipping"]["id"],
        status="shipped",
    )

    async def shipped():
        response = await client.get(f"/orders/{sale['id']}/shipment", headers=AUTH)
        return (await response.json())["status"] == "shipped"

    await eventually(shipped)
    response = await client.get(f"/orders/{sale['id']}/shipping-label", headers=AUTH)

    assert response.status == 409
    problem = await response.json()
    assert "status shipped" in problem["detail"] and "substatus" in problem["detail"]
    assert (await client.get("/orders/1/shipping-label", headers=AUTH)).status == 404
    bad = await client.get(f"/orders/{sale['id']}/shipping-label?format=png", headers=AUTH)
    assert bad.status == 400


async def test_labels_of_several_orders_come_in_one_file_with_the_others_left_out(world):
    client = world["client"]
    ready = await _printable_sale(world)
    other = await _sale(world, mode="me1")
    await eventually(lambda: _printable(client, ready["id"]))
    await eventually(lambda: _stored(client, other["id"]))

    response = await client.post(
        "/shipping/labels", json={"order_ids": [ready["id"], other["id"], 1]}, headers=AUTH
    )

    assert response.status == 200 and (await response.read()).startswith(b"%PDF")
    left_out = {
        o["order_id"]: o["reason"] for o in json.loads(response.headers["X-Labels-Left-Out"])
    }
    assert set(left_out) == {other["id"], 1}
    assert "me1" in left_out[other["id"]] and left_out[1] == "no such order"
    too_many = await client.post(
        "/shipping/labels", json={"order_ids": list(range(1, 52))}, headers=AUTH
    )
    assert too_many.status == 422

    # The same by shipment ids, with a reason for each shipment left out.
    shipment_ids = [ready["shipping"]["id"], other["shipping"]["id"], 40000000001]
    by_shipment = await client.post(
        "/shipping/labels", json={"shipment_ids": shipment_ids, "format": "zpl"}, headers=AUTH
    )
    assert by_shipment.status == 200 and b"^XA" in await by_shipment.read()
    assert by_shipment.headers["X-Labels-Printed"] == str(ready["shipping"]["id"])
    left_out = {
        o["shipment_id"]: o["reason"] for o in json.loads(by_shipment.headers["X-Labels-Left-Out"])
    }
    assert "me1" in left_out[other["shipping"]["id"]]
    assert left_out[40000000001] == "no such shipment"
    for body in (
        {"order_ids": [ready["id"]], "shipment_ids": shipment_ids},
        {},
        {"shipment_ids": list(range(1, 52))},
        {"shipment_ids": [0]},
    ):
        refused = await client.post("/shipping/labels", json=body, headers=AUTH)
        assert refused.status in (400, 422), body
    unknown = await client.post("/shipping/labels", json={"shipment_ids": [1]}, headers=AUTH)
    assert unknown.status == 404


async def test_notes_round_trip_to_mercadolibre_and_are_checked_first(world):
    """§5.5: notes of at most 300 characters, kept on the stored order."""
    client = world["client"]
    sale = await _sale(world)
    await eventually(lambda: _stored(client, sale["id"]))
    notes = f"/orders/{sale['id']}/notes"

    added = await _json(await client.post(notes, json={"note": "Envolver"}, headers=AUTH), 201)
    changed = await _json(
        await client.put(f"{notes}/{added['id']}", json={"note": "Regalo"}, headers=AUTH)
    )
    listed = await _json(await client.get(notes, headers=AUTH))
    detail = await _stored(client, sale["id"])

    assert changed["id"] == added["id"] and changed["text"] == "Regalo"
    assert [(n["id"], n["text"]) for n in listed["results"]] == [(added["id"], "Regalo")]
    assert [n["text"] for n in detail["order"]["notes"]] == ["Regalo"]
    too_long = await client.post(notes, json={"note": "x" * 301}, headers=AUTH)
    assert too_long.status == 422
    assert (await _json(await client.get(notes, headers=AUTH)))["results"] == listed["results"]
    deleted = await client.delete(f"{notes}/{added['id']}", headers=AUTH)
    assert deleted.status == 204
    assert (await _json(await client.get(notes, headers=AUTH)))["results"] == []
    assert (await client.delete(f"{notes}/{added['id']}", headers=AUTH)).status == 404
    assert (await client.get("/orders/1/notes", headers=AUTH)).status == 404


async def test_i_have_the_product_readies_an_me2_shipment_and_refuses_an_me1_one(world):
    client = world["client"]
    sale = await _sale(world, mode="me2", logistic_type="drop_off")
    me1 = await _sale(world, mode="me1")
    await world["sb"].event(
        "shipment",
        seller_id=world["seller"]["id"],
        shipment_id=sale["shipping"]["id"],
        status="handling",
    )

    async def handling():
        response = await client.get(f"/orders/{sale['id']}/shipment", headers=AUTH)
        return response.status == 200 and (await response.json())["status"] == "handling"

    await eventually(handling)
    await eventually(lambda: _shipment_with_orders(client, me1["id"]))

    ready = await _json(await client.post(f"/orders/{sale['id']}/ready-to-ship", headers=AUTH))
    refused = await client.post(f"/orders/{me1['id']}/ready-to-ship", headers=AUTH)

    assert (ready["status"], ready["substatus"]) == ("ready_to_ship", "ready_to_print")
    assert ready["label_available"] is True
    assert refused.status == 409 and "me1" in (await refused.json())["detail"]


async def test_an_me1_shipment_takes_tracking_updates_and_an_me2_one_refuses_them(world):
    """§6.4: ME1 status updates."""
    client = world["client"]
    me1 = await _sale(world, mode="me1")
    me2 = await _sale(world, mode="me2", logistic_type="drop_off")
    await eventually(lambda: _shipment_with_orders(client, me1["id"]))
    await eventually(lambda: _shipment_with_orders(client, me2["id"]))
    update = {"tracking_number": "OCA123", "status": "shipped"}

    shipped = await _json(
        await client.post(f"/orders/{me1['id']}/tracking", json=update, headers=AUTH)
    )
    refused = await client.post(f"/orders/{me2['id']}/tracking", json=update, headers=AUTH)
    bad = await client.post(
        f"/orders/{me1['id']}/tracking",
        json={"tracking_number": "OCA123", "status": "lost"},
        headers=AUTH,
    )
    bad_url = await client.post(
        f"/orders/{me1['id']}/tracking",
        json={**update, "tracking_url": "ftp://x"},
        headers=AUTH,
    )
    bad_extras = [
        await client.post(f"/orders/{me1['id']}/tracking", json={**update, **extra}, headers=AUTH)
        for extra in (
            {"substatus": "Out For Delivery"},
            {"service_id": 0},
            {"comment": "x" * 501},
        )
    ]

    assert (shipped["status"], shipped["tracking_number"]) == ("shipped", "OCA123")
    detail = await _json(await client.get(f"/orders/{me1['id']}/shipment", headers=AUTH))
    assert detail["sla"] is None, "MercadoLibre has no SLA for ME1: not available, no error"
    assert detail["history"][-1]["status"] == "shipped" and "OCA123" in detail["carrier"]["url"]
    assert refused.status == 409 and "me2" in (await refused.json())["detail"]
    assert bad.status == 422 and bad_url.status == 422
    assert [r.status for r in bad_extras] == [422, 422, 422]
    # §6.2, §6.4: a substatus of the status, the carrier's service and a comment go along.
    out = await _json(
        await client.post(
            f"/orders/{me1['id']}/tracking",
            json={**update, "substatus": "out_for_delivery", "service_id": 7, "comment": "Hoy"},
            headers=AUTH,
        )
    )
    assert (out["status"], out["substatus"]) == ("shipped", "out_for_delivery")
    delivered = {"tracking_number": "OCA123", "status": "delivered"}
    done = await _json(
        await client.post(f"/orders/{me1['id']}/tracking", json=delivered, headers=AUTH)
    )
    assert done["status"] == "delivered"
    final = await client.post(f"/orders/{me1['id']}/tracking", json=update, headers=AUTH)
    assert final.status == 409


async def _a_listing(client):
    response = await client.get("/products?limit=1&status=active", headers=AUTH)
    body = await response.json() if response.status == 200 else None
    return body["results"][0]["item_id"] if body and body["results"] else None


async def test_a_buyer_quote_and_the_free_shipping_cost_of_a_listing(world):
    """§6.5."""
    client = world["client"]
    synced = await client.post(
        "/products/sync", json={"account_id": world["account_id"]}, headers=AUTH
    )
    assert synced.status == 202
    item_id = await eventually(lambda: _a_listing(client))

    quote = await _json(
        await client.get(
            "/shipping/options", params={"item_id": item_id, "zip_code": "1414"}, headers=AUTH
        )
    )
    free = await _json(await client.get(f"/shipping/free-cost?item_id={item_id}", headers=AUTH))

    assert quote["item_id"] == item_id and quote["zip_code"] == "1414" and quote["options"]
    assert quote["options"][0]["currency_id"] == free["currency_id"]
    assert float(free["cost"]) > 0
    unknown = await client.get("/shipping/free-cost?item_id=MLA1", headers=AUTH)
    assert unknown.status == 404
    missing = await client.get(f"/shipping/options?item_id={item_id}", headers=AUTH)
    assert missing.status == 400
