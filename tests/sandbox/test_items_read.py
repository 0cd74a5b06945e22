"""Reading items (§4.1, §4.11 multiget, §0.3 attributes/JSONP/OPTIONS/206)."""

from __future__ import annotations

import json
import re

from sandbox.item_shape import bucket
from tests.sandbox.conftest import Sandbox

ITEM_FIELDS = {
    "id",
    "site_id",
    "title",
    "seller_id",
    "category_id",
    "price",
    "base_price",
    "currency_id",
    "initial_quantity",
    "available_quantity",
    "sold_quantity",
    "sale_terms",
    "buying_mode",
    "listing_type_id",
    "start_time",
    "stop_time",
    "condition",
    "permalink",
    "thumbnail_id",
    "thumbnail",
    "pictures",
    "attributes",
    "variations",
    "status",
    "sub_status",
    "tags",
    "domain_id",
    "seller_custom_field",
    "date_created",
    "last_updated",
    "health",
    "channels",
    "shipping",
}


def demo_id(sandbox: Sandbox, seller: int = 0, position: int = 0) -> str:
    return sandbox.state.items.listings[sandbox.seller(seller)].item_id(position)


async def test_owner_reads_the_full_item(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §4.1 (GET /items/{id} shape, owner-only fields present)."""
    item_id = demo_id(sandbox)
    status, body = await sandbox.get(f"/items/{item_id}")
    assert status == 200
    assert ITEM_FIELDS <= set(body)
    assert re.fullmatch(r"MLA\d{10}", body["id"])
    assert body["seller_id"] == sandbox.seller()
    assert body["currency_id"] == "ARS"
    assert body["permalink"].startswith(f"https://articulo.mercadolibre.com.ar/MLA-{item_id[3:]}-")
    assert "test_item" in body["tags"]
    assert body["channels"] == ["marketplace"]


async def test_public_read_buckets_stock_and_hides_owner_fields(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §4.1 (public reads: available_quantity bucket; owner-only
    fields hidden)."""
    item_id = demo_id(sandbox, seller=1, position=3)
    stored = sandbox.state.items.get(item_id)
    status, body = await sandbox.get(f"/items/{item_id}")
    assert status == 200
    assert "initial_quantity" not in body
    assert "channels" not in body
    assert body["available_quantity"] == bucket(stored["available_quantity"])
    assert body["available_quantity"] in (0, 1, 50, 100, 150, 200, 250, 500, 5000, 50000)


def test_quantity_buckets() -> None:
    """ref: mercadolibre-api.md §4.1 (buckets 1, 50, 100, 150, 200, 250, 500, 5000, 50000)."""
    assert [
        bucket(q)
        for q in (
            0,
            1,
            49,
            50,
            99,
            100,
            149,
            150,
            199,
            200,
            249,
            250,
            499,
            500,
            4999,
            5000,
            49999,
            50000,
            10**6,
        )
    ] == [
        0,
        1,
        1,
        50,
        50,
        100,
        100,
        150,
        150,
        200,
        200,
        250,
        250,
        500,
        500,
        5000,
        5000,
        50000,
        50000,
    ]


async def test_attributes_parameter_trims_the_item(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §0.3 (?attributes=a,b trims a response)."""
    item_id = demo_id(sandbox)
    status, body = await sandbox.get(f"/items/{item_id}", params={"attributes": "id,price"})
    assert status == 200
    assert set(body) == {"id", "price"}


async def test_multiget_in_request_order_with_404s(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §4.11 (multiget [{code, body}] in request order)."""
    a, b = demo_id(sandbox, 0, 1), demo_id(sandbox, 1, 2)
    status, body = await sandbox.get("/items", params={"ids": f"{b},MLA1,{a}"})
    assert status == 200
    assert [e["code"] for e in body] == [200, 404, 200]
    assert body[0]["body"]["id"] == b
    assert body[2]["body"]["id"] == a
    assert body[1]["body"] == {
        "message": "Item with id MLA1 not found",
        "error": "not_found",
        "status": 404,
        "cause": [],
    }


async def test_multiget_cap_is_20(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §4.11 (multiget cap 20)."""
    ids = [demo_id(sandbox, 0, p) for p in range(21)]
    status, body = await sandbox.get("/items", params={"ids": ",".join(ids)})
    assert status == 400
    assert body["status"] == 400 and body["cause"] == []
    status, body = await sandbox.get("/items", params={"ids": ",".join(ids[:20])})
    assert status == 200
    assert len(body) == 20


async def test_multiget_trims_each_body(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §4.11 (multiget with &attributes=id,price,...)."""
    ids = [demo_id(sandbox, 0, p) for p in range(3)]
    _, body = await sandbox.get(
        "/items", params={"ids": ",".join(ids), "attributes": "id,price,status"}
    )
    assert [set(e["body"]) for e in body] == [{"id", "price", "status"}] * 3
    assert [e["body"]["id"] for e in body] == ids


async def test_multiget_public_bodies_are_bucketed(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §4.1, §4.11 (another seller's items are public reads)."""
    item_id = demo_id(sandbox, 1, 3)
    _, body = await sandbox.get("/items", params={"ids": item_id})
    assert "initial_quantity" not in body[0]["body"]


async def test_variation_attributes_only_with_include_attributes(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §4.6 (variation `attributes` appear with include_attributes=all)."""
    item = await sandbox.create_sneakers()
    _, plain = await sandbox.get(f"/items/{item['id']}")
    assert all("attributes" not in v for v in plain["variations"])
    _, full = await sandbox.get(f"/items/{item['id']}", params={"include_attributes": "all"})
    assert all("attributes" in v for v in full["variations"])


async def test_jsonp_callback(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §0.3 (?callback=fn -> 200, fn([status, headers, body]))."""
    response = await sandbox.client.get(
        "/items/MLA1", params={"callback": "cb"}, headers=sandbox.headers()
    )
    assert response.status == 200
    text = await response.text()
    assert text.startswith("cb(") and text.endswith(");")
    status, headers, body = json.loads(text[3:-2])
    assert status == 404
    assert "Content-Type" in headers
    assert body["error"] == "not_found"


async def test_options_self_documentation(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §0.3 (OPTIONS /<resource> returns JSON self-documentation)."""
    status, body = await sandbox.call("OPTIONS", f"/items/{demo_id(sandbox)}")
    assert status == 200
    assert {m["method"] for m in body["methods"]} >= {"GET", "PUT"}


async def test_partial_content_fault_on_items(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §0.3 (206 + X-Content-Missing: location,geolocation,
    seller_address)."""
    await sandbox.post("/_sandbox/faults", json={"path": "/items/*", "status": 206, "count": 1})
    response = await sandbox.client.get(f"/items/{demo_id(sandbox)}", headers=sandbox.headers())
    assert response.status == 206
    assert response.headers["X-Content-Missing"] == "location,geolocation,seller_address"
    body = await response.json()
    assert "seller_address" not in body and "location" not in body
    assert (await sandbox.get(f"/items/{demo_id(sandbox)}"))[0] == 200
