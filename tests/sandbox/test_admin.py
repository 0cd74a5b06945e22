"""The admin API under /_sandbox/ (not MercadoLibre): stats, clock, faults, state."""

from __future__ import annotations

import asyncio
import time

import aiohttp
import pytest

from sandbox.testing import running_sandbox
from tests.sandbox.conftest import MLA_ITEM, MakeSandbox, Sandbox


async def test_sellers_are_on_different_sites(make_sandbox: MakeSandbox) -> None:
    """ref: mercadolibre-api.md §10, §0.3 (demo sellers on MLA, MCO, MLB, ...; Int64 ids)."""
    sb = await make_sandbox(sellers=4)
    status, body = await sb.get("/_sandbox/sellers")
    assert status == 200
    assert [s["site_id"] for s in body] == ["MLA", "MCO", "MLB", "MLM"]
    assert all(set(s) == {"id", "nickname", "site_id"} for s in body)
    assert all(100_000_000 <= s["id"] < 10**10 for s in body)


async def test_stats_count_api_calls_by_route_pattern(sandbox: Sandbox) -> None:
    """Benchmarks count MercadoLibre calls with /_sandbox/stats; admin calls are not counted
    (ref: mercadolibre-api.md §4.11 multiget counts as one call)."""
    await sandbox.post("/_sandbox/stats/reset")
    listings = sandbox.state.items.listings[sandbox.seller()]
    await sandbox.get(f"/items/{listings.item_id(0)}")
    await sandbox.get(f"/items/{listings.item_id(1)}")
    await sandbox.get("/items", params={"ids": listings.item_id(2)})
    await sandbox.get("/no/such/thing")
    await sandbox.get("/_sandbox/clock")
    status, stats = await sandbox.get("/_sandbox/stats")
    assert status == 200
    assert stats == {
        "total": 4,
        "calls": {"GET (unmatched)": 1, "GET /items": 1, "GET /items/{id}": 2},
    }
    status, stats = await sandbox.post("/_sandbox/stats/reset")
    assert stats == {"total": 0, "calls": {}}


async def test_requests_log_query_and_headers_but_no_secret(sandbox: Sandbox) -> None:
    """GET /_sandbox/requests: the latest MercadoLibre calls with their query and headers,
    so a test can see that a client asked for the shape it parses (ref:
    mercadolibre-api.md §0.3 x-format-new and api_version); the Bearer token and secret
    parameters are never recorded."""
    await sandbox.post("/_sandbox/stats/reset")
    await sandbox.get("/shipments/40000000001", headers={"x-format-new": "true"})
    await sandbox.get("/questions/99", params={"api_version": "4", "access_token": "APP_USR-x"})
    await sandbox.get("/_sandbox/clock")
    status, logged = await sandbox.get("/_sandbox/requests")
    assert status == 200
    assert [(r["method"], r["path"], r["route"]) for r in logged] == [
        ("GET", "/shipments/40000000001", "/shipments/{id}"),
        ("GET", "/questions/99", "/questions/{id}"),
    ]
    assert logged[0]["headers"]["x-format-new"] == "true"
    assert logged[1]["query"] == {"api_version": "4"}
    assert all("authorization" not in r["headers"] for r in logged)
    assert sandbox.token is not None and sandbox.token not in str(logged)
    _, only = await sandbox.get("/_sandbox/requests", params={"path": "/questions/99"})
    assert [r["path"] for r in only] == ["/questions/99"]
    await sandbox.post("/_sandbox/stats/reset")
    assert (await sandbox.get("/_sandbox/requests"))[1] == []


async def test_stats_count_refused_calls_too(make_sandbox: MakeSandbox) -> None:
    """ref: mercadolibre-api.md §2.2, §2.4 (401 and 429 answers are calls all the same)."""
    sb = await make_sandbox()
    await sb.get("/users/me")
    _, stats = await sb.get("/_sandbox/stats")
    assert stats["calls"] == {"GET /users/me": 1}


async def test_stored_item_needs_no_token(make_sandbox: MakeSandbox) -> None:
    """GET /_sandbox/items/{id} reads any item as stored (owner view, ref: §4.1)."""
    sb = await make_sandbox()
    listings = sb.state.items.listings[sb.seller(1)]
    status, item = await sb.get(f"/_sandbox/items/{listings.item_id(3)}")
    assert status == 200
    assert "initial_quantity" in item
    assert (await sb.get("/_sandbox/items/MLA1"))[0] == 404


async def test_clock_advances(sandbox: Sandbox) -> None:
    """The simulated clock moves every expiry (ref: mercadolibre-api.md §1.2 token expiry)."""
    _, before = await sandbox.get("/_sandbox/clock")
    status, after = await sandbox.post("/_sandbox/clock/advance", json={"seconds": 3600})
    assert status == 200
    assert after["offset_seconds"] == before["offset_seconds"] + 3600
    assert after["epoch"] - before["epoch"] >= 3600
    assert (await sandbox.post("/_sandbox/clock/advance", json={"seconds": -1}))[0] == 400
    await sandbox.post("/_sandbox/clock/advance", json={"seconds": 21_600})
    assert (await sandbox.get("/users/me"))[0] == 401


async def test_fault_rule_with_status_and_count(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §2.1 (500/502/503/504 generic errors) and the retry path."""
    status, _ = await sandbox.post(
        "/_sandbox/faults", json={"path": "/items/*", "method": "GET", "status": 503, "count": 2}
    )
    assert status == 201
    listings = sandbox.state.items.listings[sandbox.seller()]
    path = f"/items/{listings.item_id(0)}"
    for _ in range(2):
        status, body = await sandbox.get(path)
        assert status == 503
        assert body == {
            "message": "Service Unavailable",
            "error": "service_not_available",
            "status": 503,
            "cause": [],
        }
    assert (await sandbox.get(path))[0] == 200
    _, rules = await sandbox.get("/_sandbox/faults")
    assert rules[0]["hits"] == 2


@pytest.mark.parametrize(
    ("status", "error"),
    [(500, "internal_server_error"), (502, "bad_gateway"), (504, "gateway_timeout")],
)
async def test_fault_statuses(sandbox: Sandbox, status: int, error: str) -> None:
    """ref: mercadolibre-api.md §2.1 (generic error codes of the claims API table)."""
    await sandbox.post("/_sandbox/faults", json={"path": "/users/me", "status": status})
    got, body = await sandbox.get("/users/me")
    assert (got, body["error"]) == (status, error)


async def test_fault_rate_and_regex(sandbox: Sandbox) -> None:
    """Fault rules match a regex and fire at a rate (ref: mercadolibre-api.md §2.4 retries)."""
    await sandbox.post(
        "/_sandbox/faults", json={"path": r"^/users/\d+$", "status": 500, "rate": 0.5}
    )
    statuses = [(await sandbox.get(f"/users/{sandbox.seller()}"))[0] for _ in range(60)]
    assert 10 < statuses.count(500) < 50
    assert set(statuses) == {200, 500}
    assert (await sandbox.get("/users/me"))[0] == 200


async def test_429_storm(make_sandbox: MakeSandbox) -> None:
    """ref: mercadolibre-api.md §2.4 (the 429 body; Retry-After only behind the flag)."""
    sb = await make_sandbox(retry_after_header=True)
    await sb.login()
    await sb.post("/_sandbox/faults", json={"path": "*", "status": 429, "count": 3})
    for _ in range(3):
        response = await sb.client.get("/users/me", headers=sb.headers())
        assert response.status == 429
        assert (await response.json())["error"] == "local_rate_limited"
        assert response.headers["Retry-After"] == "1"
    assert (await sb.get("/users/me"))[0] == 200


async def test_fault_latency(sandbox: Sandbox) -> None:
    """Added latency, for timeouts in the gateway (ref: mercadolibre-api.md §12)."""
    await sandbox.post("/_sandbox/faults", json={"path": "/users/me", "latency_ms": 150})
    started = time.monotonic()
    assert (await sandbox.get("/users/me"))[0] == 200
    assert time.monotonic() - started >= 0.15
    status, _ = await sandbox.delete("/_sandbox/faults")
    assert status == 200
    assert (await sandbox.get("/_sandbox/faults"))[1] == []


async def test_fault_drops_the_connection() -> None:
    """A dropped connection reaches the client as a disconnect (ref: §12 retries)."""
    async with running_sandbox(rate_limit=0) as sb:
        token = (await sb.token_for(sb.sellers[0]["id"]))["access_token"]
        sb.state.faults.add({"path": "/users/me", "drop": True})
        connector = aiohttp.TCPConnector(force_close=True)
        async with aiohttp.ClientSession(connector=connector) as session:
            with pytest.raises(aiohttp.ClientConnectionError):
                await session.get(
                    f"{sb.url}/users/me", headers={"Authorization": f"Bearer {token}"}
                )


async def test_bad_fault_rules_are_400(sandbox: Sandbox) -> None:
    """Admin errors are 400 JSON in the §2.1 shape (ref: mercadolibre-api.md §2.1)."""
    for rule in (
        {"status": 500},
        {"path": "/x", "status": 418},
        {"path": "/x", "rate": 2, "status": 500},
        {"path": "/x"},
        {"path": "^(", "status": 500},
        {"path": "/x", "status": 500, "colour": "red"},
    ):
        status, body = await sandbox.post("/_sandbox/faults", json=rule)
        assert status == 400, rule
        assert set(body) == {"message", "error", "status", "cause"}


async def test_delete_one_fault(sandbox: Sandbox) -> None:
    """One rule can go while the others stay (ref: mercadolibre-api.md §12 fault hooks)."""
    _, rule = await sandbox.post("/_sandbox/faults", json={"path": "/users/me", "status": 500})
    assert (await sandbox.delete(f"/_sandbox/faults/{rule['id']}"))[0] == 200
    assert (await sandbox.delete(f"/_sandbox/faults/{rule['id']}"))[0] == 404
    assert (await sandbox.get("/users/me"))[0] == 200


async def test_token_revocation_through_admin(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §1.3 (revocation)."""
    status, _ = await sandbox.post("/_sandbox/tokens/revoke", json={"user_id": "x"})
    assert status == 400
    await sandbox.post("/_sandbox/tokens/revoke", json={"user_id": sandbox.seller()})
    assert (await sandbox.get("/users/me"))[0] == 401


async def test_admin_authorize_errors_are_400_json(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §1.1 (exact redirect_uri; registered client)."""
    status, body = await sandbox.post(
        "/_sandbox/oauth/authorize", json={"user_id": sandbox.seller(), "client_id": "nope"}
    )
    assert (status, body["error"]) == (400, "invalid_client")
    status, body = await sandbox.post("/_sandbox/oauth/authorize", json={"user_id": 5})
    assert (status, body["error"]) == (400, "invalid_user")
    status, body = await sandbox.post("/_sandbox/oauth/authorize", json=[1])
    assert status == 400


async def test_create_test_user(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §0.3 (testing uses test users)."""
    status, user = await sandbox.post("/_sandbox/users", json={"site_id": "MLU"})
    assert status == 201
    assert user["site_id"] == "MLU"
    await sandbox.login(user["id"])
    _, me = await sandbox.get("/users/me")
    assert me["country_id"] == "UY"
    _, search = await sandbox.get(f"/users/{user['id']}/items/search")
    assert search["paging"]["total"] == 0
    assert (await sandbox.post("/_sandbox/users", json={"site_id": "XXX"}))[0] == 400


async def test_reset_restores_the_demo_data(sandbox: Sandbox) -> None:
    """POST /_sandbox/reset: back to the generated state (ref: §4.2 created items vanish)."""
    item = await sandbox.create_item(MLA_ITEM)
    sellers = (await sandbox.get("/_sandbox/sellers"))[1]
    status, _ = await sandbox.post("/_sandbox/reset")
    assert status == 200
    assert (await sandbox.get(f"/_sandbox/items/{item['id']}"))[0] == 404
    assert (await sandbox.get("/_sandbox/sellers"))[1] == sellers
    assert (await sandbox.get("/users/me"))[0] == 401


async def test_config_view_and_runtime_changes(sandbox: Sandbox) -> None:
    """Run-time options (ref: mercadolibre-api.md §2.5 409 window; §4.11 scroll ttl)."""
    _, config = await sandbox.get("/_sandbox/config")
    assert config["scroll_ttl"] == 300
    status, config = await sandbox.call(
        "PATCH", "/_sandbox/config", json={"optimistic_lock_window": 2.5}
    )
    assert (status, config["optimistic_lock_window"]) == (200, 2.5)
    assert (await sandbox.call("PATCH", "/_sandbox/config", json={"seed": 1}))[0] == 400
    assert (await sandbox.call("PATCH", "/_sandbox/config", json={"burst": 0}))[0] == 400


async def test_concurrent_requests_are_served(sandbox: Sandbox) -> None:
    """Many calls at once (ref: mercadolibre-api.md §2.4 lower concurrency advice)."""
    listings = sandbox.state.items.listings[sandbox.seller()]
    results = await asyncio.gather(
        *(sandbox.get(f"/items/{listings.item_id(p)}") for p in range(30))
    )
    assert {status for status, _ in results} == {200}
