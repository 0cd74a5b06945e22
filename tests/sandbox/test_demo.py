"""The deterministic, lazy demo data (§0.3 ids, §10 currencies and decimals)."""

from __future__ import annotations

import re

from sandbox.config import SandboxConfig
from sandbox.demo import DELETED
from sandbox.state import SandboxState


def test_same_seed_same_data() -> None:
    """ref: mercadolibre-api.md §0.3 (ids; deterministic from the seed)."""
    a, b = SandboxState(SandboxConfig(seed=7)), SandboxState(SandboxConfig(seed=7))
    assert [s.summary_json() for s in a.sellers] == [s.summary_json() for s in b.sellers]
    la, lb = a.items.listings[a.sellers[0].id], b.items.listings[b.sellers[0].id]
    assert a.items.get(la.item_id(11)) == b.items.get(lb.item_id(11))
    c = SandboxState(SandboxConfig(seed=8))
    assert c.sellers[0].id != a.sellers[0].id


def test_item_ids_are_site_prefixed_ten_digit_numbers() -> None:
    """ref: mercadolibre-api.md §0.3 (item ids: site prefix + digits, e.g. MLA1136716168)."""
    state = SandboxState(SandboxConfig(sellers=3, items_per_seller=200))
    ids = set()
    for seller in state.sellers:
        listings = state.items.listings[seller.id]
        for position in range(200):
            item_id = listings.item_id(position)
            assert re.fullmatch(rf"{seller.site_id}\d{{10}}", item_id)
            assert state.items.locate(item_id) == (listings, position)
            ids.add(item_id)
    assert len(ids) == 600
    assert state.items.get("MLA" + str(int(listings.item_id(0)[3:]) + 1)) is None


def test_prices_follow_the_site_currency() -> None:
    """ref: mercadolibre-api.md §10 (site currency; COP/CLP without decimals)."""
    state = SandboxState(SandboxConfig(sellers=5, items_per_seller=30))
    currencies = {"MLA": "ARS", "MCO": "COP", "MLB": "BRL", "MLM": "MXN", "MLC": "CLP"}
    for seller in state.sellers:
        listings = state.items.listings[seller.id]
        for position in range(30):
            item = state.items.get(listings.item_id(position))
            assert item["currency_id"] == currencies[seller.site_id]
            assert item["site_id"] == seller.site_id
            assert item["category_id"].startswith(seller.site_id)
            if seller.site_id in ("MCO", "MLC"):
                assert isinstance(item["price"], int)
            assert len(item["title"]) <= 60


def test_hundred_thousand_items_are_cheap() -> None:
    """ref: mercadolibre-api.md §4.11 (large sellers: only ids and statuses are kept)."""
    state = SandboxState(SandboxConfig(sellers=2, items_per_seller=100_000))
    listings = state.items.listings[state.sellers[0].id]
    assert listings.size == 100_000
    assert len(listings.statuses) == 100_000
    assert state.items.documents == {}
    last = state.items.get(listings.item_id(99_999))
    assert last is not None and last["seller_id"] == state.sellers[0].id
    assert state.items.documents == {}
    assert listings.statuses.count(DELETED) == 0


def test_statuses_index_matches_the_items() -> None:
    """ref: mercadolibre-api.md §4.5 (statuses and sub_status of demo items)."""
    state = SandboxState(SandboxConfig(items_per_seller=100))
    listings = state.items.listings[state.sellers[0].id]
    statuses = {"active": 0, "paused": 1, "closed": 2}
    for position in range(100):
        item = state.items.get(listings.item_id(position))
        assert listings.statuses[position] == statuses[item["status"]]
        if "out_of_stock" in item["sub_status"]:
            assert item["available_quantity"] == 0
        else:
            assert item["available_quantity"] > 0 or item["status"] == "closed"


def test_zero_sellers_and_zero_items() -> None:
    """Edge sizes start fine (ref: mercadolibre-api.md §4.11 empty results)."""
    assert SandboxState(SandboxConfig(sellers=0)).sellers == []
    state = SandboxState(SandboxConfig(items_per_seller=0))
    assert state.items.listings[state.sellers[0].id].size == 0
