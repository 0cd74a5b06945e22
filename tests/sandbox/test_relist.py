"""Relisting (§4.3: a closed item "cannot be reactivated, only relisted"; §4.1
`parent_item_id`): POST /items/{id}/relist publishes a new item."""

from __future__ import annotations

from typing import Any

from tests.sandbox.conftest import MLA_ITEM, Sandbox


def codes(body: dict[str, Any]) -> list[str]:
    return [c["code"] for c in body["cause"]]


async def closed(sandbox: Sandbox, item: dict[str, Any]) -> dict[str, Any]:
    status, body = await sandbox.put(f"/items/{item['id']}", json={"status": "closed"})
    assert status == 200, body
    return body


async def test_a_closed_item_is_relisted_as_a_new_item_naming_its_parent(sandbox: Sandbox):
    """ref: mercadolibre-api.md §4.3 (closed is final, only relisted), §4.1 parent_item_id."""
    item = await sandbox.create_item({**MLA_ITEM, "description": {"plain_text": "Hola"}})
    await sandbox.post(f"/_sandbox/items/{item['id']}/sale", json={"quantity": 2})
    await closed(sandbox, item)

    status, new = await sandbox.post(
        f"/items/{item['id']}/relist",
        json={"price": 400, "quantity": 5, "listing_type_id": "gold_pro"},
    )

    assert status == 201, new
    assert new["id"] != item["id"] and new["parent_item_id"] == item["id"]
    assert (new["status"], new["price"], new["available_quantity"]) == ("active", 400, 5)
    assert (new["sold_quantity"], new["listing_type_id"]) == (0, "gold_pro")
    assert new["title"] == item["title"]
    _, description = await sandbox.get(f"/items/{new['id']}/description")
    assert description["plain_text"] == "Hola"
    _, old = await sandbox.get(f"/items/{item['id']}")
    assert old["status"] == "closed"


async def test_only_a_closed_item_that_is_not_deleted_can_be_relisted(sandbox: Sandbox):
    item = await sandbox.create_item(MLA_ITEM)
    body = {"price": 400, "quantity": 5, "listing_type_id": "gold_special"}

    status, refused = await sandbox.post(f"/items/{item['id']}/relist", json=body)
    assert (status, codes(refused)) == (400, ["item.relist.invalid"])

    await closed(sandbox, item)
    await sandbox.put(f"/items/{item['id']}", json={"deleted": "true"})
    status, refused = await sandbox.post(f"/items/{item['id']}/relist", json=body)
    assert (status, codes(refused)) == (400, ["item.relist.invalid"])


async def test_a_relist_names_every_problem_of_its_body(sandbox: Sandbox):
    item = await sandbox.create_item(MLA_ITEM)
    await closed(sandbox, item)

    status, refused = await sandbox.post(
        f"/items/{item['id']}/relist", json={"price": 0, "quantity": 0, "listing_type_id": "x"}
    )

    assert status == 400
    assert set(codes(refused)) == {
        "item.listing_type_id.invalid",
        "item.price.invalid",
        "item.quantity.invalid",
    }
    status, refused = await sandbox.post(f"/items/{item['id']}/relist", json={"title": "x"})
    assert (status, refused["error"]) == (400, "body.invalid_fields")


async def test_an_item_with_variations_is_relisted_with_the_variations_named(sandbox: Sandbox):
    """ref: mercadolibre-api.md §4.6 (variations carry their own price and stock)."""
    item = await sandbox.create_sneakers()
    await closed(sandbox, item)
    first, second = item["variations"]

    status, new = await sandbox.post(
        f"/items/{item['id']}/relist",
        json={
            "listing_type_id": "gold_special",
            "variations": [{"id": first["id"], "price": 16000, "quantity": 4}],
        },
    )

    assert status == 201, new
    [variation] = new["variations"]
    assert variation["id"] not in (first["id"], second["id"])
    assert variation["attribute_combinations"] == first["attribute_combinations"]
    assert (variation["available_quantity"], new["available_quantity"]) == (4, 4)
    status, refused = await sandbox.post(
        f"/items/{item['id']}/relist",
        json={
            "listing_type_id": "gold_special",
            "variations": [{"id": 1, "price": 1, "quantity": 1}],
        },
    )
    assert (status, codes(refused)) == (400, ["item.variations.id.invalid"])


async def test_another_sellers_item_is_forbidden(sandbox: Sandbox):
    """ref: mercadolibre-api.md §12.2 (another user's resource is 403)."""
    item = await sandbox.create_item(MLA_ITEM)
    await closed(sandbox, item)
    await sandbox.login(sandbox.seller(1))

    status, _ = await sandbox.post(
        f"/items/{item['id']}/relist",
        json={"price": 400, "quantity": 5, "listing_type_id": "gold_special"},
    )
    assert status == 403
