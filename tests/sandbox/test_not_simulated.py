"""What the sandbox does not simulate says so with a 501, never with an answer that
could pass for MercadoLibre's own (ref: mercadolibre-api.md §2.1 error bodies, §12.2
unknown ids)."""

from __future__ import annotations

from tests.sandbox.conftest import MakeSandbox, Sandbox


def not_simulated(method: str, path: str) -> dict[str, object]:
    return {
        "message": f"The sandbox does not simulate {method} {path}",
        "error": "not_simulated",
        "status": 501,
        "cause": [],
    }


async def test_an_unknown_path_is_501_naming_method_and_path(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §2.1 (the error body's fields), with the sandbox's own
    error code: a path MercadoLibre may well serve, which the sandbox does not."""
    for path in (
        "/no/such/path",
        "/communications/notices",
        "/users/bulk",
        "/orders/blocked_buyers",
    ):
        status, body = await sandbox.get(path)
        assert (status, body) == (501, not_simulated("GET", path)), path


async def test_an_unknown_sub_resource_of_a_known_resource_is_501(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §4.1 (/items/{id} is simulated; /items/{id}/visits, say,
    is not) and §6.4 (shipment sub-resources the sandbox does not serve: lead_time)."""
    item_id = sandbox.state.items.listings[sandbox.seller()].item_id(0)
    for path in (
        f"/items/{item_id}/visits",
        f"/items/{item_id}/prices",
        "/shipments/40000000001/lead_time",
        f"/users/{sandbox.seller()}/shipping_preferences",
    ):
        status, body = await sandbox.get(path)
        assert (status, body) == (501, not_simulated("GET", path)), path


async def test_a_method_the_sandbox_does_not_simulate_is_501(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §4.4 (items are deleted through PUT; a DELETE is not
    simulated, whatever MercadoLibre answers to it)."""
    item_id = sandbox.state.items.listings[sandbox.seller()].item_id(0)
    status, body = await sandbox.delete(f"/items/{item_id}")
    assert (status, body) == (501, not_simulated("DELETE", f"/items/{item_id}"))


async def test_not_simulated_comes_before_the_token_check(make_sandbox: MakeSandbox) -> None:
    """ref: mercadolibre-api.md §2.2: a 401 would claim the path exists and wants a
    token."""
    sb = await make_sandbox()
    assert (await sb.get("/communications/notices"))[0] == 501
    assert (await sb.get("/orders/search/recent"))[0] == 501


async def test_unknown_ids_of_simulated_resources_stay_404(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §12.2 (unknown id -> 404), for every simulated resource
    read by id."""
    for path in (
        "/items/MLA1",
        "/users/123",
        "/orders/2000000000000001",
        "/packs/2000000000000001",
        "/shipments/40000000001",
        "/questions/99",
        "/categories/MLA0",
        "/currencies/XYZ",
        "/sites/XXX",
    ):
        status, body = await sandbox.get(path)
        assert (status, body["error"]) == (404, "not_found"), path


async def test_options_on_a_simulated_path_still_documents_it(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §0.3 (OPTIONS /<resource> answers JSON
    self-documentation); on a path the sandbox does not simulate it is 501."""
    item_id = sandbox.state.items.listings[sandbox.seller()].item_id(0)
    status, body = await sandbox.call("OPTIONS", f"/items/{item_id}")
    assert status == 200 and {m["method"] for m in body["methods"]} >= {"GET", "PUT"}
    status, body = await sandbox.call("OPTIONS", "/communications/notices")
    assert (status, body) == (501, not_simulated("OPTIONS", "/communications/notices"))


async def test_the_admin_api_keeps_its_404(sandbox: Sandbox) -> None:
    """The admin API (/_sandbox) is the sandbox's own, not MercadoLibre's: an unknown
    path there is a plain 404."""
    status, body = await sandbox.get("/_sandbox/no/such/path")
    assert (status, body["error"]) == (404, "not_found")
