"""Seller reputation in /users/{id} (§3) with its 60-day metrics, and visits per listing
and per seller [INF: /items/visits, /users/{id}/items_visits]."""

from __future__ import annotations

from tests.sandbox.conftest import Sandbox

LEVELS = {"1_red", "2_orange", "3_yellow", "4_light_green", "5_green"}


async def test_a_seller_shows_its_level_and_the_rates_it_is_measured_by(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §3 (seller_reputation.level_id, power_seller_status)."""
    for seller in (sandbox.seller(), sandbox.seller(1)):
        status, body = await sandbox.get(f"/users/{seller}")
        assert status == 200
        reputation = body["seller_reputation"]
        assert reputation["level_id"] in LEVELS
        assert reputation["power_seller_status"] in (None, "silver", "gold", "platinum")
        metrics = reputation["metrics"]
        completed = metrics["sales"]["completed"]
        assert completed > 0
        for name in ("claims", "delayed_handling_time", "cancellations"):
            part = metrics[name]
            assert part["period"] == "60 days"
            assert part["rate"] == round(part["value"] / completed, 4)
    _, again = await sandbox.get(f"/users/{sandbox.seller()}")
    assert (
        again["seller_reputation"]
        == (await sandbox.get(f"/users/{sandbox.seller()}"))[1]["seller_reputation"]
    )


async def test_item_visits_add_up_over_the_days_asked(sandbox: Sandbox) -> None:
    ids = "MLA1000000001,MLA1000000002"
    status, one_day = await sandbox.get(
        "/items/visits", params={"ids": ids, "date_from": "2026-11-01", "date_to": "2026-11-01"}
    )
    assert status == 200
    assert [v["item_id"] for v in one_day] == ids.split(",")
    _, next_day = await sandbox.get(
        "/items/visits",
        params={
            "ids": "MLA1000000001",
            "date_from": "2026-11-02T00:00:00.000-03:00",
            "date_to": "2026-11-02T23:59:59.000-03:00",
        },
    )
    _, both = await sandbox.get(
        "/items/visits",
        params={"ids": "MLA1000000001", "date_from": "2026-11-01", "date_to": "2026-11-02"},
    )
    assert both[0]["total_visits"] == one_day[0]["total_visits"] + next_day[0]["total_visits"]
    assert both[0]["visits_detail"] == [
        {"company": "mercadolibre", "quantity": both[0]["total_visits"]}
    ]


async def test_a_sellers_visits_and_bad_dates(sandbox: Sandbox) -> None:
    path = f"/users/{sandbox.seller()}/items_visits"
    status, body = await sandbox.get(
        path, params={"date_from": "2026-11-01", "date_to": "2026-11-07"}
    )
    assert status == 200
    assert body["user_id"] == sandbox.seller() and body["total_visits"] >= 0
    status, _ = await sandbox.get(path, params={"date_from": "2026-11-08", "date_to": "2026-11-07"})
    assert status == 400
    status, _ = await sandbox.get(path, params={"date_from": "yesterday", "date_to": "2026-11-07"})
    assert status == 400
    status, _ = await sandbox.get(
        "/users/123/items_visits", params={"date_from": "2026-11-01", "date_to": "2026-11-01"}
    )
    assert status == 404
