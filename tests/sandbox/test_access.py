"""Bearer auth, ownership and the per-application rate limit (§0.3, §2.2-§2.4, §12)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from sandbox.app import create_app
from sandbox.config import SandboxConfig
from sandbox.http import rate_group
from tests.sandbox.conftest import MakeSandbox, Sandbox

INVALID_TOKEN = {
    "message": "invalid access token",
    "error": "invalid_token",
    "status": 401,
    "cause": [],
}
RATE_LIMITED = {
    "message": "Too Many Requests",
    "error": "local_rate_limited",
    "status": 429,
    "cause": [],
}


async def test_resources_require_a_bearer_token(make_sandbox: MakeSandbox) -> None:
    """ref: mercadolibre-api.md §0.3, §2.2 (no Authorization header -> 401); with
    `public_reads` off, the public resources too."""
    sb = await make_sandbox(public_reads=False)
    for path in ("/users/me", "/sites", "/currencies", "/categories/MLA1055", "/items?ids=X"):
        status, body = await sb.get(path)
        assert status == 401, path
        assert body["error"] == "invalid_token"
        assert body["message"] == "authorization value not present"


async def test_unknown_token_gets_the_chosen_401_body(make_sandbox: MakeSandbox) -> None:
    """ref: mercadolibre-api.md §2.2 (the simulator emits the first observed variant)."""
    sb = await make_sandbox()
    status, body = await sb.get("/users/me", headers={"Authorization": "Bearer APP_USR-1-2-3-4"})
    assert (status, body) == (401, INVALID_TOKEN)


async def test_access_token_query_parameter_is_not_accepted(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §0.3 (?access_token= was dropped; Bearer header only)."""
    token = sandbox.token
    sandbox.token = None
    status, _ = await sandbox.get("/users/me", params={"access_token": token})
    assert status == 401


async def test_another_sellers_resource_is_forbidden(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §2.3, §12.2 (token not owned by the resource owner -> 403)."""
    other = sandbox.seller(1)
    status, body = await sandbox.get(f"/users/{other}/items/search")
    assert status == 403
    assert body == {
        "message": "The User ID must match the consultant's",
        "error": "forbidden",
        "status": 403,
        "cause": [],
    }
    other_item = sandbox.state.items.listings[other].item_id(0)
    status, body = await sandbox.put(f"/items/{other_item}", json={"price": 1000})
    assert status == 403
    assert body["error"] == "forbidden"


async def test_unknown_ids_are_404(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §12.2 (unknown id -> 404)."""
    status, body = await sandbox.get("/items/MLA1")
    assert status == 404
    assert body == {
        "message": "Item with id MLA1 not found",
        "error": "not_found",
        "status": 404,
        "cause": [],
    }
    assert (await sandbox.get("/users/123"))[0] == 404
    assert (await sandbox.get("/categories/MLA0"))[0] == 404


async def test_rate_limit_answers_429_with_the_chosen_body(make_sandbox: MakeSandbox) -> None:
    """ref: mercadolibre-api.md §2.4, §12.3 (per-app limit, local_rate_limited, no
    Retry-After by default)."""
    sb = await make_sandbox(rate_limit=0.001, burst=3)
    await sb.login()
    statuses = []
    for _ in range(4):
        response = await sb.client.get("/users/me", headers=sb.headers())
        statuses.append(response.status)
        if response.status == 429:
            assert await response.json() == RATE_LIMITED
            assert "Retry-After" not in response.headers
    # The token exchange spent one token of the bucket.
    assert statuses == [200, 200, 429, 429]


async def test_rate_limit_refills_with_the_simulated_clock(make_sandbox: MakeSandbox) -> None:
    """ref: mercadolibre-api.md §2.4 (retry after a few seconds)."""
    sb = await make_sandbox(rate_limit=0.01, burst=2)
    await sb.login()
    await sb.get("/users/me")
    assert (await sb.get("/users/me"))[0] == 429
    sb.advance(100)
    assert (await sb.get("/users/me"))[0] == 200
    assert (await sb.get("/users/me"))[0] == 429


async def test_rate_limit_is_per_application(make_sandbox: MakeSandbox) -> None:
    """ref: mercadolibre-api.md §2.4 (limits apply per Client ID)."""
    sb = await make_sandbox(rate_limit=0.001, burst=2)
    other = {
        "client_id": "2000000000000002",
        "client_secret": "other",
        "redirect_uri": sb.config.redirect_uri,
    }
    await sb.post("/_sandbox/apps", json=other)
    code = await sb.authorize(sb.seller(), client_id=other["client_id"])
    response = await sb.exchange(code, client_id=other["client_id"], client_secret="other")
    other_token = (await response.json())["access_token"]
    await sb.login()
    await sb.get("/users/me")
    assert (await sb.get("/users/me"))[0] == 429
    headers = {"Authorization": f"Bearer {other_token}"}
    assert (await sb.client.get("/users/me", headers=headers)).status == 200


async def test_retry_after_only_behind_the_flag(make_sandbox: MakeSandbox) -> None:
    """ref: mercadolibre-api.md §2.4 (Retry-After undocumented: only behind a flag)."""
    sb = await make_sandbox(rate_limit=0.5, burst=1, retry_after_header=True)
    await sb.login()
    response = await sb.client.get("/users/me", headers=sb.headers())
    assert response.status == 429
    assert response.headers["Retry-After"] == "2"


async def test_rate_limit_zero_means_unlimited(make_sandbox: MakeSandbox) -> None:
    """ref: mercadolibre-api.md §2.4 (the limit is configurable; 0 disables it)."""
    sb = await make_sandbox(rate_limit=0)
    await sb.login()
    for _ in range(50):
        assert (await sb.get("/users/me"))[0] == 200


async def test_default_limit_is_ten_per_second(make_sandbox: MakeSandbox) -> None:
    """ref: mercadolibre-api.md §2.4 (default 10 rps per application)."""
    assert (SandboxConfig().rate_limit, SandboxConfig().burst) == (10, 10)
    sb = await make_sandbox(rate_limit=10, burst=10)
    await sb.login()
    statuses = [(await sb.get("/users/me"))[0] for _ in range(30)]
    # 30 calls take far less than the two seconds 10 rps would need after the burst.
    assert statuses[:9] == [200] * 9
    assert statuses.count(429) >= 15


async def test_rate_limit_can_change_at_run_time(make_sandbox: MakeSandbox) -> None:
    """ref: mercadolibre-api.md §12.3 (limiter configurable)."""
    sb = await make_sandbox(rate_limit=0.001, burst=1)
    await sb.login()
    assert (await sb.get("/users/me"))[0] == 429
    status, config = await sb.call("PATCH", "/_sandbox/config", json={"rate_limit": 0})
    assert (status, config["rate_limit"]) == (200, 0)
    assert (await sb.get("/users/me"))[0] == 200


async def test_admin_api_is_neither_limited_nor_authenticated(make_sandbox: MakeSandbox) -> None:
    """The /_sandbox/ API is not MercadoLibre: no token, no limit (§2.4 applies to the API)."""
    sb = await make_sandbox(rate_limit=1, burst=1)
    for _ in range(5):
        assert (await sb.get("/_sandbox/sellers"))[0] == 200


async def test_a_route_group_has_its_own_per_minute_bucket(aiohttp_client: Any) -> None:
    """ref: mercadolibre-api.md §2.4, §12.3 (endpoint groups such as messaging: 500 rpm)."""

    @rate_group("messages_get", per_minute=3)
    async def limited(request: web.Request) -> web.Response:
        return web.json_response({})

    app = create_app(SandboxConfig(rate_limit=0))
    app.router.add_get("/limited", limited)
    sb = Sandbox(await aiohttp_client(app))
    await sb.login()
    assert [(await sb.get("/limited"))[0] for _ in range(4)] == [200, 200, 200, 429]
    assert (await sb.get("/users/me"))[0] == 200
    sb.advance(20)
    assert (await sb.get("/limited"))[0] == 200
