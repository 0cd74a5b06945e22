"""Sites, currencies, categories, listing types and the predictor (§4.9, §4.10, §10)."""

from __future__ import annotations

from sandbox.catalogue_data import SITES
from tests.sandbox.conftest import Sandbox


async def test_sites_list(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §10 (GET /sites -> [{id, name}] + default_currency_id)."""
    status, body = await sandbox.get("/sites")
    assert status == 200
    by_id = {s["id"]: s for s in body}
    assert set(by_id) == set(SITES)
    assert by_id["MLA"] == {"default_currency_id": "ARS", "id": "MLA", "name": "Argentina"}
    assert by_id["MLB"]["default_currency_id"] == "BRL"
    assert by_id["MPT"]["default_currency_id"] == "EUR"


async def test_one_site_and_unknown_site(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §4.10, §10 (GET /sites/{site_id})."""
    status, body = await sandbox.get("/sites/MCO")
    assert status == 200
    assert body["country_id"] == "CO"
    assert body["default_currency_id"] == "COP"
    assert {"id": "MCO1051", "name": "Celulares y Teléfonos"} in body["categories"]
    assert (await sandbox.get("/sites/XXX"))[0] == 404


async def test_currencies(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §4.10 ({id, description, symbol, decimal_places})."""
    status, body = await sandbox.get("/currencies")
    assert status == 200
    assert {
        "id": "ARS",
        "description": "Peso argentino",
        "symbol": "$",
        "decimal_places": 2,
    } in body
    status, clp = await sandbox.get("/currencies/CLP")
    assert clp["decimal_places"] == 0
    assert (await sandbox.get("/currencies/COP"))[1]["decimal_places"] == 0
    assert (await sandbox.get("/currencies/XYZ"))[0] == 404


async def test_site_categories_and_category_tree(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §4.9 (top level; one category with path and children)."""
    status, top = await sandbox.get("/sites/MLA/categories")
    assert status == 200
    assert {"id": "MLA1051", "name": "Celulares y Teléfonos"} in top
    status, root = await sandbox.get("/categories/MLA1051")
    assert [c["id"] for c in root["children_categories"]] == ["MLA1055", "MLA3813"]
    status, leaf = await sandbox.get("/categories/MLA1055")
    assert leaf["path_from_root"] == [
        {"id": "MLA1051", "name": "Celulares y Teléfonos"},
        {"id": "MLA1055", "name": "Celulares y Smartphones"},
    ]
    assert leaf["children_categories"] == []


async def test_category_settings(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §4.9 (settings: limits, currencies, buying modes, ...)."""
    _, body = await sandbox.get("/categories/MLA3530")
    settings = body["settings"]
    assert settings["max_title_length"] == 60
    assert settings["max_pictures_per_item"] == 12
    assert settings["max_variations_allowed"] == 100
    assert settings["max_description_length"] == 50000
    assert settings["currencies"] == ["ARS"]
    assert "buy_it_now" in settings["buying_modes"]
    assert settings["item_conditions"] == ["new", "used", "not_specified"]
    assert settings["minimum_price"] > 0
    _, sneakers = await sandbox.get("/categories/MLA109027")
    assert sneakers["settings"]["max_variations_allowed"] == 250


async def test_venezuela_lists_in_dollars(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §4.2 (MLV lists only in USD)."""
    _, body = await sandbox.get("/categories/MLV1055")
    assert body["settings"]["currencies"] == ["USD"]


async def test_category_attributes(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §4.1, §4.6 (attribute schema; required; allow_variations)."""
    status, body = await sandbox.get("/categories/MLA109027/attributes")
    assert status == 200
    by_id = {a["id"]: a for a in body}
    assert by_id["BRAND"]["tags"]["required"] is True
    assert by_id["COLOR"]["tags"]["allow_variations"] is True
    assert by_id["SIZE"]["tags"]["allow_variations"] is True
    assert by_id["SELLER_SKU"]["tags"]["variation_attribute"] is True
    assert {"id": "52049", "name": "Negro"} in by_id["COLOR"]["values"]
    for attribute in body:
        assert {
            "id",
            "name",
            "tags",
            "hierarchy",
            "relevance",
            "value_type",
            "value_max_length",
            "attribute_group_id",
            "attribute_group_name",
        } <= set(attribute)
    _, pt = await sandbox.get("/categories/MLB109027/attributes")
    assert {a["id"]: a for a in pt}["COLOR"]["name"] == "Cor"


async def test_category_sale_terms(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §4.3 (valid terms per category)."""
    _, body = await sandbox.get("/categories/MLA1055/sale_terms")
    assert {t["id"] for t in body} >= {"WARRANTY_TYPE", "WARRANTY_TIME", "MANUFACTURING_TIME"}


async def test_listing_types(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §4.10 (MLA and MLB listing types, one type's configuration)."""
    _, mla = await sandbox.get("/sites/MLA/listing_types")
    names = {t["id"]: t["name"] for t in mla}
    assert names["gold_pro"] == "Premium"
    assert names["gold_special"] == "Clásica"
    assert names["free"] == "Gratuita"
    assert all(t["site_id"] == "MLA" for t in mla)
    _, mlb = await sandbox.get("/sites/MLB/listing_types")
    assert {t["id"]: t["name"] for t in mlb}["gold_special"] == "Clássico"
    status, one = await sandbox.get("/sites/MLA/listing_types/gold_special")
    assert status == 200
    assert one["configuration"]["max_stock_per_item"] == 99999
    assert one["configuration"]["duration_days"]["buy_it_now"] == 7300
    assert (await sandbox.get("/sites/MLA/listing_types/diamond"))[0] == 404


async def test_available_listing_types_for_the_user(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §4.10 (per user, per category)."""
    status, body = await sandbox.get(
        f"/users/{sandbox.seller()}/available_listing_types", params={"category_id": "MLA1055"}
    )
    assert status == 200
    assert {t["id"] for t in body["available"]} == {"free", "gold_special", "gold_pro"}


async def test_predictor_maps_titles_to_categories(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §4.9 (domain_discovery ordered by probability)."""
    cases = {
        "Celular Samsung Galaxy A54 128gb": "MLA1055",
        "Notebook Lenovo IdeaPad 3 16gb": "MLA1652",
        "Zapatillas Nike Air Max 90 Hombre": "MLA109027",
        "Remera Adidas Algodón": "MLA417704",
        "Auriculares Bluetooth Sony": "MLA3697",
        "Funda Silicona Para iPhone 13": "MLA3813",
        "Cafetera Oster Programable": "MLA1578",
    }
    for title, expected in cases.items():
        status, body = await sandbox.get("/sites/MLA/domain_discovery/search", params={"q": title})
        assert status == 200
        assert body[0]["category_id"] == expected, title
        assert set(body[0]) == {
            "domain_id",
            "domain_name",
            "category_id",
            "category_name",
            "attributes",
        }


async def test_predictor_answers_the_demo_titles(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §4.9 (the predictor answers sensibly for the demo catalogue)."""
    listings = sandbox.state.items.listings[sandbox.seller()]
    for position in range(20):
        item = sandbox.state.items.get(listings.item_id(position))
        _, body = await sandbox.get(
            "/sites/MLA/domain_discovery/search", params={"q": item["title"]}
        )
        assert body[0]["category_id"] == item["category_id"], item["title"]


async def test_predictor_echoes_brand_and_respects_limit(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §4.9 (attributes with BRAND; limit 1..8, default 4)."""
    _, body = await sandbox.get(
        "/sites/MLA/domain_discovery/search",
        params={"q": "Celular Apple iPhone 13 funda", "limit": "1"},
    )
    assert len(body) == 1
    assert body[0]["domain_id"] == "MLA-CELLPHONES"
    assert body[0]["attributes"][0]["value_name"] == "Apple"
    assert (
        await sandbox.get("/sites/MLA/domain_discovery/search", params={"q": "x", "limit": "9"})
    )[0] == 400
    assert (await sandbox.get("/sites/MLA/domain_discovery/search", params={"q": "zzz"}))[1] == []


async def test_predictor_speaks_portuguese_on_mlb(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §4.9, §10 (site-prefixed ids; the MLB catalogue)."""
    _, body = await sandbox.get(
        "/sites/MLB/domain_discovery/search", params={"q": "Tênis Nike Revolution 6 Masculino"}
    )
    assert body[0]["category_id"] == "MLB109027"
    assert body[0]["category_name"] == "Tênis"


async def test_legacy_predictor(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §4.9 (legacy /category_predictor/predict?title=)."""
    status, body = await sandbox.get(
        "/sites/MLA/category_predictor/predict", params={"title": "Notebook HP Pavilion"}
    )
    assert status == 200
    assert body["id"] == "MLA1652"
    assert body["path_from_root"][-1]["id"] == "MLA1652"
