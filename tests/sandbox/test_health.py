"""Listing quality (§4.12)."""

from __future__ import annotations

from tests.sandbox.conftest import MLA_ITEM, Sandbox


async def test_health_shape_and_goals(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §4.12 (GET /items/{id}/health)."""
    item = await sandbox.create_item(MLA_ITEM)
    status, body = await sandbox.get(f"/items/{item['id']}/health")
    assert status == 200
    assert set(body) == {"item_id", "health", "level", "goals"}
    assert 0 <= body["health"] <= 1
    for goal in body["goals"]:
        assert set(goal) == {"id", "name", "progress", "progress_max", "apply", "completed", "data"}
        # §4.12: a met goal says when it was met; an open one has no time.
        met = goal["progress"] >= goal["progress_max"]
        assert (isinstance(goal["completed"], str) and goal["completed"] != "") is met
        assert met or goal["completed"] is None
    _, stored = await sandbox.get(f"/items/{item['id']}")
    assert stored["health"] == body["health"]


async def test_health_improves_with_a_description(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §4.12 (health follows what the listing has)."""
    item = await sandbox.create_item(MLA_ITEM)
    before = (await sandbox.get(f"/items/{item['id']}/health"))[1]["health"]
    await sandbox.post(f"/items/{item['id']}/description", json={"plain_text": "Hola"})
    after = (await sandbox.get(f"/items/{item['id']}/health"))[1]["health"]
    assert after > before


async def test_health_actions(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §4.12 (GET /items/{id}/health/actions)."""
    item = await sandbox.create_item(MLA_ITEM)
    status, body = await sandbox.get(f"/items/{item['id']}/health/actions")
    assert status == 200
    ids = {a["id"] for a in body["actions"]}
    assert {"picture", "video"} <= ids
    assert ids <= {
        "picture",
        "price",
        "technical_specification",
        "video",
        "upgrade_listing",
        "publish",
    }


async def test_health_not_supported_for_closed_items(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §4.12 ("health is not supported for this item")."""
    item = await sandbox.create_item(MLA_ITEM)
    await sandbox.put(f"/items/{item['id']}", json={"status": "closed"})
    status, body = await sandbox.get(f"/items/{item['id']}/health")
    assert status == 400
    assert body["message"] == "health is not supported for this item"


async def test_health_levels(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §4.12 (GET /sites/{site_id}/health_levels)."""
    status, body = await sandbox.get("/sites/MLA/health_levels")
    assert status == 200
    assert [b["level"] for b in body] == ["basic", "standard", "professional"]
