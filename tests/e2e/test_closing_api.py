"""Closing without deleting and relisting through the REST API against the sandbox
(mercadolibre-api.md §4.3: a closed listing is final and only relisted; §4.1
parent_item_id)."""

from __future__ import annotations

from tests.e2e.test_products_api import call, sneakers_body, stack, upload_picture

__all__ = ["stack"]


async def test_a_listing_closes_and_relists_as_a_new_listing_linked_to_it(stack):
    picture = await upload_picture(stack)
    status, created = await call(
        stack, "POST", "/products", sneakers_body(stack["account_id"], picture)
    )
    assert status == 201, created
    item_id = created["item_id"]

    status, problem = await call(stack, "POST", f"/products/{item_id}/relist", {})
    assert status == 409, problem  # still active: close it first

    status, closed = await call(stack, "POST", f"/products/{item_id}/close")
    assert status == 200, closed
    assert closed["status"] == "closed" and closed["removed_at"] is None
    assert (await stack["sb"].admin("GET", f"/items/{item_id}"))["status"] == "closed"
    status, again = await call(stack, "POST", f"/products/{item_id}/close")
    assert (status, again["status"]) == (200, "closed")

    first = created["variations"][0]
    status, relisted = await call(
        stack,
        "POST",
        f"/products/{item_id}/relist",
        {"listing_type_id": "gold_pro", "variations": [{"id": first["id"], "quantity": 6}]},
    )
    assert status == 201, relisted
    new_id = relisted["item_id"]
    assert new_id != item_id and relisted["relisted_from"] == item_id
    assert relisted["status"] == "active" and relisted["listing_type_id"] == "gold_pro"
    [variation] = relisted["variations"]
    assert variation["available_quantity"] == 6
    assert [s["quantity"] for s in relisted["stock"]] == [6]
    on_meli = await stack["sb"].admin("GET", f"/items/{new_id}")
    assert on_meli["parent_item_id"] == item_id

    status, page = await call(stack, "GET", f"/products?relisted_from={item_id}")
    assert status == 200 and [p["item_id"] for p in page["results"]] == [new_id]
    status, old = await call(stack, "GET", f"/products/{item_id}")
    assert old["status"] == "closed"


async def test_a_relist_with_bad_values_is_refused_whole(stack):
    status, created = await call(
        stack, "POST", "/products", sneakers_body(stack["account_id"], await upload_picture(stack))
    )
    item_id = created["item_id"]
    await call(stack, "POST", f"/products/{item_id}/close")

    status, problem = await call(
        stack, "POST", f"/products/{item_id}/relist", {"price": 1, "quantity": 5}
    )
    assert status == 422, problem
    status, problem = await call(
        stack, "POST", f"/products/{item_id}/relist", {"listing_type_id": "platinum"}
    )
    assert status == 422, problem
    status, page = await call(stack, "GET", f"/products?relisted_from={item_id}")
    assert page["paging"]["total"] == 0


async def test_an_empty_or_malformed_relisted_from_is_a_400(stack):
    for value in ("", "MLA", "x"):
        status, problem = await call(stack, "GET", f"/products?relisted_from={value}")
        assert status == 400, problem


async def test_the_stock_view_shows_counts_safety_stock_and_what_is_publishable(stack):
    status, created = await call(
        stack,
        "POST",
        "/products",
        {
            **sneakers_body(stack["account_id"], await upload_picture(stack)),
            "safety_stock": 2,
            "seller_sku": "NK-REV6",
        },
    )
    assert status == 201, created

    status, page = await call(stack, "GET", f"/inventory?account_id={stack['account_id']}")
    assert status == 200, page
    lines = {line["seller_sku"]: line for line in page["results"]}
    assert {
        sku: (v["quantity"], v["safety_stock"], v["publishable"]) for sku, v in lines.items()
    } == {
        "NK-40": (5, 2, 3),
        "NK-41": (3, 2, 1),
    }
    status, low = await call(stack, "GET", "/inventory?below=2&sku=NK-REV6")
    assert status == 200 and [line["seller_sku"] for line in low["results"]] == ["NK-41"]
    status, problem = await call(stack, "GET", "/inventory?below=-1")
    assert status == 400, problem
