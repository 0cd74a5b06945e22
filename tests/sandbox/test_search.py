"""GET /users/{id}/items/search: paging, filters, scan (§4.11)."""

from __future__ import annotations

from sandbox.demo import demo_status
from tests.sandbox.conftest import MLA_ITEM, MakeSandbox, Sandbox


def search_path(sandbox: Sandbox) -> str:
    return f"/users/{sandbox.seller()}/items/search"


async def test_results_are_ids_with_default_limit_50(make_sandbox: MakeSandbox) -> None:
    """ref: mercadolibre-api.md §4.11 (IDs only; default limit 50; paging; orders)."""
    sb = await make_sandbox(items_per_seller=120)
    await sb.login()
    status, body = await sb.get(search_path(sb))
    assert status == 200
    assert body["seller_id"] == str(sb.seller())
    assert body["query"] is None
    assert body["paging"] == {"limit": 50, "offset": 0, "total": 120}
    assert len(body["results"]) == 50
    assert all(isinstance(r, str) and r.startswith("MLA") for r in body["results"])
    assert body["orders"] == [{"id": "stop_time_asc", "name": "Order by stop time ascending"}]
    assert "available_orders" in body
    assert "filters" not in body and "available_filters" not in body


async def test_offset_paging_walks_the_list(make_sandbox: MakeSandbox) -> None:
    """ref: mercadolibre-api.md §0.3, §4.11 (offset + limit paging)."""
    sb = await make_sandbox(items_per_seller=120)
    await sb.login()
    seen = []
    for offset in range(0, 120, 50):
        _, body = await sb.get(search_path(sb), params={"offset": str(offset)})
        seen += body["results"]
    listings = sb.state.items.listings[sb.seller()]
    assert seen == [listings.item_id(p) for p in range(120)]


async def test_limit_above_100_is_refused(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §4.11 (max limit 100 [INF])."""
    assert (await sandbox.get(search_path(sandbox), params={"limit": "100"}))[0] == 200
    status, body = await sandbox.get(search_path(sandbox), params={"limit": "101"})
    assert status == 400
    assert set(body) == {"message", "error", "status", "cause"}


async def test_offset_past_1000_is_refused(make_sandbox: MakeSandbox) -> None:
    """ref: mercadolibre-api.md §4.11 (offset+limit beyond 1000 not served [INF: 400])."""
    sb = await make_sandbox(items_per_seller=1500)
    await sb.login()
    status, body = await sb.get(search_path(sb), params={"offset": "950", "limit": "50"})
    assert status == 200
    assert len(body["results"]) == 50
    status, body = await sb.get(search_path(sb), params={"offset": "951", "limit": "50"})
    assert status == 400
    assert body["error"] == "bad_request"
    assert "search_type=scan" in body["message"]


async def test_status_filter_and_totals(make_sandbox: MakeSandbox) -> None:
    """ref: mercadolibre-api.md §4.11 (status=active|paused|closed)."""
    sb = await make_sandbox(items_per_seller=500)
    await sb.login()
    expected = {
        s: sum(1 for p in range(500) if demo_status(p)[0] == s)
        for s in ("active", "paused", "closed")
    }
    for status_name, count in expected.items():
        _, body = await sb.get(search_path(sb), params={"status": status_name, "limit": "100"})
        assert body["paging"]["total"] == count
        items = [sb.state.items.get(i) for i in body["results"]]
        assert all(i["status"] == status_name for i in items)
    assert (await sb.get(search_path(sb), params={"status": "sold"}))[0] == 400


async def test_sub_status_and_listing_type_filters(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §4.11 (sub_status=, listing_type_id= filters)."""
    _, body = await sandbox.get(search_path(sandbox), params={"sub_status": "out_of_stock"})
    assert body["paging"]["total"] == 2
    assert all(
        sandbox.state.items.get(i)["sub_status"] == ["out_of_stock"] for i in body["results"]
    )
    _, body = await sandbox.get(search_path(sandbox), params={"listing_type_id": "gold_pro"})
    assert body["results"]
    assert all(sandbox.state.items.get(i)["listing_type_id"] == "gold_pro" for i in body["results"])


async def test_status_filter_follows_changes(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §4.11 (filters see the current status)."""
    listings = sandbox.state.items.listings[sandbox.seller()]
    item_id = listings.item_id(1)
    await sandbox.put(f"/items/{item_id}", json={"status": "paused"})
    _, body = await sandbox.get(search_path(sandbox), params={"status": "paused"})
    assert item_id in body["results"]
    _, body = await sandbox.get(search_path(sandbox), params={"status": "active"})
    assert item_id not in body["results"]


async def test_sku_filters(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §4.11 (sku=<seller_custom_field>, seller_sku=<SELLER_SKU>)."""
    listings = sandbox.state.items.listings[sandbox.seller()]
    demo = sandbox.state.items.get(listings.item_id(7))
    _, body = await sandbox.get(search_path(sandbox), params={"sku": demo["seller_custom_field"]})
    assert body["results"] == [demo["id"]]
    sku = next(a["value_name"] for a in demo["attributes"] if a["id"] == "SELLER_SKU")
    _, body = await sandbox.get(search_path(sandbox), params={"seller_sku": sku})
    assert body["results"] == [demo["id"]]
    item = await sandbox.create_item({**MLA_ITEM, "seller_custom_field": "MY-SKU"})
    _, body = await sandbox.get(search_path(sandbox), params={"sku": "MY-SKU"})
    assert body["results"] == [item["id"]]
    await sandbox.put(f"/items/{demo['id']}", json={"seller_custom_field": "RENAMED"})
    _, body = await sandbox.get(search_path(sandbox), params={"sku": demo["seller_custom_field"]})
    assert body["results"] == []
    _, body = await sandbox.get(search_path(sandbox), params={"sku": "RENAMED"})
    assert body["results"] == [demo["id"]]


async def test_sku_of_another_seller_is_not_found(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §4.11 (the search is the seller's own items)."""
    other = sandbox.state.items.listings[sandbox.seller(1)]
    demo = sandbox.state.items.get(other.item_id(7))
    _, body = await sandbox.get(search_path(sandbox), params={"sku": demo["seller_custom_field"]})
    assert body["results"] == []


async def test_include_filters(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §4.11 (filters/available_filters only with include_filters)."""
    _, body = await sandbox.get(
        search_path(sandbox), params={"include_filters": "true", "status": "active"}
    )
    assert body["filters"][0]["id"] == "status"
    counts = {v["id"]: v["results"] for v in body["available_filters"][0]["values"]}
    assert sum(counts.values()) == 50


async def test_restrictions(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §4.11 (/items/search/restrictions)."""
    status, body = await sandbox.get(f"{search_path(sandbox)}/restrictions")
    assert (status, set(body)) == (200, {"aggregations_allowed", "query_allowed", "sort_allowed"})


async def test_scan_walks_everything_and_ends_with_null(make_sandbox: MakeSandbox) -> None:
    """ref: mercadolibre-api.md §4.11 (search_type=scan, scroll_id, null/empty at the end)."""
    sb = await make_sandbox(items_per_seller=2_500)
    await sb.login()
    _, page = await sb.get(search_path(sb), params={"search_type": "scan", "limit": "100"})
    seen = list(page["results"])
    assert page["paging"]["total"] == 2_500
    scroll_id = page["scroll_id"]
    while page["results"]:
        _, page = await sb.get(
            search_path(sb), params={"search_type": "scan", "scroll_id": scroll_id, "limit": "100"}
        )
        seen += page["results"]
        scroll_id = page["scroll_id"] or scroll_id
    assert page == {**page, "results": [], "scroll_id": None}
    listings = sb.state.items.listings[sb.seller()]
    assert seen == [listings.item_id(p) for p in range(2_500)]


async def test_scan_with_a_filter(make_sandbox: MakeSandbox) -> None:
    """ref: mercadolibre-api.md §4.11 (scan with filters; default 50 per page)."""
    sb = await make_sandbox(items_per_seller=1_000)
    await sb.login()
    params = {"search_type": "scan", "status": "paused"}
    _, page = await sb.get(search_path(sb), params=params)
    total = page["paging"]["total"]
    seen = list(page["results"])
    while page["results"]:
        _, page = await sb.get(search_path(sb), params={**params, "scroll_id": page["scroll_id"]})
        seen += page["results"]
    assert len(seen) == total == 80
    assert all(sb.state.items.get(i)["status"] == "paused" for i in seen[:10])


async def test_scroll_expires_after_five_minutes(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §4.11 (scroll_id valid for 5 minutes)."""
    params = {"search_type": "scan", "limit": "10"}
    _, page = await sandbox.get(search_path(sandbox), params=params)
    sandbox.advance(299)
    status, page = await sandbox.get(
        search_path(sandbox), params={**params, "scroll_id": page["scroll_id"]}
    )
    assert status == 200
    sandbox.advance(300)
    status, body = await sandbox.get(
        search_path(sandbox), params={**params, "scroll_id": page["scroll_id"]}
    )
    assert status == 400
    assert "scroll_id" in body["message"]


async def test_scan_limit_and_offset_rules(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §2.4, §4.11 (max limit 100; do not mix scroll with offset)."""
    params = {"search_type": "scan"}
    assert (await sandbox.get(search_path(sandbox), params={**params, "limit": "101"}))[0] == 400
    assert (await sandbox.get(search_path(sandbox), params={**params, "offset": "0"}))[0] == 400
    assert (await sandbox.get(search_path(sandbox), params={**params, "scroll_id": "nope"}))[
        0
    ] == 400


async def test_unsupported_sort_is_refused(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §4.11 (orders=, default stop_time_asc)."""
    assert (await sandbox.get(search_path(sandbox), params={"orders": "start_time_asc"}))[0] == 200
    assert (await sandbox.get(search_path(sandbox), params={"orders": "price_asc"}))[0] == 400


# -- orders=last_updated_desc (§4.11 available_orders) -------------------------------------


def last_updated(sandbox: Sandbox, item_ids: list[str]) -> list[str]:
    return [sandbox.state.items.get(item_id)["last_updated"] for item_id in item_ids]


async def test_last_updated_desc_puts_the_latest_changes_first(make_sandbox: MakeSandbox) -> None:
    """ref: mercadolibre-api.md §4.11 (orders=<sort id>; last_updated_desc among the
    available_orders; results are ids only)."""
    sb = await make_sandbox(items_per_seller=120)
    await sb.login()
    listings = sb.state.items.listings[sb.seller()]
    first, then = listings.item_id(3), listings.item_id(110)
    for item_id in (first, then):
        sb.advance(60)
        status, body = await sb.put(f"/items/{item_id}", json={"price": 999})
        assert status == 200, body

    status, body = await sb.get(
        search_path(sb), params={"orders": "last_updated_desc", "limit": "100"}
    )

    assert status == 200
    assert body["orders"] == [
        {"id": "last_updated_desc", "name": "Order by last updated descending"}
    ]
    assert "last_updated_desc" in {order["id"] for order in body["available_orders"]}
    assert body["paging"] == {"limit": 100, "offset": 0, "total": 120}
    assert body["results"][:2] == [then, first]
    # The untouched demo items follow, the latest published first.
    untouched = [listings.item_id(p) for p in range(119, -1, -1) if p not in (3, 110)]
    assert body["results"][2:] == untouched[:98]
    times = last_updated(sb, body["results"])
    assert times == sorted(times, reverse=True)


async def test_last_updated_desc_pages_filters_and_sees_new_items(
    make_sandbox: MakeSandbox,
) -> None:
    """ref: mercadolibre-api.md §4.11 (offset paging and filters apply to every order)."""
    sb = await make_sandbox(items_per_seller=60)
    await sb.login()
    listings = sb.state.items.listings[sb.seller()]
    sb.advance(60)
    created = await sb.create_item(MLA_ITEM)
    sb.advance(60)
    paused = listings.item_id(5)
    status, body = await sb.put(f"/items/{paused}", json={"status": "paused"})
    assert status == 200, body

    seen = []
    for offset in (0, 25, 50):
        _, body = await sb.get(
            search_path(sb),
            params={"orders": "last_updated_desc", "offset": str(offset), "limit": "25"},
        )
        seen += body["results"]
    assert seen[:2] == [paused, created["id"]]
    assert sorted(seen) == sorted([*(listings.item_id(p) for p in range(60)), created["id"]])

    _, body = await sb.get(
        search_path(sb), params={"orders": "last_updated_desc", "status": "paused"}
    )
    assert body["results"][0] == paused
    assert all(sb.state.items.get(i)["status"] == "paused" for i in body["results"])
    times = last_updated(sb, body["results"])
    assert times == sorted(times, reverse=True)


async def test_last_updated_desc_leaves_deleted_items_out(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §4.4 (a deleted item leaves every search), §4.11."""
    item_id = sandbox.state.items.listings[sandbox.seller()].item_id(2)
    assert (await sandbox.put(f"/items/{item_id}", json={"status": "closed"}))[0] == 200
    assert (await sandbox.put(f"/items/{item_id}", json={"deleted": "true"}))[0] == 200
    _, body = await sandbox.get(search_path(sandbox), params={"orders": "last_updated_desc"})
    assert item_id not in body["results"]


async def test_a_scan_in_last_updated_order_is_refused(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §4.11 (the scan is documented in listing order only
    [INF: 400])."""
    status, body = await sandbox.get(
        search_path(sandbox), params={"orders": "last_updated_desc", "search_type": "scan"}
    )
    assert status == 400
    assert body["error"] == "bad_request"
