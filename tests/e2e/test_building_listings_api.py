"""Building a listing through the REST API against the sandbox: a category, its
attributes, and a validation that publishes nothing (mercadolibre-api.md §4.2, §4.9)."""

from __future__ import annotations

from tests.e2e.test_products_api import call, sneakers_body, stack, upload_picture

__all__ = ["stack"]


async def test_a_category_answers_its_path_settings_and_listing_types(stack):
    status, category = await call(stack, "GET", "/categories/MLA109027")

    assert status == 200, category
    assert [r["id"] for r in category["path_from_root"]] == ["MLA1430", "MLA109027"]
    assert category["settings"]["listing_allowed"] is True
    assert category["settings"]["max_title_length"] == 60
    assert {"gold_special", "gold_pro", "free"} <= set(category["listing_types"])
    assert category["account_id"] == stack["account_id"]


async def test_a_categorys_attributes_are_grouped_with_their_allowed_values(stack):
    status, body = await call(stack, "GET", "/categories/MLA109027/attributes")

    assert status == 200, body
    assert {a["id"] for a in body["required"]} == {"BRAND", "GENDER", "ITEM_CONDITION"}
    gender = next(a for a in body["required"] if a["id"] == "GENDER")
    assert {"id": "339666", "name": "Hombre"} in gender["values"]
    assert "MODEL" in {a["id"] for a in body["recommended"]}


async def test_an_unknown_category_is_404_and_a_malformed_id_400(stack):
    status, problem = await call(stack, "GET", "/categories/MLA999999999")
    assert status == 404, problem
    status, problem = await call(stack, "GET", "/categories/zapatillas")
    assert status == 400, problem
    status, _ = await call(stack, "GET", "/categories/predict?site_id=MLA&title=Zapatillas")
    assert status == 200


async def test_a_valid_listing_validates_and_nothing_is_published(stack):
    body = sneakers_body(stack["account_id"], await upload_picture(stack))

    status, verdict = await call(stack, "POST", "/products/validate", body)

    assert status == 200, verdict
    assert verdict == {
        "valid": True,
        "mercadolibre_checked": True,
        "problems": [],
        "warnings": [],
    }
    _, page = await call(stack, "GET", f"/products?account_id={stack['account_id']}")
    assert page["paging"]["total"] == 0


async def test_every_problem_comes_back_at_once(stack):
    body = sneakers_body(stack["account_id"], await upload_picture(stack))
    body["title"] = "Zapatillas " * 7
    body["attributes"] = [{"id": "BRAND", "value_name": "Nike"}]
    body["price"] = 0

    status, verdict = await call(stack, "POST", "/products/validate", body)

    assert status == 200, verdict
    assert verdict["valid"] is False
    found = {(p["source"], p["field"]) for p in verdict["problems"]}
    assert {("local", "price"), ("category", "title"), ("category", "attributes")} <= found
