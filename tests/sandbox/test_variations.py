"""Variations (§4.6): PUT replaces the set, limits, stock rules, sub-resources."""

from __future__ import annotations

from typing import Any

from tests.sandbox.conftest import Sandbox, variation


def codes(body: dict[str, Any]) -> list[str]:
    return [c["code"] for c in body["cause"]]


async def test_variation_left_out_of_a_put_is_deleted(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §4.6 (send every variation to keep; omitted ones removed)."""
    item = await sandbox.create_sneakers()
    keep, drop = item["variations"]
    _, body = await sandbox.put(
        f"/items/{item['id']}", json={"variations": [{"id": keep["id"], "available_quantity": 9}]}
    )
    assert [v["id"] for v in body["variations"]] == [keep["id"]]
    assert body["variations"][0]["available_quantity"] == 9
    assert body["available_quantity"] == 9
    assert (await sandbox.get(f"/items/{item['id']}/variations/{drop['id']}"))[0] == 404


async def test_put_adds_new_variations_without_id(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §4.6 (new variations come without id)."""
    item = await sandbox.create_sneakers()
    picture = item["variations"][0]["picture_ids"][0]
    entries = [{"id": v["id"]} for v in item["variations"]]
    entries.append(variation("Blanco", "42", 6, picture_ids=[picture]))
    status, body = await sandbox.put(f"/items/{item['id']}", json={"variations": entries})
    assert status == 200
    assert len(body["variations"]) == 3
    assert body["available_quantity"] == 14
    assert isinstance(body["variations"][2]["id"], int)


async def test_put_cannot_repeat_a_combination(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §4.6 (combinations must not repeat)."""
    item = await sandbox.create_sneakers()
    first, second = item["variations"]
    status, body = await sandbox.put(
        f"/items/{item['id']}",
        json={
            "variations": [
                {"id": first["id"]},
                {"id": second["id"], "attribute_combinations": first["attribute_combinations"]},
            ]
        },
    )
    assert (status, codes(body)) == (400, ["item.variations.attribute_combinations.duplicated"])


async def test_put_with_a_foreign_variation_id(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §4.6 (variation ids belong to their item)."""
    item = await sandbox.create_sneakers()
    status, body = await sandbox.put(f"/items/{item['id']}", json={"variations": [{"id": 1}]})
    assert (status, codes(body)) == (400, ["item.variations.id.invalid"])


async def test_all_variations_at_zero_pause_and_restock_reactivates(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §4.3 (the stock rules apply per variation too)."""
    item = await sandbox.create_sneakers()
    a, b = (v["id"] for v in item["variations"])
    path = f"/items/{item['id']}"
    _, body = await sandbox.put(
        path, json={"variations": [{"id": a, "available_quantity": 0}, {"id": b}]}
    )
    assert body["status"] == "active"
    _, body = await sandbox.put(
        path, json={"variations": [{"id": a}, {"id": b, "available_quantity": 0}]}
    )
    assert (body["status"], body["sub_status"], body["available_quantity"]) == (
        "paused",
        ["out_of_stock"],
        0,
    )
    _, body = await sandbox.put(f"{path}/variations/{b}", json={"available_quantity": 2})
    assert body["available_quantity"] == 2
    _, item_now = await sandbox.get(path)
    assert (item_now["status"], item_now["sub_status"]) == ("active", [])


async def test_item_quantity_of_an_item_with_variations_goes_by_variation(
    sandbox: Sandbox,
) -> None:
    """ref: mercadolibre-api.md §4.6 (the item's stock is that of its variations)."""
    item = await sandbox.create_sneakers()
    status, body = await sandbox.put(f"/items/{item['id']}", json={"available_quantity": 3})
    assert (status, codes(body)) == (400, ["item.available_quantity.invalid"])


async def test_variation_with_sales_keeps_its_combination(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §4.6 (with sales, attributes cannot change)."""
    item = await sandbox.create_sneakers()
    first, second = item["variations"]
    await sandbox.post(
        f"/_sandbox/items/{item['id']}/sale", json={"quantity": 1, "variation_id": first["id"]}
    )
    combination = [{"id": "COLOR", "value_name": "Azul"}, {"id": "SIZE", "value_name": "40"}]
    status, body = await sandbox.put(
        f"/items/{item['id']}/variations/{first['id']}",
        json={"attribute_combinations": combination},
    )
    assert (status, codes(body)) == (400, ["item.variations.attribute_combinations.not_modifiable"])
    status, _ = await sandbox.put(
        f"/items/{item['id']}/variations/{second['id']}",
        json={"attribute_combinations": combination},
    )
    assert status == 200


async def test_variation_sub_resources(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §4.6 (GET list and one, POST one, DELETE one)."""
    item = await sandbox.create_sneakers()
    path = f"/items/{item['id']}/variations"
    status, listed = await sandbox.get(path)
    assert status == 200
    assert [v["id"] for v in listed] == [v["id"] for v in item["variations"]]
    status, one = await sandbox.get(f"{path}/{listed[0]['id']}")
    assert (status, one["id"]) == (200, listed[0]["id"])
    picture = listed[0]["picture_ids"][0]
    status, added = await sandbox.post(path, json=variation("Rojo", "43", 1, picture_ids=[picture]))
    assert status == 201
    assert added["attribute_combinations"][0]["value_name"] == "Rojo"
    assert added["attribute_combinations"][0]["value_id"] == "51993"
    status, _ = await sandbox.delete(f"{path}/{added['id']}")
    assert status == 200
    assert len((await sandbox.get(path))[1]) == 2
    assert (await sandbox.get(f"{path}/999"))[0] == 404


async def test_variation_seller_sku_with_include_attributes(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §4.6 (SKU attribute SELLER_SKU; include_attributes=all)."""
    item = await sandbox.create_sneakers()
    first = item["variations"][0]["id"]
    await sandbox.put(
        f"/items/{item['id']}/variations/{first}",
        json={"attributes": [{"id": "SELLER_SKU", "value_name": "NK-40"}]},
    )
    _, body = await sandbox.get(
        f"/items/{item['id']}/variations/{first}", params={"include_attributes": "all"}
    )
    assert body["attributes"] == [
        {"id": "SELLER_SKU", "name": "SKU", "value_id": None, "value_name": "NK-40"}
    ]
    _, search = await sandbox.get(
        f"/users/{sandbox.seller()}/items/search", params={"seller_sku": "NK-40"}
    )
    assert search["results"] == [item["id"]]


async def test_demo_variations_have_distinct_combinations(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §4.6 (demo data obeys the variation rules)."""
    listings = sandbox.state.items.listings[sandbox.seller()]
    with_variations = 0
    for position in range(50):
        item = sandbox.state.items.get(listings.item_id(position))
        keys = [
            tuple((c["id"], c["value_name"]) for c in v["attribute_combinations"])
            for v in item["variations"]
        ]
        assert len(keys) == len(set(keys))
        if item["variations"]:
            with_variations += 1
            assert item["available_quantity"] == sum(
                v["available_quantity"] for v in item["variations"]
            )
    assert with_variations > 5
