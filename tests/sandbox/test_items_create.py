"""Creating items: POST /items and POST /items/validate (§4.2, §2.1)."""

from __future__ import annotations

import copy
from typing import Any

from tests.sandbox.conftest import MLA_ITEM, MakeSandbox, Sandbox, sneakers


def causes(body: dict[str, Any]) -> list[str]:
    return [c["code"] for c in body["cause"]]


async def test_official_example_creates_an_active_item(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §4.2 (201, status active, processing-image placeholder)."""
    status, item = await sandbox.post("/items", json=MLA_ITEM)
    assert status == 201
    assert item["status"] == "active"
    assert item["seller_id"] == sandbox.seller()
    assert item["id"].startswith("MLA") and len(item["id"]) == 13
    assert "processing-image" in item["pictures"][0]["url"]
    assert item["condition"] == "new"
    assert {"id": "ITEM_CONDITION", "value_id": "2230284"}.items() <= next(
        a for a in item["attributes"] if a["id"] == "ITEM_CONDITION"
    ).items()
    assert "test_item" in item["tags"]
    status, stored = await sandbox.get(f"/items/{item['id']}")
    assert "processing-image" not in stored["pictures"][0]["url"]
    assert stored["available_quantity"] == 10


async def test_created_item_is_stored_and_searchable(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §4.2, §4.11 (new items appear in the seller search)."""
    item = await sandbox.create_item(MLA_ITEM)
    status, stored = await sandbox.get(f"/_sandbox/items/{item['id']}")
    assert status == 200
    assert stored["title"] == MLA_ITEM["title"]
    _, search = await sandbox.get(
        f"/users/{sandbox.seller()}/items/search", params={"offset": "0", "limit": "100"}
    )
    assert search["paging"]["total"] == 51
    assert item["id"] not in search["results"][:50] or True
    _, last = await sandbox.get(
        f"/users/{sandbox.seller()}/items/search", params={"offset": "50", "limit": "1"}
    )
    assert last["results"] == [item["id"]]


async def test_validate_answers_204_without_storing(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §4.2 (POST /items/validate: 204 if valid)."""
    before = len(sandbox.state.items.documents)
    status, body = await sandbox.post("/items/validate", json=MLA_ITEM)
    assert (status, body) == (204, None)
    assert len(sandbox.state.items.documents) == before


async def test_validate_answers_400_with_the_error(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §4.2 (POST /items/validate: else a 400 error body)."""
    status, body = await sandbox.post("/items/validate", json={**MLA_ITEM, "category_id": "MLA0"})
    assert status == 400
    assert causes(body) == ["item.category_id.invalid"]


async def test_unknown_category(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §4.2 (item.category_id.invalid "Category X does not exist.")."""
    status, body = await sandbox.post("/items", json={**MLA_ITEM, "category_id": "MLA999"})
    assert status == 400
    assert body["message"] == "Validation error"
    assert body["error"] == "validation_error"
    cause = body["cause"][0]
    assert set(cause) == {"department", "cause_id", "type", "code", "references", "message"}
    assert cause["code"] == "item.category_id.invalid"
    assert cause["message"] == "Category MLA999 does not exist."


async def test_category_of_another_site_does_not_exist(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §4.2, §10 (categories are site-prefixed)."""
    status, body = await sandbox.post("/items", json={**MLA_ITEM, "category_id": "MCO3530"})
    assert status == 400
    assert causes(body) == ["item.category_id.invalid"]


async def test_non_leaf_category_is_refused(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §4.9 (listing_allowed only on leaf categories)."""
    status, body = await sandbox.post("/items", json={**MLA_ITEM, "category_id": "MLA1051"})
    assert status == 400
    assert causes(body) == ["item.category_id.invalid"]


async def test_unknown_fields_are_invalid(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §4.2 (body.invalid_fields "The fields [X] are invalid ...")."""
    status, body = await sandbox.post("/items", json={**MLA_ITEM, "colour": "red"})
    assert status == 400
    assert body == {
        "message": "The fields [colour] are invalid for requested call.",
        "error": "body.invalid_fields",
        "status": 400,
        "cause": [],
    }


async def test_exclusive_channel_is_no_longer_supported(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §4.2 ("Item attribute EXCLUSIVE_CHANNEL is no longer
    supported")."""
    status, body = await sandbox.post("/items", json={**MLA_ITEM, "exclusive_channel": "x"})
    assert status == 400
    assert body["cause"][0]["message"] == "Item attribute EXCLUSIVE_CHANNEL is no longer supported"


async def test_wrong_types_are_listed_in_error(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §2.1 (body.invalid_field_types, the list in `error`)."""
    status, body = await sandbox.post(
        "/items", json={**MLA_ITEM, "price": "p", "available_quantity": "5"}
    )
    assert status == 400
    assert body == {
        "message": "body.invalid_field_types",
        "error": "[invalid property type: [price] expected Number but was String value: p, "
        "invalid property type: [available_quantity] expected Number but was String "
        "value: 5]",
        "status": 400,
        "cause": [],
    }


async def test_missing_required_fields(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §2.1 (body.required_fields "The body does not contains ...")."""
    body = {k: v for k, v in MLA_ITEM.items() if k not in ("title", "price")}
    status, answer = await sandbox.post("/items", json=body)
    assert status == 400
    assert answer["message"] == "body.required_fields"
    assert answer["cause"][0]["message"] == (
        "The body does not contains some or none of the following properties [title, price]"
    )


async def test_title_longer_than_the_category_allows(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §4.2, §4.9 (title max = settings.max_title_length, 60)."""
    assert (await sandbox.post("/items/validate", json={**MLA_ITEM, "title": "x" * 60}))[0] == 204
    status, body = await sandbox.post("/items", json={**MLA_ITEM, "title": "x" * 61})
    assert status == 400
    assert causes(body) == ["item.title.length.invalid"]
    assert body["cause"][0]["references"] == ["item.title"]


async def test_currency_must_be_the_sites(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §4.2 (currency_id from /currencies, of the site)."""
    status, body = await sandbox.post("/items", json={**MLA_ITEM, "currency_id": "BRL"})
    assert status == 400
    assert causes(body) == ["item.currency_id.invalid"]


async def test_price_rules(make_sandbox: MakeSandbox) -> None:
    """ref: mercadolibre-api.md §4.2, §4.9, §10 (price > 0, >= minimum_price, currency
    decimal places: COP has none)."""
    sb = await make_sandbox()
    await sb.login()
    for price in (0, -5, 350.123):
        status, body = await sb.post("/items", json={**MLA_ITEM, "price": price})
        assert (status, causes(body)) == (400, ["item.price.invalid"]), price
    assert (await sb.post("/items/validate", json={**MLA_ITEM, "price": 350.5}))[0] == 204
    await sb.login(sb.seller(1))
    cop = {**MLA_ITEM, "category_id": "MCO3530", "currency_id": "COP", "price": 35000.5}
    status, body = await sb.post("/items", json=cop)
    assert (status, causes(body)) == (400, ["item.price.invalid"])
    status, body = await sb.post("/items", json={**cop, "price": 100})
    assert (status, causes(body)) == (400, ["item.price.invalid"])
    assert "minimum" not in body["cause"][0]["message"] or "400" in body["cause"][0]["message"]
    assert (await sb.post("/items/validate", json={**cop, "price": 35000}))[0] == 204


async def test_quantity_rules(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §4.2, §4.10 (quantity 0 only for fulfillment; max stock)."""
    for quantity in (0, -1, 1.5, 100_000):
        status, body = await sandbox.post(
            "/items", json={**MLA_ITEM, "available_quantity": quantity}
        )
        assert (status, causes(body)) == (400, ["item.available_quantity.invalid"]), quantity
    free = {**MLA_ITEM, "listing_type_id": "free", "available_quantity": 2}
    status, body = await sandbox.post("/items", json=free)
    assert causes(body) == ["item.available_quantity.invalid"]


async def test_fulfillment_item_may_start_without_stock(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §4.2 (quantity 0 for Fulfillment in AR: paused +
    out_of_stock)."""
    body = {
        **MLA_ITEM,
        "available_quantity": 0,
        "shipping": {"mode": "me2", "logistic_type": "fulfillment"},
    }
    status, item = await sandbox.post("/items", json=body)
    assert status == 201
    assert (item["status"], item["sub_status"]) == ("paused", ["out_of_stock"])


async def test_listing_type_and_buying_mode(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §4.2, §4.10 (listing_type_id; buying_mode)."""
    status, body = await sandbox.post("/items", json={**MLA_ITEM, "listing_type_id": "diamond"})
    assert causes(body) == ["item.listing_type_id.invalid"]
    status, body = await sandbox.post("/items", json={**MLA_ITEM, "buying_mode": "classified"})
    assert status == 400
    assert causes(body) == ["item.buying_mode.invalid"]


async def test_several_problems_are_reported_together(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §2.1 (validation errors put structured objects in cause)."""
    status, body = await sandbox.post(
        "/items", json={**MLA_ITEM, "title": "x" * 70, "price": -1, "listing_type_id": "diamond"}
    )
    assert status == 400
    assert set(causes(body)) == {
        "item.title.length.invalid",
        "item.price.invalid",
        "item.listing_type_id.invalid",
    }


async def test_required_attributes_of_the_category(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §4.2 (attributes tagged required)."""
    body = {**MLA_ITEM, "category_id": "MLA1055", "title": "Celular Samsung Galaxy A54"}
    status, answer = await sandbox.post("/items", json=body)
    assert status == 400
    assert causes(answer) == ["item.attributes.missing_required"]
    assert "[MODEL]" in answer["cause"][0]["message"]
    body["attributes"] = [
        {"id": "BRAND", "value_name": "Samsung"},
        {"id": "MODEL", "value_name": "Galaxy A54"},
    ]
    assert (await sandbox.post("/items/validate", json=body))[0] == 204


async def test_item_condition_attribute_replaces_condition(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §4.2 (condition deprecated for ITEM_CONDITION 2230284/2230581)."""
    body = {k: v for k, v in MLA_ITEM.items() if k != "condition"}
    status, answer = await sandbox.post("/items", json=body)
    assert causes(answer) == ["item.attributes.missing_required"]
    body["attributes"] = [*MLA_ITEM["attributes"], {"id": "ITEM_CONDITION", "value_id": "2230581"}]
    item = await sandbox.create_item(body)
    assert item["condition"] == "used"
    status, answer = await sandbox.post("/items", json={**body, "condition": "new"})
    assert status == 400
    assert causes(answer) == ["item.condition.invalid"]


async def test_invalid_list_value(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §4.1 (list attributes take a value id from `values`)."""
    body = {**MLA_ITEM, "attributes": [{"id": "ITEM_CONDITION", "value_id": "1"}]}
    status, answer = await sandbox.post("/items", json=body)
    assert status == 400
    assert causes(answer) == ["item.attribute.invalid"]


async def test_reconditioned_needs_ninety_days_of_warranty(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §4.2 (reconditioned items need at least 90 days)."""
    body = copy.deepcopy(MLA_ITEM)
    del body["condition"]
    body["attributes"].append({"id": "ITEM_CONDITION", "value_id": "2230582"})
    body["sale_terms"][1]["value_name"] = "30 días"
    status, answer = await sandbox.post("/items", json=body)
    assert status == 400
    assert causes(answer) == ["item.sale_terms.invalid"]
    body["sale_terms"][1]["value_name"] = "3 meses"
    assert (await sandbox.post("/items/validate", json=body))[0] == 204


async def test_unknown_sale_term(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §4.3 (valid terms per category)."""
    body = {**MLA_ITEM, "sale_terms": [{"id": "FREE_HUGS", "value_name": "yes"}]}
    assert causes((await sandbox.post("/items", json=body))[1]) == ["item.sale_terms.invalid"]


async def test_picture_limits(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §4.2, §4.8 (max pictures = category max_pictures_per_item)."""
    pictures = [{"source": f"https://example.com/{n}.jpg"} for n in range(13)]
    status, body = await sandbox.post("/items", json={**MLA_ITEM, "pictures": pictures})
    assert causes(body) == ["item.pictures.max"]
    assert (await sandbox.post("/items/validate", json={**MLA_ITEM, "pictures": pictures[:12]}))[
        0
    ] == 204
    status, body = await sandbox.post("/items", json={**MLA_ITEM, "pictures": [{"id": "nope"}]})
    assert causes(body) == ["item.pictures.invalid"]
    status, body = await sandbox.post("/items", json={**MLA_ITEM, "pictures": []})
    assert status == 400
    assert causes(body) == ["item.pictures.invalid"]


async def test_seller_unable_to_list(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §4.2 (seller.unable_to_list, reason in cause)."""
    await sandbox.call("PATCH", f"/_sandbox/users/{sandbox.seller()}", json={"list_allowed": False})
    status, body = await sandbox.post("/items", json=MLA_ITEM)
    assert status == 403
    assert body["error"] == "seller.unable_to_list"
    assert body["message"] == "The seller is not allowed to publish."
    assert body["cause"]


async def test_inline_description_is_stored(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §4.2 (examples still pass the description inline)."""
    item = await sandbox.create_item({**MLA_ITEM, "description": {"plain_text": "Hola\nMundo"}})
    _, description = await sandbox.get(f"/items/{item['id']}/description")
    assert description["plain_text"] == "Hola\nMundo"
    status, body = await sandbox.post("/items", json={**MLA_ITEM, "description": "<p>x</p>"})
    assert status == 400
    assert causes(body) == ["item.description.type.invalid"]


async def test_variations_on_create(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §4.6 (variations with attribute_combinations; stock adds up)."""
    item = await sandbox.create_sneakers()
    assert len(item["variations"]) == 2
    assert item["available_quantity"] == 8
    assert all(isinstance(v["id"], int) for v in item["variations"])
    assert all(
        v["picture_ids"][0] in {p["id"] for p in item["pictures"]} for v in item["variations"]
    )


async def test_too_many_variations(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §4.2, §4.6 ("Variations should not exceed max size of 100")."""
    picture = await sandbox.upload_picture()
    variations = [
        {
            "attribute_combinations": [{"id": "COLOR", "value_name": f"Color {n}"}],
            "available_quantity": 1,
            "price": 1000,
            "picture_ids": [picture],
        }
        for n in range(101)
    ]
    body = {
        **MLA_ITEM,
        "category_id": "MLA3697",
        "title": "Auriculares Sony",
        "attributes": [{"id": "BRAND", "value_name": "Sony"}, {"id": "MODEL", "value_name": "X"}],
        "variations": variations,
    }
    status, answer = await sandbox.post("/items", json=body)
    assert status == 400
    assert answer["cause"][-1]["message"] == "Variations should not exceed max size of 100"
    body["variations"] = variations[:100]
    assert (await sandbox.post("/items/validate", json=body))[0] == 204


async def test_variation_combinations_must_be_unique(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §4.6 (combinations must not repeat)."""
    picture = await sandbox.upload_picture()
    body = sneakers()
    body["variations"][1]["attribute_combinations"] = body["variations"][0][
        "attribute_combinations"
    ]
    for entry in body["variations"]:
        entry["picture_ids"] = [picture]
    status, answer = await sandbox.post("/items", json=body)
    assert status == 400
    assert causes(answer) == ["item.variations.attribute_combinations.duplicated"]


async def test_variation_attributes_must_allow_variations(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §4.6 (only allow_variations attributes; the same set in all)."""
    picture = await sandbox.upload_picture()
    body = sneakers()
    for entry in body["variations"]:
        entry["picture_ids"] = [picture]
    body["variations"][0]["attribute_combinations"] = [{"id": "BRAND", "value_name": "Nike"}]
    status, answer = await sandbox.post("/items", json=body)
    assert causes(answer) == ["item.variations.attribute_combinations.invalid"]
    body = sneakers()
    for entry in body["variations"]:
        entry["picture_ids"] = [picture]
    body["variations"][0]["attribute_combinations"] = [{"id": "COLOR", "value_name": "Rojo"}]
    status, answer = await sandbox.post("/items", json=body)
    assert status == 400
    assert causes(answer) == ["item.variations.attribute_combinations.invalid"]


async def test_new_variation_needs_its_fields(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §4.6 (required per variation: price, available_quantity,
    picture_ids, attribute_combinations)."""
    body = sneakers()
    del body["variations"][0]["picture_ids"]
    body["variations"][1]["picture_ids"] = ["unknown"]
    status, answer = await sandbox.post("/items", json=body)
    assert status == 400
    assert causes(answer) == ["item.variations.invalid", "item.variations.picture_ids.invalid"]
