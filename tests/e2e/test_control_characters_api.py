"""A NUL (or another control character) in a request is a clear 4xx before anything
happens, and one in what MercadoLibre answers never stops a sync: PostgreSQL's text and
JSONB cannot hold NUL. Runs on in-memory storage, and on PostgreSQL (a database of its
own) when MELI_TEST_DATABASE_URL is set."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from adapters.sql.migrate import upgrade
from sandbox.testing import running_sandbox
from tests.e2e.conftest import AUTH, service_on_sandbox
from tests.e2e.test_products_api import call, synced, wait_until
from tests.isolation import own_postgres_database

ITEMS = 5
NUL_TITLE = "Titulo con \u0000 nulo"


@pytest.fixture(params=["memory", "postgresql"])
async def database(request) -> AsyncIterator[dict[str, str]]:
    if request.param == "memory":
        yield {"STORAGE": "memory"}
        return
    postgres_url = request.getfixturevalue("postgres_url")
    async with own_postgres_database(postgres_url, "meli_nul") as url:
        await asyncio.to_thread(upgrade, url)
        yield {"STORAGE": "sql", "DATABASE_URL": url}


@pytest.fixture
async def stack(database, tmp_path, aiohttp_client) -> AsyncIterator[dict[str, Any]]:
    async with (
        running_sandbox(items_per_seller=ITEMS, rate_limit=0, optimistic_lock_window=0) as sb,
        service_on_sandbox(sb, tmp_path, aiohttp_client, **database) as running,
    ):
        yield running


async def an_item_id(stack) -> str:
    log = await synced(stack)
    assert log["status"] == "succeeded", log
    _, page = await call(stack, "GET", "/products?limit=1")
    return page["results"][0]["item_id"]


async def test_a_nul_in_a_title_is_a_422_and_mercadolibre_is_never_called(stack):
    item_id = await an_item_id(stack)
    await stack["sb"].admin("POST", "/stats/reset")

    status, problem = await call(stack, "PUT", f"/products/{item_id}", {"title": NUL_TITLE})
    assert status == 422, problem
    assert [e["field"] for e in problem["errors"]] == ["title"]

    status, problem = await call(
        stack,
        "POST",
        "/products",
        {
            "account_id": stack["account_id"],
            "title": NUL_TITLE,
            "category_id": "MLA1055",
            "price": 1000,
            "available_quantity": 1,
            "pictures": [{"source": "https://example.com/a.jpg"}],
        },
    )
    assert status == 422, problem
    assert [e["field"] for e in problem["errors"]] == ["title"]

    assert (await stack["sb"].admin("GET", "/stats"))["total"] == 0
    _, stored = await call(stack, "GET", f"/products/{item_id}")
    assert "\u0000" not in stored["title"]


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/products?q=%00abc", "q"),
        ("/products?sku=%00", "sku"),
        ("/webhooks/inbox?topic=%00", "topic"),
        ("/auth/callback?code=x%00&state=%00", "code"),
        ("/dead-letters?open=%00", "open"),
        ("/products/MLA1%0A", "item_id"),
    ],
)
async def test_a_parameter_with_a_control_character_is_a_400_naming_it(stack, path, field):
    response = await stack["client"].get(path, headers={**AUTH, "Accept": "application/json"})
    problem = await response.json()
    assert response.status == 400, problem
    assert problem["errors"][0]["field"] == field


async def test_a_callback_url_with_a_nul_is_refused(stack):
    status, problem = await call(
        stack,
        "POST",
        "/webhooks/register",
        {"topic": "*", "callback_url": "http://127.0.0.1:1/x\u0000y"},
    )
    assert status == 422, problem
    assert problem["errors"][0]["field"] == "callback_url"


async def test_a_listing_whose_title_has_a_nul_on_mercadolibre_syncs(stack):
    item_id = await an_item_id(stack)
    await stack["sb"].admin("PATCH", f"/items/{item_id}", {"title": NUL_TITLE})

    status, accepted = await call(
        stack, "POST", "/products/sync", {"account_id": stack["account_id"]}
    )
    assert status == 202, accepted

    async def second_run_finished():
        _, logs = await call(stack, "GET", accepted["status_url"])
        done = [log for log in logs["results"] if log["finished_at"]]
        return max(done, key=lambda log: log["id"]) if len(done) == 2 else None

    log = await wait_until(second_run_finished)
    assert log["status"] == "succeeded", log
    assert log["counts"]["fetched"] == ITEMS
    status, stored = await call(stack, "GET", f"/products/{item_id}")
    assert status == 200 and stored["title"] == "Titulo con  nulo"
