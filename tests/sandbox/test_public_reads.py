"""Public resources answer without a token, as MercadoLibre documents them (§3, §4.1,
§4.9, §4.10, §10), unless the `public_reads` setting is off."""

from __future__ import annotations

from tests.sandbox.conftest import MakeSandbox, Sandbox

OWNER_ONLY = ("initial_quantity", "channels")
QUANTITY_BUCKETS = (1, 50, 100, 150, 200, 250, 500, 5000, 50000)


def first_item(sb: Sandbox, seller: int = 0) -> str:
    return sb.state.items.listings[sb.seller(seller)].item_id(0)


def public_paths(sb: Sandbox) -> list[str]:
    item = first_item(sb)
    return [
        "/sites",
        "/sites/MLA",
        "/sites/MLA/categories",
        "/sites/MLA/listing_types",
        "/sites/MLA/listing_types/gold_special",
        "/sites/MLA/domain_discovery/search?q=celular samsung",
        "/sites/MLA/category_predictor/predict?title=celular samsung",
        "/currencies",
        "/currencies/ARS",
        "/categories/MLA1055",
        "/categories/MLA1055/attributes",
        "/categories/MLA1055/sale_terms",
        f"/items/{item}",
        f"/items?ids={item}",
        f"/users/{sb.seller()}",
    ]


async def test_public_resources_answer_without_a_token(make_sandbox: MakeSandbox) -> None:
    """ref: mercadolibre-api.md §3 (GET /users/{id} without the owner's token), §4.1
    (public reads of an item), §4.9 (categories and the predictor), §4.10 and §10 (sites,
    listing types, currencies), §4.11 (multiget)."""
    sb = await make_sandbox()
    assert sb.config.public_reads is True
    for path in public_paths(sb):
        status, body = await sb.get(path)
        assert status == 200, (path, body)


async def test_an_item_without_a_token_is_the_public_view(make_sandbox: MakeSandbox) -> None:
    """ref: mercadolibre-api.md §4.1 (public reads bucket available_quantity and hide the
    owner-only fields), §4.11 (the multiget answers the same views)."""
    sb = await make_sandbox()
    item_id = first_item(sb)
    _, public = await sb.get(f"/items/{item_id}")
    assert not set(OWNER_ONLY) & set(public)
    assert public["available_quantity"] in QUANTITY_BUCKETS
    _, entries = await sb.get("/items", params={"ids": f"{item_id},MLA1"})
    assert [e["code"] for e in entries] == [200, 404]
    assert not set(OWNER_ONLY) & set(entries[0]["body"])
    await sb.login()
    _, owned = await sb.get(f"/items/{item_id}")
    assert set(OWNER_ONLY) <= set(owned)
    _, entries = await sb.get("/items", params={"ids": item_id})
    assert set(OWNER_ONLY) <= set(entries[0]["body"])


async def test_a_user_without_a_token_is_the_public_subset(make_sandbox: MakeSandbox) -> None:
    """ref: mercadolibre-api.md §3 (public subset without the owner's token; private
    fields with it)."""
    sb = await make_sandbox()
    _, public = await sb.get(f"/users/{sb.seller()}")
    assert "email" not in public and "identification" not in public
    assert set(public["status"]) == {"site_status"}
    await sb.login()
    _, own = await sb.get(f"/users/{sb.seller()}")
    assert "email" in own


async def test_a_token_sent_to_a_public_resource_is_still_checked(
    make_sandbox: MakeSandbox,
) -> None:
    """ref: mercadolibre-api.md §2.2 (an invalid token is 401), whatever the resource."""
    sb = await make_sandbox()
    headers = {"Authorization": "Bearer APP_USR-1-2-3-4"}
    status, body = await sb.get(f"/items/{first_item(sb)}", headers=headers)
    assert (status, body["error"]) == (401, "invalid_token")


async def test_private_resources_still_need_a_token(make_sandbox: MakeSandbox) -> None:
    """ref: mercadolibre-api.md §0.3, §2.2 (no Authorization header -> 401 on anything
    that is not public)."""
    sb = await make_sandbox()
    item_id = first_item(sb)
    for path in (
        "/users/me",
        f"/users/{sb.seller()}/items/search",
        "/users?ids=1",
        f"/items/{item_id}/description",
        f"/items/{item_id}/variations",
        "/orders/search?seller=1",
        "/questions/search?item=MLA1",
        "/shipments/40000000001",
        "/sites/MLA/health_levels",
    ):
        status, body = await sb.get(path)
        assert (status, body["error"]) == (401, "invalid_token"), path


async def test_public_reads_off_needs_a_token_everywhere(make_sandbox: MakeSandbox) -> None:
    """ref: mercadolibre-api.md §0.3 (the Bearer header); `public_reads` off makes the
    public resources private too, and PATCH /_sandbox/config switches it at run time."""
    sb = await make_sandbox(public_reads=False)
    for path in public_paths(sb):
        assert (await sb.get(path))[0] == 401, path
    status, _ = await sb.call("PATCH", "/_sandbox/config", json={"public_reads": True})
    assert status == 200
    for path in public_paths(sb):
        assert (await sb.get(path))[0] == 200, path
