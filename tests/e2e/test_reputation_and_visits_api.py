"""Reputation and visits with the real gateway against the sandbox: GET
/analytics/reputation reads §3 seller_reputation now; the `visits` job stores the
sellers' and listings' visits per day, which GET /analytics/visits and the top listings'
conversion then show; the `reputation` job stores every account's level, which the
metrics then show without anyone reading GET /analytics/reputation."""

from __future__ import annotations

import asyncio
import time
from datetime import date, timedelta

from sandbox.testing import running_sandbox
from sandbox.visits import item_visits, user_visits
from tests.contracts.builders import a_listing
from tests.e2e.conftest import AUTH, service_on_sandbox


async def _json(response, status: int = 200):
    body = await response.json()
    assert response.status == status, body
    return body


async def test_reputation_and_visits_come_from_the_sandbox(tmp_path, aiohttp_client):
    async with (
        running_sandbox(rate_limit=0, orders_per_seller=0, questions_per_seller=0) as sb,
        service_on_sandbox(sb, tmp_path, aiohttp_client) as service,
    ):
        client, container, seller = service["client"], service["container"], service["seller"]
        account_id = service["account_id"]

        body = await _json(await client.get("/analytics/reputation", headers=AUTH))
        (mine,) = body["accounts"]
        expected = sb.state.user(seller["id"]).reputation()
        assert mine["account_id"] == account_id and mine["error"] is None
        assert mine["level_id"] == expected["level_id"]
        assert mine["level"] == (3 if expected["level_id"] == "3_yellow" else 5)
        assert mine["power_seller_status"] == expected["power_seller_status"]
        assert mine["completed_sales"] == expected["metrics"]["sales"]["completed"]
        assert [m["name"] for m in mine["metrics"]] == [
            "claims",
            "delayed_handling_time",
            "cancellations",
        ]
        claims = mine["metrics"][0]
        assert claims["limit"] == "0.01" and claims["period"] == "60 days"
        assert claims["within_limit"] == (float(claims["rate"]) <= 0.01)

        metrics = await (await client.get("/metrics")).text()
        assert f'meli_reputation_level{{account="{account_id}"}} {float(mine["level"])}' in metrics

        item_id = f"{seller['site_id']}1999999901"
        async with container.unit_of_work() as uow:
            await uow.listings.upsert([a_listing(item_id, account_id)])
            await uow.commit()
        assert await container.record_visits()(2) == {account_id: 2}

        body = await _json(await client.get("/analytics/visits", headers=AUTH))
        assert len(body["days"]) == 2
        seed = sb.config.seed
        for day in body["days"]:
            when = date.fromisoformat(day["day"])
            assert day["total"] == user_visits(seed, seller["id"], when)
            assert day["by_listing"] == {item_id: item_visits(seed, item_id, when)}
        last = date.fromisoformat(body["to_date"])
        assert [d["day"] for d in body["days"]] == [
            (last - timedelta(days=2)).isoformat(),
            (last - timedelta(days=1)).isoformat(),
        ]

        assert (
            await client.get("/analytics/reputation?account_id=999", headers=AUTH)
        ).status == 404


async def stored_levels(container) -> dict:
    async with container.unit_of_work() as uow:
        return await uow.analytics.reputation_levels(None)


async def test_the_reputation_job_run_by_name_stores_the_level_the_metrics_show(
    tmp_path, aiohttp_client
):
    async with (
        running_sandbox(rate_limit=0, orders_per_seller=0, questions_per_seller=0) as sb,
        service_on_sandbox(sb, tmp_path, aiohttp_client) as service,
    ):
        client, container, seller = service["client"], service["container"], service["seller"]
        account_id = service["account_id"]
        level_id = sb.state.user(seller["id"]).reputation()["level_id"]
        level = int(level_id[0])

        listed = await _json(await client.get("/jobs", headers=AUTH))
        jobs = {job["name"]: job for job in listed["results"]}
        assert (jobs["reputation"]["actor"], jobs["reputation"]["every_seconds"]) == (
            "record_reputations",
            3600,
        )
        assert (await client.post("/jobs/reputation/run", headers=AUTH)).status == 202
        deadline = time.monotonic() + 10
        while not await stored_levels(container):
            assert time.monotonic() < deadline, "the reputation job stored nothing"
            await asyncio.sleep(0.05)
        assert await stored_levels(container) == {account_id: level}

        metrics = await (await client.get("/metrics")).text()
        assert f'meli_reputation_level{{account="{account_id}"}} {float(level)}' in metrics
