"""A MercadoLibre error reaches the REST caller with what MercadoLibre said: its status,
code, message and causes, whatever the status (mercadolibre-api.md §2.1)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from adapters.mercadolibre.errors import translate
from application.errors import Unavailable
from entrypoints.http.app import create_app
from tests.unit.application.test_inventory import AUTH, SIMPLE, World, a_listing, running_world


@pytest.fixture
async def world(tmp_path) -> AsyncIterator[World]:
    async with running_world(tmp_path) as running:
        yield running


SELLER_CANNOT_LIST = {
    "message": "The seller cannot list",
    "error": "seller.unable_to_list",
    "status": 403,
    "cause": [
        {
            "department": "users",
            "cause_id": 12,
            "type": "error",
            "code": "address_pending",
            "references": ["seller.address"],
            "message": "The seller has no address",
        },
        "phone_pending",
    ],
}


@pytest.mark.parametrize(
    ("status", "body", "problem_status"),
    [
        (403, SELLER_CANNOT_LIST, 403),
        (400, {**SELLER_CANNOT_LIST, "status": 400}, 422),
        (404, {**SELLER_CANNOT_LIST, "status": 404}, 404),
        (409, {**SELLER_CANNOT_LIST, "status": 409}, 409),
        (503, {**SELLER_CANNOT_LIST, "status": 503}, 503),
    ],
)
async def test_the_problem_carries_mercadolibres_error_and_causes_whatever_the_status(
    world,
    aiohttp_client,
    status,
    body,
    problem_status,
):
    await world.publish(a_listing(quantity=10))
    world.market.errors[("set_stock", SIMPLE)] = translate(status, body, "PUT", f"/items/{SIMPLE}")
    client = await aiohttp_client(create_app(world.container))

    response = await client.patch(f"/products/{SIMPLE}/stock", json={"quantity": 20}, headers=AUTH)

    assert response.status == problem_status, await response.text()
    problem = await response.json()
    assert problem["meli_status"] == status
    assert problem["meli_error"] == "seller.unable_to_list"
    assert problem["meli_message"] == "The seller cannot list"
    assert problem["meli_causes"] == [
        {
            "message": "The seller has no address",
            "code": "address_pending",
            "type": "error",
            "references": ["seller.address"],
            "department": "users",
            "cause_id": "12",
        },
        {"message": "phone_pending"},
    ]


async def test_an_error_that_is_not_mercadolibres_has_no_meli_fields(
    world,
    aiohttp_client,
):
    await world.publish(a_listing(quantity=10))
    world.market.errors[("set_stock", SIMPLE)] = Unavailable("the database is down")
    client = await aiohttp_client(create_app(world.container))

    response = await client.patch(f"/products/{SIMPLE}/stock", json={"quantity": 20}, headers=AUTH)

    assert response.status == 503
    assert not {key for key in await response.json() if key.startswith("meli_")}
