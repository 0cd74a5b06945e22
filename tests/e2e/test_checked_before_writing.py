"""Every value a write to MercadoLibre would make us store is checked against what the
database can hold before MercadoLibre is called (application.storable): a price beyond
NUMERIC(20, 2), a lone UTF-16 surrogate, a safety stock beyond an integer column, a SKU
longer than its column. Each is a 422 naming the field, and MercadoLibre never hears of
it. Runs on in-memory storage and on PostgreSQL (a database of its own).

Regression test: `PUT /products/{id}` with such a price or title was once applied on
MercadoLibre, then the local write raised and the caller got a 500.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e import test_control_characters_api as on_both_stores
from tests.e2e.test_products_api import call

# The stack on in-memory storage and on PostgreSQL, as for NUL characters.
database = on_both_stores.database
stack = on_both_stores.stack
an_item_id = on_both_stores.an_item_id

SURROGATE = "Zapatillas \ud800 rotas"


async def refused_without_a_call(
    stack: dict[str, Any], method: str, path: str, body: dict[str, Any], field: str
) -> None:
    await stack["sb"].admin("POST", "/stats/reset")
    status, problem = await call(stack, method, path, body)
    assert status == 422, problem
    assert field in [error["field"] for error in problem["errors"]], problem
    assert (await stack["sb"].admin("GET", "/stats"))["total"] == 0, "MercadoLibre was called"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"price": 10**20}, "price"),
        ({"price": "99999999999999999999.99"}, "price"),
        ({"title": SURROGATE}, "title"),
        ({"description": f"Hecho a mano.\n{SURROGATE}"}, "description"),
        ({"attributes": [{"id": "BRAND", "value_name": SURROGATE}]}, "attributes[0].value_name"),
        ({"video_id": "v" * 256}, "video_id"),
    ],
)
async def test_an_update_the_database_cannot_hold_is_refused_before_mercadolibre(
    stack, body, field
):
    item_id = await an_item_id(stack)
    _, before = await call(stack, "GET", f"/products/{item_id}")

    await refused_without_a_call(stack, "PUT", f"/products/{item_id}", body, field)

    _, after = await call(stack, "GET", f"/products/{item_id}")
    assert after == before
    shown = await stack["sb"].admin("GET", f"/items/{item_id}")
    assert (shown["title"], float(shown["price"])) == (before["title"], float(before["price"]))


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"price": 10**20}, "price"),
        ({"title": SURROGATE}, "title"),
        ({"safety_stock": 10**30}, "safety_stock"),
        ({"seller_sku": "S" * 256}, "seller_sku"),
        ({"category_id": "MLA" + "1" * 40}, "category_id"),
    ],
)
async def test_a_listing_the_database_cannot_hold_is_not_created(stack, changes, field):
    body = {
        "account_id": stack["account_id"],
        "title": "Mate de calabaza",
        "category_id": "MLA1055",
        "price": 1000,
        "available_quantity": 5,
        "pictures": [{"source": "https://example.com/a.jpg"}],
        **changes,
    }
    await refused_without_a_call(stack, "POST", "/products", body, field)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"quantity": 3, "safety_stock": 10**30}, "safety_stock"),
        ({"quantity": 3, "safety_stock": 2**31}, "safety_stock"),
        ({"quantity": 3, "variation_id": 2**70}, "variation_id"),
    ],
)
async def test_a_stock_write_the_database_cannot_hold_is_refused_before_mercadolibre(
    stack, body, field
):
    item_id = await an_item_id(stack)
    await refused_without_a_call(stack, "PATCH", f"/products/{item_id}/stock", body, field)
