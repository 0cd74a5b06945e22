"""Post-sale messages through the REST API, driven as a user would (§8): a sale on the
sandbox, its conversation read without marking it read, a message from a template with a
PDF attached that the buyer's side holds once, an attachment refused before any call,
unread conversations, a blocked conversation refused with its reason, and MercadoLibre's
own 403 as a 409 with its message."""

from __future__ import annotations

import aiohttp
import pytest

from sandbox.testing import running_sandbox
from tests.e2e.conftest import AUTH, service_on_sandbox
from tests.e2e.test_orders_api import _json, _stored, eventually

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\n%%EOF\n"


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


def _pdf(name: str = "factura.pdf", content: bytes = PDF) -> aiohttp.FormData:
    form = aiohttp.FormData()
    form.add_field("file", content, filename=name, content_type="application/pdf")
    return form


async def test_a_seller_reads_writes_with_a_template_and_a_pdf_and_is_refused_when_blocked(world):
    sb, client = world["sb"], world["client"]
    seller = sb.sellers[0]["id"]
    sale = await sb.event("order", seller_id=seller, logistic_type="cross_docking")
    await eventually(lambda: _stored(client, sale["id"]))
    written = await sb.event("message", seller_id=seller, order_id=sale["id"], text="¿Factura?")
    base = f"/orders/{sale['id']}/messages"

    unread = await eventually(
        lambda: _unread_of(client, sb, sale),
    )
    assert unread["unread"] == 1 and unread["oldest"]["id"] == written["id"]
    read = await _json(await client.get(base, headers=AUTH))
    assert read["status"]["status"] == "active" and read["writer"] == "buyer"
    assert read["write_to"] == sale["buyer"]["id"] and read["char_limit"] == 350
    assert [m["text"] for m in read["messages"]] == ["¿Factura?"]
    assert read["messages"][0]["date_read"] is None, "reading does not mark read"

    too_big = await client.post(
        f"{base}/attachments", data=_pdf(content=b"%PDF" + b"0" * (25 * 1024 * 1024)), headers=AUTH
    )
    assert too_big.status == 413
    wrong = aiohttp.FormData()
    wrong.add_field("file", b"MZ", filename="virus.exe")
    assert (await client.post(f"{base}/attachments", data=wrong, headers=AUTH)).status == 415
    assert not sb.state.market.attachments, "refused before any call to MercadoLibre"
    uploaded = await _json(await client.post(f"{base}/attachments", data=_pdf(), headers=AUTH), 201)
    template = await _json(
        await client.post(
            "/templates",
            json={
                "name": "Factura",
                "kind": "message",
                "text": "Hola {buyer_nickname}, va la factura del pedido {order_id}.",
            },
            headers=AUTH,
        ),
        201,
    )
    sent = await _json(
        await client.post(
            base,
            json={"template_id": template["id"], "attachments": [uploaded["id"]]},
            headers=AUTH,
        ),
        201,
    )
    assert sent["send"]["status"] == "sent" and str(sale["id"]) in sent["message"]["text"]
    conversation = sb.state.market.messaging.conversation(str(sale["pack_id"] or sale["id"]))
    ours = [m for m in conversation.messages if m.from_id == seller]
    assert len(ours) == 1 and [a.id for a in ours[0].attachments] == [uploaded["id"]]
    download = await client.get(f"{base}/attachments/{uploaded['id']}", headers=AUTH)
    assert download.status == 200 and await download.read() == PDF

    marked = await _json(await client.post(f"{base}/read", headers=AUTH))
    assert all(m["date_read"] for m in marked["messages"] if not m["sent_by_seller"])
    account_id = marked["account_id"]
    listed = await _json(
        await client.get(f"/messages/unread?account_id={account_id}", headers=AUTH)
    )
    assert (sale["pack_id"] or sale["id"]) not in [c["pack_id"] for c in listed["conversations"]]
    options = await _json(await client.get(f"{base}/options", headers=AUTH))
    assert "OTHER" in [o["id"] for o in options["options"]]

    too_long = await client.post(base, json={"text": "a" * 351}, headers=AUTH)
    assert too_long.status == 422
    await sb.event("message", seller_id=seller, order_id=sale["id"], blocked="blocked_by_buyer")
    blocked = await client.post(base, json={"text": "Hola"}, headers=AUTH)
    body = await blocked.json()
    assert blocked.status == 409 and body["rule"] == "blocked"
    assert "blocked_by_buyer" in body["detail"]
    assert len([m for m in conversation.messages if m.from_id == seller]) == 1

    full = await sb.event("order", seller_id=seller, mode="me2", logistic_type="fulfillment")
    await eventually(lambda: _stored(client, full["id"]))
    refused = await client.post(
        f"/orders/{full['id']}/messages", json={"text": "Hola"}, headers=AUTH
    )
    body = await refused.json()
    assert refused.status == 409 and body["rule"] == "refused"
    assert "has not been yet delivered" in body["meli_message"]
    assert (await client.get("/orders/404/messages", headers=AUTH)).status == 404


async def _unread_of(client, sb, sale):
    accounts = await _json(await client.get("/accounts", headers=AUTH))
    account_id = accounts["results"][0]["id"] if "results" in accounts else accounts[0]["id"]
    listed = await _json(
        await client.get(f"/messages/unread?account_id={account_id}&refresh=true", headers=AUTH)
    )
    pack = sale["pack_id"] or sale["id"]
    return next((c for c in listed["conversations"] if c["pack_id"] == pack), None)


async def test_an_automatic_shipped_message_goes_out_once_when_the_order_ships(world):
    sb, client = world["sb"], world["client"]
    seller = sb.sellers[0]["id"]
    template = await _json(
        await client.post(
            "/templates",
            json={"name": "Salió", "kind": "message", "text": "¡Tu pedido {order_id} ya salió!"},
            headers=AUTH,
        ),
        201,
    )
    rule = await _json(
        await client.post(
            "/messages/rules",
            json={"name": "Enviado", "event": "shipped", "template_id": template["id"]},
            headers=AUTH,
        ),
        201,
    )
    bad = await client.post(
        "/messages/rules",
        json={"name": "x", "event": "shipped", "template_id": 9999},
        headers=AUTH,
    )
    assert bad.status == 422
    sale = await sb.event("order", seller_id=seller, mode="me2", logistic_type="cross_docking")
    await eventually(lambda: _stored(client, sale["id"]))

    for _ in range(2):  # shipped, and notified again: one message
        await sb.event(
            "shipment", seller_id=seller, shipment_id=sale["shipping"]["id"], status="shipped"
        )
    log = await eventually(lambda: _log_with(client, rule["id"], "sent"))

    assert [r["order_id"] for r in log["results"]] == [sale["id"]]
    conversation = sb.state.market.messaging.conversation(str(sale["pack_id"] or sale["id"]))
    ours = [m.text for m in conversation.messages if m.from_id == seller]
    assert ours == [f"¡Tu pedido {sale['id']} ya salió!"]
    listed = await _json(await client.get("/messages/rules", headers=AUTH))
    assert [r["id"] for r in listed["rules"]] == [rule["id"]]
    assert (await client.delete(f"/messages/rules/{rule['id']}", headers=AUTH)).status == 204


async def _log_with(client, rule_id: int, status: str):
    log = await _json(await client.get(f"/messages/rules/{rule_id}/log", headers=AUTH))
    return log if log["results"] and all(r["status"] == status for r in log["results"]) else None
