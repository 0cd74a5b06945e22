"""Changing items: PUT /items/{id} (§4.3-§4.5), deletion (§4.4), the 409 (§2.5)."""

from __future__ import annotations

from typing import Any

from tests.sandbox.conftest import MLA_ITEM, MakeSandbox, Sandbox


def codes(body: dict[str, Any]) -> list[str]:
    return [c["code"] for c in body["cause"]]


async def test_price_and_quantity_change(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §4.3 (active items: available_quantity, price can change)."""
    item = await sandbox.create_item(MLA_ITEM)
    status, body = await sandbox.put(
        f"/items/{item['id']}", json={"price": 420.5, "available_quantity": 7}
    )
    assert status == 200
    assert (body["price"], body["available_quantity"]) == (420.5, 7)
    stored = sandbox.state.items.get(item["id"])
    assert (stored["price"], stored["available_quantity"]) == (420.5, 7)


async def test_refused_put_changes_nothing(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §2.1 (a validation error leaves the item as it was)."""
    item = await sandbox.create_item(MLA_ITEM)
    status, body = await sandbox.put(f"/items/{item['id']}", json={"price": 999, "title": "x" * 61})
    assert status == 400
    assert codes(body) == ["item.title.length.invalid"]
    assert sandbox.state.items.get(item["id"])["price"] == 350


async def test_unknown_and_own_resource_fields_are_invalid(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §4.3 (the description is its own resource)."""
    item = await sandbox.create_item(MLA_ITEM)
    status, body = await sandbox.put(f"/items/{item['id']}", json={"description": "x"})
    assert (status, body["error"]) == (400, "body.invalid_fields")


async def test_title_is_editable_without_sales(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §4.3 (with sold_quantity = 0, title is editable)."""
    item = await sandbox.create_item(MLA_ITEM)
    status, body = await sandbox.put(f"/items/{item['id']}", json={"title": "Nuevo título"})
    assert (status, body["title"]) == (200, "Nuevo título")
    assert "nuevo-titulo" in body["permalink"]


async def test_title_and_buying_mode_are_immutable_after_a_sale(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §4.3 (items with sales: title, buying_mode cannot change)."""
    item = await sandbox.create_item(MLA_ITEM)
    status, sold = await sandbox.post(f"/_sandbox/items/{item['id']}/sale", json={"quantity": 1})
    assert (status, sold["sold_quantity"], sold["available_quantity"]) == (200, 1, 9)
    status, body = await sandbox.put(f"/items/{item['id']}", json={"title": "Otro título"})
    assert (status, codes(body)) == (400, ["item.title.not_modifiable"])
    status, body = await sandbox.put(f"/items/{item['id']}", json={"buying_mode": "auction"})
    assert (status, codes(body)) == (400, ["item.buying_mode.not_modifiable"])
    status, body = await sandbox.put(
        f"/items/{item['id']}", json={"title": MLA_ITEM["title"], "price": 400}
    )
    assert status == 200


async def test_demo_items_with_sales_keep_their_title(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §4.3 (title immutable after a sale, on demo data too)."""
    listings = sandbox.state.items.listings[sandbox.seller()]
    item_id = listings.item_id(0)
    assert sandbox.state.items.get(item_id)["sold_quantity"] > 0
    status, body = await sandbox.put(f"/items/{item_id}", json={"title": "Otro"})
    assert (status, codes(body)) == (400, ["item.title.not_modifiable"])


async def test_quantity_zero_pauses_and_restock_reactivates(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §4.3 (0 -> paused + out_of_stock; >0 reactivates)."""
    item = await sandbox.create_item(MLA_ITEM)
    _, body = await sandbox.put(f"/items/{item['id']}", json={"available_quantity": 0})
    assert (body["status"], body["sub_status"]) == ("paused", ["out_of_stock"])
    _, search = await sandbox.get(
        f"/users/{sandbox.seller()}/items/search",
        params={"status": "paused", "sub_status": "out_of_stock", "limit": "100"},
    )
    assert item["id"] in search["results"]
    _, body = await sandbox.put(f"/items/{item['id']}", json={"available_quantity": 4})
    assert (body["status"], body["sub_status"]) == ("active", [])


async def test_seller_pause_survives_a_restock(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §4.5 (paused by the seller stays paused after restock)."""
    item = await sandbox.create_item(MLA_ITEM)
    await sandbox.put(f"/items/{item['id']}", json={"status": "paused"})
    _, body = await sandbox.put(f"/items/{item['id']}", json={"available_quantity": 20})
    assert body["status"] == "paused"


async def test_quantity_zero_on_a_used_item_is_refused(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §4.3 (pausing via quantity 0 works only for condition=new)."""
    item = await sandbox.create_item({**MLA_ITEM, "condition": "used"})
    status, body = await sandbox.put(f"/items/{item['id']}", json={"available_quantity": 0})
    assert (status, codes(body)) == (400, ["item.available_quantity.invalid"])


async def test_status_transitions(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §4.3, §4.5 (active <-> paused; closed)."""
    item = await sandbox.create_item(MLA_ITEM)
    path = f"/items/{item['id']}"
    assert (await sandbox.put(path, json={"status": "paused"}))[1]["status"] == "paused"
    assert (await sandbox.put(path, json={"status": "active"}))[1]["status"] == "active"
    _, closed = await sandbox.put(path, json={"status": "closed"})
    assert closed["status"] == "closed"
    assert closed["stop_time"] == closed["end_time"]


async def test_status_values_are_lowercase_only(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §4.3 (values are lowercase and case-sensitive)."""
    item = await sandbox.create_item(MLA_ITEM)
    for value in ("Paused", "ACTIVE", "deleted", "under_review"):
        status, body = await sandbox.put(f"/items/{item['id']}", json={"status": value})
        assert (status, codes(body)) == (400, ["item.status.invalid"]), value


async def test_cannot_activate_without_stock(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §2.1 (cause 323 "Is not possible to activate an item without
    stock.")."""
    item = await sandbox.create_item(MLA_ITEM)
    await sandbox.put(f"/items/{item['id']}", json={"available_quantity": 0})
    status, body = await sandbox.put(f"/items/{item['id']}", json={"status": "active"})
    assert status == 400
    assert body["cause"] == [
        {
            "department": "items",
            "cause_id": 323,
            "type": "error",
            "code": "item.status.invalid",
            "references": ["item.status", "item.available_quantity"],
            "message": "Is not possible to activate an item without stock.",
        }
    ]


async def test_closed_is_final(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §4.3 (closed cannot be reactivated)."""
    item = await sandbox.create_item(MLA_ITEM)
    await sandbox.put(f"/items/{item['id']}", json={"status": "closed"})
    for change in ({"status": "active"}, {"price": 500}, {"status": "closed"}):
        status, body = await sandbox.put(f"/items/{item['id']}", json=change)
        assert status == 400
        assert body["error"] == "field_not_updatable"
        assert body["message"] == (
            f"Cannot update item {item['id']} [status:closed, has_bids:false]"
        )


async def test_delete_is_close_then_deleted_true(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §4.4 (close, then {"deleted":"true"}; deleted leaves search)."""
    item = await sandbox.create_item(MLA_ITEM)
    path = f"/items/{item['id']}"
    status, body = await sandbox.put(path, json={"deleted": "true"})
    assert (status, codes(body)) == (400, ["item.deleted.invalid"])
    await sandbox.put(path, json={"status": "closed"})
    status, body = await sandbox.put(path, json={"deleted": "true"})
    assert status == 200
    assert (body["status"], body["sub_status"]) == ("closed", ["deleted"])
    _, search = await sandbox.get(
        f"/users/{sandbox.seller()}/items/search", params={"status": "closed", "limit": "100"}
    )
    assert item["id"] not in search["results"]
    assert (await sandbox.get(path))[1]["sub_status"] == ["deleted"]


async def test_under_review_forbidden_needs_only_the_delete(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §4.4 (under_review + forbidden need only step 2)."""
    item = await sandbox.create_item(MLA_ITEM)
    await sandbox.call(
        "PATCH",
        f"/_sandbox/items/{item['id']}",
        json={"status": "under_review", "sub_status": ["forbidden"]},
    )
    status, body = await sandbox.put(f"/items/{item['id']}", json={"deleted": "true"})
    assert (status, body["sub_status"]) == (200, ["deleted"])


async def test_too_fast_second_put_gets_409(make_sandbox: MakeSandbox) -> None:
    """ref: mercadolibre-api.md §2.5, §4.4 (409 item optimistic locking error: conflict)."""
    sb = await make_sandbox(optimistic_lock_window=1.0)
    await sb.login()
    item = await sb.create_item(MLA_ITEM)
    path = f"/items/{item['id']}"
    assert (await sb.put(path, json={"status": "closed"}))[0] == 200
    status, body = await sb.put(path, json={"deleted": "true"})
    assert status == 409
    assert body == {
        "message": "item optimistic locking error: conflict",
        "error": "conflict",
        "status": 409,
        "cause": [],
    }
    sb.advance(1.0)
    assert (await sb.put(path, json={"deleted": "true"}))[0] == 200


async def test_optimistic_lock_can_be_switched_off(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §2.5 (the 409 window is configurable; 0 disables it)."""
    assert sandbox.config.optimistic_lock_window == 0
    item = await sandbox.create_item(MLA_ITEM)
    for price in (400, 410, 420):
        assert (await sandbox.put(f"/items/{item['id']}", json={"price": price}))[0] == 200


async def test_optimistic_lock_is_on_by_default() -> None:
    """ref: mercadolibre-api.md §2.5 (a too-fast second PUT may get 409 [INF: 1 s window])."""
    from sandbox.config import SandboxConfig

    assert SandboxConfig().optimistic_lock_window == 1.0


async def test_listing_type_changes_once_by_put(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §4.3 (listing type modifiable only once via PUT)."""
    item = await sandbox.create_item(MLA_ITEM)
    path = f"/items/{item['id']}"
    assert (await sandbox.put(path, json={"listing_type_id": "gold_pro"}))[0] == 200
    status, body = await sandbox.put(path, json={"listing_type_id": "gold_special"})
    assert (status, codes(body)) == (400, ["item.listing_type_id.not_modifiable"])


async def test_free_switch_between_gold_special_and_gold_pro(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §4.3, §4.10 (POST /items/{id}/listing_type, returns the item)."""
    item = await sandbox.create_item(MLA_ITEM)
    path = f"/items/{item['id']}/listing_type"
    for target in ("gold_pro", "gold_special", "gold_pro"):
        status, body = await sandbox.post(path, json={"id": target})
        assert (status, body["listing_type_id"]) == (200, target)
    assert (await sandbox.post(path, json={"id": "free"}))[0] == 400


async def test_category_cannot_change(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §4.3 (category cannot be changed via the API)."""
    item = await sandbox.create_item(MLA_ITEM)
    status, body = await sandbox.put(f"/items/{item['id']}", json={"category_id": "MLA1055"})
    assert (status, codes(body)) == (400, ["item.category_id.not_modifiable"])


async def test_attributes_and_sale_terms_merge_by_id(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §4.3 (sale terms and attributes updated by id [INF: merge])."""
    item = await sandbox.create_item(MLA_ITEM)
    _, body = await sandbox.put(
        f"/items/{item['id']}",
        json={
            "attributes": [{"id": "SELLER_SKU", "value_name": "ABC-1"}],
            "sale_terms": [{"id": "MANUFACTURING_TIME", "value_name": "20 días"}],
        },
    )
    assert {a["id"] for a in body["attributes"]} >= {"BRAND", "SELLER_SKU", "ITEM_CONDITION"}
    assert {t["id"] for t in body["sale_terms"]} == {
        "WARRANTY_TYPE",
        "WARRANTY_TIME",
        "MANUFACTURING_TIME",
    }


async def test_sale_of_the_last_unit_pauses(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §4.3, §12.5 (a sale decrements stock; zero pauses)."""
    item = await sandbox.create_item({**MLA_ITEM, "available_quantity": 2})
    _, body = await sandbox.post(f"/_sandbox/items/{item['id']}/sale", json={"quantity": 2})
    assert (body["status"], body["sub_status"], body["sold_quantity"]) == (
        "paused",
        ["out_of_stock"],
        2,
    )
