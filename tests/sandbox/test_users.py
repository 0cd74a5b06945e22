"""Users (§3): /users/me, /users/{id} public and private, multiget."""

from __future__ import annotations

from tests.sandbox.conftest import Sandbox

PUBLIC_FIELDS = {
    "id",
    "nickname",
    "country_id",
    "address",
    "user_type",
    "site_id",
    "permalink",
    "seller_reputation",
    "status",
}


async def test_me_is_the_private_profile(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §3 (GET /users/me: full private profile)."""
    status, body = await sandbox.get("/users/me")
    assert status == 200
    assert body["id"] == sandbox.seller()
    assert body["site_id"] == "MLA"
    assert body["country_id"] == "AR"
    for field in ("email", "first_name", "identification", "phone", "status", "credit"):
        assert field in body
    assert body["status"]["list"]["allow"] is True


async def test_other_user_is_the_public_subset(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §3 (public subset without the owner's token)."""
    status, body = await sandbox.get(f"/users/{sandbox.seller(1)}")
    assert status == 200
    assert PUBLIC_FIELDS <= set(body)
    assert "email" not in body and "identification" not in body
    assert set(body["status"]) == {"site_status"}
    status, own = await sandbox.get(f"/users/{sandbox.seller()}")
    assert "email" in own


async def test_user_ids_exceed_int32(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §0.3 (user ids are realistic 9-10 digit numbers)."""
    for seller in sandbox.state.sellers:
        assert 100_000_000 <= seller.id < 10_000_000_000
    assert any(s.id > 2**31 for s in sandbox.state.sellers) or len(sandbox.state.sellers) < 3


async def test_users_multiget_in_request_order(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §3, §4.11 (multiget [{code, body}] in request order, 404s)."""
    a, b = sandbox.seller(), sandbox.seller(1)
    status, body = await sandbox.get("/users", params={"ids": f"{b},123,{a}"})
    assert status == 200
    assert [e["code"] for e in body] == [200, 404, 200]
    assert [body[0]["body"]["id"], body[2]["body"]["id"]] == [b, a]
    assert body[1]["body"]["error"] == "not_found"


async def test_users_multiget_cap_is_20(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §3 (multiget max 20)."""
    ids = ",".join(str(sandbox.seller()) for _ in range(21))
    status, body = await sandbox.get("/users", params={"ids": ids})
    assert status == 400
    assert set(body) == {"message", "error", "status", "cause"}
    assert (await sandbox.get("/users", params={"ids": ids[: ids.rindex(",")]}))[0] == 200


async def test_users_multiget_trims_attributes(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §0.3 (?attributes= trims each body)."""
    status, body = await sandbox.get(
        "/users", params={"ids": str(sandbox.seller()), "attributes": "id,nickname"}
    )
    assert status == 200
    assert body[0]["body"] == {
        "id": sandbox.seller(),
        "nickname": sandbox.state.sellers[0].nickname,
    }


async def test_partial_content_fault_on_users(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §0.3, §3 (206 with X-Content-Missing when reputation fails)."""
    await sandbox.post("/_sandbox/faults", json={"path": "/users/{user_id}", "status": 206})
    response = await sandbox.client.get(f"/users/{sandbox.seller()}", headers=sandbox.headers())
    assert response.status == 206
    assert response.headers["X-Content-Missing"] == "seller_reputation"
    assert "seller_reputation" not in await response.json()
