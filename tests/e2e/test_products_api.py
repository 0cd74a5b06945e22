"""Listings and inventory through the REST API, against the sandbox.

The whole stack runs in-process: the REST app on in-memory storage with the in-process
worker, the real gateway, and the sandbox over loopback HTTP.
"""

from __future__ import annotations

import asyncio
import math

import aiohttp
import pytest
from aiohttp import FormData

from sandbox.testing import running_sandbox
from tests.e2e.conftest import AUTH, service_on_sandbox
from tests.sandbox.images import jpeg_header, png

ITEMS = 250


@pytest.fixture
async def stack(tmp_path, aiohttp_client):
    async with (
        running_sandbox(items_per_seller=ITEMS, rate_limit=0, optimistic_lock_window=0) as sb,
        service_on_sandbox(sb, tmp_path, aiohttp_client) as running,
    ):
        yield running


async def call(stack, method: str, path: str, body=None):
    response = await stack["client"].request(method, path, json=body, headers=AUTH)
    payload = await response.json() if response.content_length != 0 else None
    return response.status, payload


async def wait_until(predicate, timeout: float = 15.0):
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        result = await predicate()
        if result:
            return result
        await asyncio.sleep(0.05)
    raise AssertionError("timed out")


async def synced(stack) -> dict:
    status, accepted = await call(
        stack, "POST", "/products/sync", {"account_id": stack["account_id"]}
    )
    assert status == 202, accepted

    async def finished():
        _, log = await call(stack, "GET", f"/sync-logs/{accepted['sync_log_id']}")
        return log if log["finished_at"] else None

    return await wait_until(finished)


async def upload_picture(stack) -> str:
    """§4.8: variations point at uploaded pictures by id."""
    sb = stack["sb"]
    token = (await sb.token_for(stack["seller"]["id"]))["access_token"]
    form = FormData()
    form.add_field("file", png(800, 800), filename="photo.png", content_type="image/png")
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            f"{sb.url}/pictures/items/upload",
            data=form,
            headers={"Authorization": f"Bearer {token}"},
        ) as response,
    ):
        assert response.status == 201
        return (await response.json())["id"]


def sneakers_body(account_id: int, picture_id: str) -> dict:
    return {
        "account_id": account_id,
        "title": "Zapatillas Nike Revolution 6 Hombre",
        "category_id": "MLA109027",
        "price": 89999.90,
        "available_quantity": 8,
        "condition": "new",
        "pictures": [{"source": "https://example.com/a.jpg"}, {"id": picture_id}],
        "description": "Zapatillas nuevas.\nTalles 40 y 41.",
        "shipping": {"mode": "me2", "free_shipping": True},
        "attributes": [
            {"id": "BRAND", "value_name": "Nike"},
            {"id": "GENDER", "value_name": "Hombre"},
        ],
        "variations": [
            {
                "attribute_combinations": [
                    {"id": "COLOR", "value_name": "Negro"},
                    {"id": "SIZE", "value_name": "40"},
                ],
                "available_quantity": 5,
                "picture_ids": [picture_id],
                "seller_sku": "NK-40",
            },
            {
                "attribute_combinations": [
                    {"id": "COLOR", "value_name": "Negro"},
                    {"id": "SIZE", "value_name": "41"},
                ],
                "available_quantity": 3,
                "picture_ids": [picture_id],
                "seller_sku": "NK-41",
            },
        ],
    }


async def test_the_catalogue_sync_fills_the_local_copy_at_the_minimum_cost(stack):
    """ref: mercadolibre-api.md §4.11 (scan 100 per page, multiget 20 per call)."""
    await stack["sb"].admin("POST", "/stats/reset")
    log = await synced(stack)
    assert log["status"] == "succeeded" and log["counts"]["fetched"] == ITEMS
    stats = await stack["sb"].admin("GET", "/stats")
    scans = stats["calls"]["GET /users/{user_id}/items/search"]
    multigets = stats["calls"]["GET /items"]
    assert (scans, multigets) == (math.ceil(ITEMS / 100), math.ceil(ITEMS / 20))
    # Issue 18: the first sync reads every description (§4.7), and counts the calls.
    assert stats["calls"]["GET /items/{id}/description"] == ITEMS
    assert log["counts"]["description_calls"] == ITEMS
    assert log["api_calls"] == scans + multigets + ITEMS
    _, described = await call(stack, "GET", f"/products?account_id={stack['account_id']}&limit=20")
    texts = [
        (await call(stack, "GET", f"/products/{p['item_id']}"))[1]["description"]
        for p in described["results"]
    ]
    assert all(text is not None for text in texts) and any(texts), texts
    await stack["sb"].admin("POST", "/stats/reset")
    again = await synced(stack)
    assert again["status"] == "succeeded" and "description_calls" not in again["counts"]
    stats = await stack["sb"].admin("GET", "/stats")
    assert stats["total"] == math.ceil(ITEMS / 100) + math.ceil(ITEMS / 20), stats
    status, page = await call(
        stack, "GET", f"/products?account_id={stack['account_id']}&limit=100&offset=200"
    )
    assert status == 200 and page["paging"]["total"] == ITEMS and len(page["results"]) == 50
    item = page["results"][0]
    status, one = await call(stack, "GET", f"/products/{item['item_id']}")
    assert status == 200 and one["stock"] and one["currency_id"] == "ARS"


async def test_filters_find_listings_by_status_title_and_sku(stack):
    await synced(stack)
    _, paused = await call(stack, "GET", "/products?status=paused&limit=200")
    assert paused["results"] and all(p["status"] == "paused" for p in paused["results"])
    title_word = paused["results"][0]["title"].split()[0]
    _, found = await call(stack, "GET", f"/products?q={title_word.lower()}")
    assert all(title_word.lower() in p["title"].lower() for p in found["results"])
    status, problem = await call(stack, "GET", "/products?status=gone")
    assert status == 400 and problem["errors"][0]["field"] == "status"


async def test_a_listing_is_created_varied_paused_reactivated_and_closed(stack):
    """ref: §4.2 create, §4.3 status, §4.4 close then delete, §4.6 variations."""
    picture = await upload_picture(stack)
    status, created = await call(
        stack, "POST", "/products", sneakers_body(stack["account_id"], picture)
    )
    assert status == 201, created
    item_id = created["item_id"]
    assert len(created["variations"]) == 2 and created["description"].startswith("Zapatillas")

    # Changing one variation keeps the other: nothing is deleted by leaving it out.
    first = created["variations"][0]
    status, updated = await call(
        stack,
        "PUT",
        f"/products/{item_id}",
        {
            "price": 79999.90,
            "variations": [
                {"id": first["id"], "available_quantity": 9},
                {
                    "attribute_combinations": [
                        {"id": "COLOR", "value_name": "Blanco"},
                        {"id": "SIZE", "value_name": "40"},
                    ],
                    "available_quantity": 2,
                    "picture_ids": [picture],
                },
            ],
        },
    )
    assert status == 200, updated
    assert len(updated["variations"]) == 3
    stored = await stack["sb"].admin("GET", f"/items/{item_id}")
    assert len(stored["variations"]) == 3 and stored["price"] == 79999.9

    status, paused = await call(stack, "POST", f"/products/{item_id}/pause")
    assert status == 200 and paused["status"] == "paused"
    status, active = await call(stack, "POST", f"/products/{item_id}/activate")
    assert status == 200 and active["status"] == "active"
    status, closed = await call(stack, "DELETE", f"/products/{item_id}")
    assert status == 200 and closed["status"] == "closed" and closed["removed_at"]
    status, problem = await call(stack, "POST", f"/products/{item_id}/activate")
    assert status == 409, problem


async def test_bad_input_is_refused_locally_before_any_mercadolibre_call(stack):
    await stack["sb"].admin("POST", "/stats/reset")
    status, problem = await call(
        stack,
        "POST",
        "/products",
        {
            "account_id": stack["account_id"],
            "title": "x" * 61,
            "category_id": "MLB1055",
            "price": -3,
            "available_quantity": 1,
            "currency_id": "USD",
            "pictures": [{"source": "ftp://nope"}],
            "description": "<b>bold</b>",
        },
    )
    assert status == 422
    fields = {error["field"] for error in problem["errors"]}
    assert {"title", "category_id", "price", "currency_id", "pictures[0]", "description"} <= fields
    status, problem = await call(stack, "POST", "/products", {"account_id": 1, "titel": "x"})
    assert status == 422
    assert (await stack["sb"].admin("GET", "/stats"))["total"] == 0


async def test_mercadolibres_own_refusals_come_back_as_422_with_its_causes(stack):
    body = sneakers_body(stack["account_id"], "unused")
    body["variations"] = []
    body["pictures"] = [{"source": "https://example.com/a.jpg"}]
    body["attributes"] = [{"id": "BRAND", "value_name": "Nike"}]  # GENDER is required
    status, problem = await call(stack, "POST", "/products", body)
    assert status == 422, problem
    assert any("GENDER" in (e.get("reason", "") + e["field"]) for e in problem["errors"])


async def test_stock_is_published_net_of_safety_stock_and_read_back(stack):
    await synced(stack)
    _, page = await call(stack, "GET", "/products?status=active&limit=200")
    item = next(p for p in page["results"] if not p["variations"])
    status, result = await call(
        stack, "PATCH", f"/products/{item['item_id']}/stock", {"quantity": 20, "safety_stock": 3}
    )
    assert status == 200, result
    assert (result["outcome"], result["published"], result["observed"]) == ("applied", 17, 17)
    stored = await stack["sb"].admin("GET", f"/items/{item['item_id']}")
    assert stored["available_quantity"] == 17
    status, again = await call(
        stack, "PATCH", f"/products/{item['item_id']}/stock", {"quantity": 20}
    )
    assert again["outcome"] == "unchanged"
    status, _problem = await call(
        stack, "PATCH", f"/products/{item['item_id']}/stock", {"quantity": -1}
    )
    assert status == 422


async def test_a_bulk_update_of_100_gives_a_result_for_each(stack):
    await synced(stack)
    _, page = await call(stack, "GET", "/products?status=active&limit=200")
    simple = [p for p in page["results"] if not p["variations"]][:99]
    updates = [{"item_id": p["item_id"], "quantity": 7} for p in simple]
    updates.append({"item_id": "MLA9999999999", "quantity": 1})
    status, accepted = await call(stack, "POST", "/inventory/bulk-update", {"updates": updates})
    assert status == 202, accepted

    async def done():
        _, batch = await call(stack, "GET", accepted["status_url"])
        return batch if batch["status"] == "done" else None

    batch = await wait_until(done, timeout=60)
    assert len(batch["results"]) == 100
    assert batch["results"][-1]["outcome"] == "rejected"
    assert batch["counts"].get("applied", 0) + batch["counts"].get("unchanged", 0) == 99
    too_many = [{"item_id": "MLA1", "quantity": 1}] * 101
    status, _problem = await call(stack, "POST", "/inventory/bulk-update", {"updates": too_many})
    assert status == 422


async def test_concurrent_updates_of_one_item_keep_the_latest_request(stack):
    await synced(stack)
    _, page = await call(stack, "GET", "/products?status=active&limit=200")
    item_id = next(p for p in page["results"] if not p["variations"])["item_id"]
    results = await asyncio.gather(
        *(
            call(stack, "PATCH", f"/products/{item_id}/stock", {"quantity": n})
            for n in range(10, 20)
        )
    )
    assert all(status == 200 for status, _ in results)
    async with stack["container"].unit_of_work() as uow:
        latest = await uow.inventory.latest_change(item_id)
        level = await uow.inventory.find(item_id)
    stored = await stack["sb"].admin("GET", f"/items/{item_id}")
    assert level.quantity == latest.quantity == stored["available_quantity"]


async def test_stock_for_what_mercadolibre_no_longer_has_is_a_clear_answer(stack):
    """A listing deleted on MercadoLibre (§4.4) is a 404 and a variation deleted there
    since the last sync (§4.6) a 422 with the reason, never a 500; in a bulk update they
    are `failed` and `rejected`, the other updates are applied and the batch finishes."""
    sb = stack["sb"]
    await synced(stack)
    _, page = await call(stack, "GET", "/products?status=active&limit=200")
    simple = [p for p in page["results"] if not p["variations"]]
    gone, kept = simple[0]["item_id"], simple[1]["item_id"]
    await sb.admin("PATCH", f"/items/{gone}", {"status": "closed", "sub_status": ["deleted"]})
    picture = await upload_picture(stack)
    status, created = await call(
        stack, "POST", "/products", sneakers_body(stack["account_id"], picture)
    )
    assert status == 201, created
    shoes = created["item_id"]
    on_mercadolibre = await sb.admin("GET", f"/items/{shoes}")
    removed = on_mercadolibre["variations"][1]["id"]
    await sb.admin("PATCH", f"/items/{shoes}", {"variations": on_mercadolibre["variations"][:1]})

    status, problem = await call(stack, "PATCH", f"/products/{gone}/stock", {"quantity": 5})
    assert status == 404, problem
    status, problem = await call(
        stack, "PATCH", f"/products/{shoes}/stock", {"quantity": 4, "variation_id": removed}
    )
    assert status == 422, problem
    assert "no longer exists on MercadoLibre" in problem["errors"][0]["reason"]

    updates = [
        {"item_id": gone, "quantity": 5},
        {"item_id": shoes, "variation_id": removed, "quantity": 4},
        {"item_id": kept, "quantity": 7},
    ]
    status, accepted = await call(stack, "POST", "/inventory/bulk-update", {"updates": updates})
    assert status == 202, accepted

    async def finished():
        _, batch = await call(stack, "GET", accepted["status_url"])
        return batch if batch["finished_at"] is not None else None

    batch = await wait_until(finished)
    assert batch["status"] == "done", batch
    assert [r["outcome"] for r in batch["results"]] == ["failed", "rejected", "applied"]
    assert "NotFound" in batch["results"][0]["reason"]
    assert (await sb.admin("GET", f"/items/{kept}"))["available_quantity"] == 7


async def test_the_inventory_sync_follows_sales_and_never_publishes_more(stack):
    await synced(stack)
    _, page = await call(stack, "GET", "/products?status=active&limit=200")
    simple = [p for p in page["results"] if not p["variations"]]
    sold, raised = simple[0]["item_id"], simple[1]["item_id"]
    await call(stack, "PATCH", f"/products/{sold}/stock", {"quantity": 10})
    await call(stack, "PATCH", f"/products/{raised}/stock", {"quantity": 10})
    await stack["sb"].admin("POST", f"/items/{sold}/sale", {"quantity": 4})
    await stack["sb"].admin("PATCH", f"/items/{raised}", {"available_quantity": 25})
    status, _ = await call(stack, "POST", "/inventory/sync", {"account_id": stack["account_id"]})
    assert status == 202

    async def finished():
        _, logs = await call(stack, "GET", "/sync-logs?kind=inventory")
        return logs["results"][0] if logs["results"] and logs["results"][0]["finished_at"] else None

    log = await wait_until(finished)
    assert log["counts"]["adopted"] == 1 and log["counts"]["pushed"] == 1, log
    _, local = await call(stack, "GET", f"/products/{sold}")
    assert local["stock"][0]["quantity"] == 6
    stored = await stack["sb"].admin("GET", f"/items/{raised}")
    assert stored["available_quantity"] == 10


async def test_health_and_category_prediction(stack):
    await synced(stack)
    _, page = await call(stack, "GET", "/products?status=active&limit=1")
    status, health = await call(stack, "GET", f"/products/{page['results'][0]['item_id']}/health")
    assert status == 200 and 0 <= health["health"] <= 1
    # §4.12: met goals come with `completed` as a timestamp; they are read as done.
    met = [goal for goal in health["goals"] if goal["completed"]]
    assert met and all(goal["completed_at"] and goal["progress"] == 1.0 for goal in met)
    status, predicted = await call(
        stack, "GET", "/categories/predict?site_id=MLA&title=Zapatillas+Nike"
    )
    assert status == 200 and predicted["results"][0]["category_id"] == "MLA109027"
    # An unknown site is outside the parameter's documented options: a 400 naming it.
    status, problem = await call(stack, "GET", "/categories/predict?site_id=XXX&title=a")
    assert status == 400 and problem["errors"][0]["field"] == "site_id"


async def test_unknown_listings_and_ids_are_clear_errors(stack):
    assert (await call(stack, "GET", "/products/MLA404"))[0] == 404
    status, problem = await call(stack, "GET", "/products/not-an-id")
    assert status == 400 and problem["errors"][0]["field"] == "item_id"
    status, _ = await call(stack, "POST", "/products/sync", {"account_id": 999})
    assert status == 404


async def test_a_listing_that_gains_variations_keeps_stock_per_variation_only(stack):
    """§4.6: once a listing has variations, its stock is per variation. The item-level
    row goes with the PUT that adds them, and neither sync brings it back. The PUT
    answers the same shape as GET, stock included."""
    picture = await upload_picture(stack)
    body = sneakers_body(stack["account_id"], picture)
    body["variations"] = []
    body["available_quantity"] = 10
    status, created = await call(stack, "POST", "/products", body)
    assert status == 201, created
    item_id = created["item_id"]
    assert [(s["variation_id"], s["quantity"]) for s in created["stock"]] == [(None, 10)]

    def variation(size: str, quantity: int) -> dict:
        return {
            "attribute_combinations": [
                {"id": "COLOR", "value_name": "Negro"},
                {"id": "SIZE", "value_name": size},
            ],
            "available_quantity": quantity,
            "picture_ids": [picture],
        }

    status, updated = await call(
        stack,
        "PUT",
        f"/products/{item_id}",
        {"variations": [variation("40", 4), variation("41", 6)]},
    )
    assert status == 200, updated
    expected = sorted((v["id"], v["available_quantity"]) for v in updated["variations"])
    assert [(s["variation_id"], s["quantity"]) for s in updated["stock"]] == expected
    _, got = await call(stack, "GET", f"/products/{item_id}")
    assert got["stock"] == updated["stock"]

    await synced(stack)
    status, _ = await call(stack, "POST", "/inventory/sync", {"account_id": stack["account_id"]})
    assert status == 202

    async def inventory_synced():
        _, logs = await call(stack, "GET", "/sync-logs?kind=inventory")
        return logs["results"][0] if logs["results"] and logs["results"][0]["finished_at"] else None

    log = await wait_until(inventory_synced)
    assert log["status"] == "succeeded", log
    _, got = await call(stack, "GET", f"/products/{item_id}")
    assert [(s["variation_id"], s["quantity"]) for s in got["stock"]] == expected


async def test_a_deleted_listing_answers_the_same_twice_and_takes_no_stock(stack):
    """§4.4, §4.5: a deleted item is closed with sub_status `deleted`. A second DELETE
    changes nothing; a stock update is a conflict (PATCH) or rejected naming the state
    (bulk), not an unknown listing."""
    sb = stack["sb"]
    await synced(stack)
    _, page = await call(stack, "GET", "/products?status=active&limit=200")
    simple = [p for p in page["results"] if not p["variations"]]
    item_id, kept = simple[0]["item_id"], simple[1]["item_id"]
    status, first = await call(stack, "DELETE", f"/products/{item_id}")
    assert status == 200, first
    assert (first["status"], first["sub_status"]) == ("closed", ["deleted"])
    assert first["removed_at"] and first["stock"]
    on_mercadolibre = await sb.admin("GET", f"/items/{item_id}")
    assert (on_mercadolibre["status"], on_mercadolibre["sub_status"]) == ("closed", ["deleted"])
    status, again = await call(stack, "DELETE", f"/products/{item_id}")
    assert (status, again) == (200, first)

    status, problem = await call(stack, "PATCH", f"/products/{item_id}/stock", {"quantity": 5})
    assert status == 409, problem
    assert "was removed from MercadoLibre" in problem["detail"]
    assert "status closed, sub_status deleted" in problem["detail"]
    updates = [{"item_id": item_id, "quantity": 5}, {"item_id": kept, "quantity": 7}]
    status, accepted = await call(stack, "POST", "/inventory/bulk-update", {"updates": updates})
    assert status == 202, accepted

    async def finished():
        _, batch = await call(stack, "GET", accepted["status_url"])
        return batch if batch["finished_at"] is not None else None

    batch = await wait_until(finished)
    assert [r["outcome"] for r in batch["results"]] == ["rejected", "applied"]
    assert "was removed from MercadoLibre" in batch["results"][0]["reason"]


async def test_a_deleted_listing_refuses_an_update_and_its_health_without_asking_mercadolibre(
    stack,
):
    """As its stock, pause and activate do: a 409 naming its state, from the local copy
    (MercadoLibre no longer has the item, §4.4: a GET would be a 404)."""
    sb = stack["sb"]
    await synced(stack)
    _, page = await call(stack, "GET", "/products?status=active&limit=1")
    item_id = page["results"][0]["item_id"]
    status, deleted = await call(stack, "DELETE", f"/products/{item_id}")
    assert status == 200, deleted
    await sb.admin("POST", "/stats/reset")

    status, problem = await call(stack, "PUT", f"/products/{item_id}", {"price": 5000})
    assert status == 409, problem
    assert problem["detail"] == (
        f"{item_id} was removed from MercadoLibre on {deleted['removed_at']} "
        "(status closed, sub_status deleted): a closed or removed listing cannot change"
    )
    status, problem = await call(stack, "GET", f"/products/{item_id}/health")
    assert status == 409, problem
    assert "(status closed, sub_status deleted)" in problem["detail"]
    assert "has no health" in problem["detail"]
    assert (await sb.admin("GET", "/stats"))["total"] == 0


@pytest.mark.parametrize("updates", [{"a": 1}, "MLA1", 5, None, [1], [{"item_id": "MLA1"}, []]])
async def test_bulk_updates_that_are_not_a_list_of_objects_are_one_clear_problem(stack, updates):
    status, problem = await call(stack, "POST", "/inventory/bulk-update", {"updates": updates})
    assert status == 422, problem
    assert problem["errors"] == [
        {
            "field": "updates",
            "reason": "must be a list of {item_id, quantity, variation_id?, safety_stock?}",
        }
    ]


async def test_a_stock_level_under_its_threshold_raises_one_alert_until_it_is_back_up(stack):
    """Issue 18: thresholds per account and per listing through the REST API; the
    alert is raised once per crossing, re-armed when the stock is back up, and counted
    by meli_listings_low_stock."""
    await synced(stack)
    account = stack["account_id"]
    _, page = await call(stack, "GET", "/products?status=active&limit=200")
    item = next(p for p in page["results"] if not p["variations"])["item_id"]
    assert (await call(stack, "PATCH", f"/products/{item}/stock", {"quantity": 40}))[0] == 200

    for bad in ({"threshold": 0}, {"threshold": "5"}, {"threshold": 5, "extra": 1}, {}):
        status, problem = await call(stack, "PUT", f"/products/{item}/stock-threshold", bad)
        assert status == 422, (bad, problem)
    assert (await call(stack, "PUT", "/accounts/999/stock-threshold", {"threshold": 5}))[0] == 404
    assert (await call(stack, "PUT", "/products/MLA1/stock-threshold", {"threshold": 5}))[0] == 404

    status, own = await call(stack, "PUT", f"/products/{item}/stock-threshold", {"threshold": 30})
    assert status == 200 and (own["item_id"], own["threshold"]) == (item, 30)
    _, listed = await call(stack, "GET", f"/accounts/{account}/stock-thresholds")
    assert listed["alerts"] == [], "40 is not under 30"

    await call(stack, "PATCH", f"/products/{item}/stock", {"quantity": 12})
    await call(stack, "PATCH", f"/products/{item}/stock", {"quantity": 11})
    _, listed = await call(stack, "GET", f"/accounts/{account}/stock-thresholds")
    assert [(a["item_id"], a["publishable"]) for a in listed["alerts"]] == [(item, 12)], "once"
    metrics = await (await stack["client"].get("/metrics")).text()
    assert f'meli_listings_low_stock{{account="{account}"}} 1.0' in metrics

    await call(stack, "PATCH", f"/products/{item}/stock", {"quantity": 31})
    _, listed = await call(stack, "GET", f"/accounts/{account}/stock-thresholds")
    assert listed["alerts"] == [], "re-armed"

    async def delete(path: str) -> int:
        return (await stack["client"].delete(path, headers=AUTH)).status

    assert await delete(f"/products/{item}/stock-threshold") == 204
    assert await delete(f"/products/{item}/stock-threshold") == 404
    assert await delete(f"/accounts/{account}/stock-threshold") == 404


async def upload(stack, content: bytes, name: str = "photo.png", account_id=None):
    form = FormData()
    form.add_field("file", content, filename=name, content_type="application/octet-stream")
    response = await stack["client"].post(
        f"/pictures?account_id={account_id or stack['account_id']}", data=form, headers=AUTH
    )
    return response.status, await response.json()


async def test_a_picture_is_uploaded_checked_first_and_added_keeping_the_others(stack):
    """Issue 18, §4.8: POST /pictures answers the id; what MercadoLibre would refuse is
    refused before it is sent; POST /products/{id}/pictures adds without dropping."""
    await stack["sb"].admin("POST", "/stats/reset")
    for content, status_wanted in (
        (b"%PDF-1.4 not a picture", 415),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * (10 * 1024 * 1024), 413),
    ):
        status, problem = await upload(stack, content)
        assert status == status_wanted, problem
        assert problem["errors"][0]["field"] == "file"
    response = await stack["client"].post(
        f"/pictures?account_id={stack['account_id']}", json={"file": "x"}, headers=AUTH
    )
    assert response.status == 415
    assert (await upload(stack, png(800, 800), account_id=999))[0] == 404
    response = await stack["client"].post(
        f"/pictures?account_id={stack['account_id']}",
        data=b"--x\r\n",
        headers={**AUTH, "Content-Type": "multipart/form-data"},
    )
    assert response.status == 400, await response.text()
    stats = await stack["sb"].admin("GET", "/stats")
    assert "POST /pictures/items/upload" not in stats["calls"], "nothing sent"
    # Fields with odd names around the file (as a fuzzer sends them), then a 1x1 JPEG.
    parts = [
        b'Content-Disposition: form-data; name="\xc3\x8d\xf4\x81\xb1\xbb"\r\n\r\n{"a": 1}',
        b'Content-Disposition: form-data; name=""\r\n\r\n-1.7e308',
        b'Content-Disposition: form-data; name=".\xf1\x86\xa3\xbc\x0b\xc2\x8e"\r\n\r\nnull',
        b'Content-Disposition: form-data; name="file"; filename="file.jpg"\r\n\r\n'
        + jpeg_header(1, 1),
    ]
    body = b"".join(b"--b0\r\n" + part + b"\r\n" for part in parts) + b"--b0--\r\n"
    response = await stack["client"].post(
        f"/pictures?account_id={stack['account_id']}",
        data=body,
        headers={**AUTH, "Content-Type": "multipart/form-data; boundary=b0"},
    )
    assert response.status in (400, 422), await response.text()

    status, small = await upload(stack, png(200, 200))
    assert status == 422 and small["meli_status"] == 400, "MercadoLibre's: under 500x500"
    status, uploaded = await upload(stack, png(800, 800))
    assert status == 201 and uploaded["id"] and uploaded["sizes"][0]["url"]

    picture = await upload_picture(stack)
    status, created = await call(
        stack, "POST", "/products", sneakers_body(stack["account_id"], picture)
    )
    assert status == 201, created
    before = [p["id"] for p in created["pictures"]]
    variation_pictures = [v["picture_ids"] for v in created["variations"]]
    path = f"/products/{created['item_id']}/pictures"
    for _ in range(2):  # the same request twice adds it once
        status, added = await call(stack, "POST", path, {"picture_ids": [uploaded["id"]]})
        assert status == 200, added
        assert [p["id"] for p in added["pictures"]] == [*before, uploaded["id"]]
        assert [v["picture_ids"] for v in added["variations"]] == variation_pictures
    status, video = await call(stack, "POST", path, {"video_id": "dQw4w9WgXcQ"})
    assert status == 200 and video["video_id"] == "dQw4w9WgXcQ"
    for bad in ({"video_id": "not a video"}, {"picture_ids": ["../x"]}, {}):
        status, problem = await call(stack, "POST", path, bad)
        assert status == 422, (bad, problem)
