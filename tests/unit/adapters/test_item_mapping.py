"""MercadoLibre item JSON <-> Listing: tolerant reading, exact writing (house style rule 6;
ref: mercadolibre-api.md §0.3, §2.1, §4.1-§4.7, §4.11, §4.12)."""

from __future__ import annotations

import copy
import json
import logging
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.mercadolibre.converter import structure
from adapters.mercadolibre.item_mapping import (
    changes_body,
    listing_status,
    multiget_bodies,
    new_listing_body,
    price_number,
    to_health,
    to_listing,
    to_stock,
    with_sent_skus,
)
from adapters.mercadolibre.wire import HealthAnswer, ItemAnswer, StockAnswer
from application.errors import Forbidden, Unavailable, ValidationFailed
from application.ports.listing_gateway import ListingChanges, NewListing, VariationChange
from domain.listings import Attribute, Condition, ListingStatus, Picture, Shipping, Variation
from domain.money import Money

ITEM: dict[str, Any] = {
    "id": "MLA1032722237",
    "site_id": "MLA",
    "title": "Funda Silicona Para Apple iPhone 13",
    "seller_id": 3_940_345_236,
    "category_id": "MLA3813",
    "price": 22581.99,
    "currency_id": "ARS",
    "available_quantity": 37,
    "sold_quantity": 2,
    "buying_mode": "buy_it_now",
    "listing_type_id": "gold_pro",
    "condition": "new",
    "permalink": "https://articulo.mercadolibre.com.ar/MLA-1032722237-funda-_JM",
    "thumbnail": "http://http2.mlstatic.com/D_626857-MLA30293160994_052024-I.jpg",
    "pictures": [
        {
            "id": "626857-MLA30293160994_052024",
            "url": "http://http2.mlstatic.com/D_626857-MLA30293160994_052024-O.jpg",
            "secure_url": "https://http2.mlstatic.com/D_626857-MLA30293160994_052024-O.jpg",
            "size": "500x500",
        }
    ],
    "video_id": None,
    "shipping": {"mode": "me2", "free_shipping": True, "logistic_type": "cross_docking"},
    "attributes": [
        {"id": "BRAND", "name": "Marca", "value_id": None, "value_name": "Apple"},
        {"id": "EAN", "name": "EAN", "value_id": None, "value_name": None},
        {"id": "ITEM_CONDITION", "value_id": "2230284", "value_name": "Nuevo"},
        {"id": "SELLER_SKU", "name": "SKU", "value_id": None, "value_name": "SKU-1-0000001"},
    ],
    "variations": [
        {
            "id": 170000000010,
            "price": 22581.99,
            "attribute_combinations": [
                {"id": "COLOR", "name": "Color", "value_id": "52049", "value_name": "Negro"}
            ],
            "available_quantity": 16,
            "sold_quantity": 2,
            "picture_ids": ["626857-MLA30293160994_052024"],
            "seller_custom_field": None,
            "attributes": [{"id": "SELLER_SKU", "value_name": "SKU-1-0000001-1"}],
        },
        {
            "id": 170000000011,
            "price": 22581.99,
            "attribute_combinations": [{"id": "COLOR", "value_id": "51993", "value_name": "Rojo"}],
            "available_quantity": 21,
            "picture_ids": ["626857-MLA30293160994_052024"],
            "seller_custom_field": "CF-RED",
        },
    ],
    "status": "active",
    "sub_status": [],
    "tags": ["test_item", "immediate_payment"],
    "seller_custom_field": "CF-1-0000001",
    "health": 0.85,
    "date_created": "2024-11-01T09:34:59.000-04:00",
    "last_updated": "2024-11-02T13:00:00.000Z",
    "a_field_from_the_future": {"anything": [1, 2, 3]},
}


def item(**changes: Any) -> dict[str, Any]:
    body = copy.deepcopy(ITEM)
    body.update(changes)
    return body


def read(body: dict[str, Any], account_id: int = 7):
    return to_listing(structure(body, ItemAnswer, "test"), account_id)


# -- reading (§4.1, §4.6) ---------------------------------------------------------------------


def test_an_item_answer_becomes_a_listing():
    listing = read(ITEM)
    assert listing.item_id == "MLA1032722237"
    assert listing.account_id == 7
    assert listing.seller_id == 3_940_345_236  # beyond Int32 (§0.3)
    assert listing.price == Money(Decimal("22581.99"), "ARS")
    assert listing.status is ListingStatus.ACTIVE
    assert listing.condition is Condition.NEW
    assert listing.pictures == (
        Picture(
            id="626857-MLA30293160994_052024",
            url="https://http2.mlstatic.com/D_626857-MLA30293160994_052024-O.jpg",
        ),
    )
    assert listing.shipping == Shipping("me2", True, False, "cross_docking")
    assert listing.health == 0.85
    assert listing.tags == ("test_item", "immediate_payment")
    assert listing.description is None


def test_timestamps_keep_their_offset():
    """§0.3: ISO-8601 with an offset or Z."""
    listing = read(ITEM)
    assert listing.date_created == datetime(2024, 11, 1, 13, 34, 59, tzinfo=UTC)
    assert listing.date_created.utcoffset() == timedelta(hours=-4)
    assert listing.last_updated == datetime(2024, 11, 2, 13, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("price", "currency", "expected"),
    [
        (22581.99, "ARS", "22581.99"),
        (0.1, "ARS", "0.10"),
        (19.99, "BRL", "19.99"),
        (1234.5, "ARS", "1234.50"),
        (150000, "COP", "150000"),
        (150000.0, "COP", "150000"),
    ],
)
def test_prices_are_exact_at_the_currencys_precision(price, currency, expected):
    """Prices arrive as JSON numbers; they go through str(), never float arithmetic."""
    site = {"ARS": "MLA", "BRL": "MLB", "COP": "MCO"}[currency]
    body = item(
        id=f"{site}1032722237",
        category_id=f"{site}3813",
        currency_id=currency,
        price=price,
        variations=[],
    )
    amount = read(body).price.amount
    assert amount == Decimal(expected)
    assert str(amount) == expected


def test_variations_keep_their_long_ids_prices_and_skus():
    """§4.6: SKU from the SELLER_SKU attribute, else seller_custom_field."""
    first, second = read(ITEM).variations
    assert (first.id, second.id) == (170000000010, 170000000011)
    assert first.price == Money(Decimal("22581.99"), "ARS")
    assert (first.available_quantity, first.sold_quantity) == (16, 2)
    assert first.attribute_combinations == (Attribute("COLOR", "Negro", "52049", "Color"),)
    assert first.picture_ids == ("626857-MLA30293160994_052024",)
    assert (first.seller_sku, second.seller_sku) == ("SKU-1-0000001-1", "CF-RED")


def test_a_variation_without_price_takes_the_items():
    body = item()
    body["variations"][0]["price"] = None
    assert read(body).variations[0].price == Money(Decimal("22581.99"), "ARS")


def test_the_listing_sku_is_the_seller_sku_attribute_else_the_custom_field():
    assert read(ITEM).seller_sku == "SKU-1-0000001"
    without = item(attributes=[a for a in ITEM["attributes"] if a["id"] != "SELLER_SKU"])
    assert read(without).seller_sku == "CF-1-0000001"
    assert read(item(attributes=[], seller_custom_field=None)).seller_sku is None


def test_attributes_without_any_value_are_dropped():
    assert [a.id for a in read(ITEM).attributes] == ["BRAND", "ITEM_CONDITION", "SELLER_SKU"]


def test_nulls_and_missing_optional_fields_take_defaults():
    body = item(
        pictures=None,
        variations=None,
        attributes=None,
        shipping=None,
        sub_status=None,
        tags=None,
        health=None,
        date_created=None,
        permalink=None,
        thumbnail="",
        condition=None,
    )
    del body["last_updated"]
    listing = read(body)
    assert listing.pictures == listing.variations == listing.attributes == ()
    assert listing.shipping == Shipping()
    assert listing.thumbnail is None
    assert listing.condition is Condition.NOT_SPECIFIED
    assert listing.date_created is listing.last_updated is None


def test_an_unknown_condition_is_not_specified():
    assert read(item(condition="refurbished")).condition is Condition.NOT_SPECIFIED


def test_an_unknown_status_is_kept_as_inactive_and_logged_once(caplog):
    """§4.5 lists the statuses known today; a new one must not stop a sync."""
    listing_status.cache_clear()
    caplog.set_level(logging.WARNING, logger="adapters.mercadolibre.item_mapping")
    first = read(item(status="moderated"))
    second = read(item(id="MLA1032722244", status="moderated"))
    assert first.status is second.status is ListingStatus.INACTIVE
    assert not first.is_final
    warnings = [r for r in caplog.records if "moderated" in r.getMessage()]
    assert len(warnings) == 1


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"currency_id": "BRL"}, "MLA lists in ARS, not BRL"),
        ({"category_id": "MLB3813"}, "must be a category of site MLA"),
        ({"id": "MLA12X"}, "is not a MercadoLibre item id"),
    ],
)
def test_an_answer_the_listing_refuses_is_unavailable_naming_the_item(changes, reason):
    with pytest.raises(Unavailable) as caught:
        read(item(variations=[], **changes))
    assert f"MercadoLibre item {changes.get('id', ITEM['id'])}" in str(caught.value)
    assert reason in str(caught.value)


def test_repeated_variation_combinations_are_unavailable_naming_the_item():
    body = item()
    body["variations"][1]["attribute_combinations"] = body["variations"][0][
        "attribute_combinations"
    ]
    with pytest.raises(Unavailable, match=r"MLA1032722237.*combinations must not repeat"):
        read(body)


def test_a_broken_answer_names_the_item_and_the_path():
    with pytest.raises(Unavailable) as caught:
        structure(item(price="a lot"), ItemAnswer, "GET /items?ids= (item MLA1032722237)")
    assert "MLA1032722237" in str(caught.value)
    assert "$.price" in str(caught.value)


def test_stock_answers_keep_variation_quantities():
    body = {
        "id": "MLA1",
        "available_quantity": 37,
        "status": "paused",
        "sub_status": ["out_of_stock"],
        "variations": [{"id": 170000000010, "available_quantity": 0, "price": 1}],
    }
    snapshot = to_stock(structure(body, StockAnswer, "test"))
    assert (snapshot.item_id, snapshot.available_quantity, snapshot.status) == (
        "MLA1",
        37,
        "paused",
    )
    assert snapshot.variations == ((170000000010, 0),)


# -- multiget entries (§4.11) --------------------------------------------------------------------


def test_multiget_entries_found_are_kept_and_missing_ones_left_out():
    body = [
        {"code": 200, "body": {"id": "MLA1"}},
        {"code": 404, "body": {"message": "Item with id MLA2 not found", "status": 404}},
        {"code": 410, "body": None},
        {"code": 200, "body": {"id": "MLA4"}},
    ]
    found = list(multiget_bodies(body, ["MLA1", "MLA2", "MLA3", "MLA4"]))
    assert found == [("MLA1", {"id": "MLA1"}), ("MLA4", {"id": "MLA4"})]


def test_a_multiget_entry_refused_raises_its_error_naming_the_id():
    body = [
        {"code": 200, "body": {"id": "MLA1"}},
        {"code": 403, "body": {"message": "forbidden", "error": "forbidden", "status": 403}},
    ]
    with pytest.raises(Forbidden, match="GET /items/MLA2"):
        list(multiget_bodies(body, ["MLA1", "MLA2"]))
    with pytest.raises(Unavailable):
        list(multiget_bodies([{"code": 500, "body": None}], ["MLA1"]))


# -- health (§4.12) ------------------------------------------------------------------------------


def test_health_goals_are_shares_done_and_inapplicable_ones_are_left_out():
    body = {
        "item_id": "MLA1",
        "health": 0.55,
        "level": "standard",
        "goals": [
            {"id": "picture", "name": "Fotos", "progress": 3, "progress_max": 6, "apply": True},
            {"id": "video", "progress": 0, "progress_max": 1, "apply": True, "completed": False},
            {"id": "upgrade_listing", "progress": 1, "progress_max": 1, "apply": False},
            {"id": "odd", "progress": 7, "progress_max": 5, "completed": True, "extra": 1},
        ],
    }
    health = to_health(structure(body, HealthAnswer, "test"), "MLA1")
    assert (health.item_id, health.health, health.level) == ("MLA1", 0.55, "standard")
    assert [(g.id, g.name, g.progress, g.completed) for g in health.goals] == [
        ("picture", "Fotos", 0.5, False),
        ("video", "video", 0.0, False),
        ("odd", "odd", 1.0, True),
    ]


def test_a_goal_met_at_a_timestamp_with_data_is_done_and_says_when():
    """§4.12: once met, `completed` is the time it was met; `data` varies by goal."""
    body = {
        "item_id": "MLA1",
        "health": 0.8,
        "level": "professional",
        "goals": [
            {
                "id": "picture",
                "progress": 6,
                "progress_max": 6,
                "apply": True,
                "completed": "2024-11-01T09:34:59.000-04:00",
                "data": {"pictures": 6, "min": 6},
            },
            {"id": "video", "progress": 0, "progress_max": 1, "completed": None, "data": None},
            {"id": "description", "progress": None, "apply": None},
        ],
    }
    health = to_health(structure(body, HealthAnswer, "test"), "MLA1")
    picture, video, description = health.goals
    assert (picture.completed, picture.progress) == (True, 1.0)
    assert picture.completed_at == datetime(2024, 11, 1, 13, 34, 59, tzinfo=UTC)
    assert (video.completed, video.completed_at) == (False, None)
    assert (description.completed, description.progress) == (False, 0.0)


@pytest.mark.parametrize("completed", [{"at": "x"}, ["2024-11-01"], "soon", 3])
def test_a_completed_of_a_wrong_type_is_an_error_naming_the_goal(completed):
    body = {"goals": [{"id": "picture", "completed": completed}]}
    with pytest.raises(Unavailable, match=r"\$\.goals\[0\]\.completed"):
        structure(body, HealthAnswer, "GET /items/MLA1/health")


# -- writing (§4.2, §4.3, §4.6, §4.8) ------------------------------------------------------------


def combination(color: str, size: str) -> tuple[Attribute, ...]:
    return (Attribute("COLOR", value_name=color), Attribute("SIZE", value_name=size))


PRICE = Money.of("89999.90", "ARS")
NEW = NewListing(
    site_id="MLA",
    title="Zapatillas Nike Revolution 6 Hombre",
    category_id="MLA109027",
    price=PRICE,
    available_quantity=8,
    pictures=(Picture(source="https://example.com/a.jpg"), Picture(id="123-MLA456_112021")),
    description="not in the body",
    shipping=Shipping(mode="me2", free_shipping=True),
    variations=(
        Variation(
            combination("Negro", "40"),
            PRICE,
            5,
            picture_ids=("123-MLA456_112021",),
            seller_sku="NK-40",
        ),
        Variation(combination("Negro", "41"), PRICE, 3),
    ),
    attributes=(Attribute("BRAND", value_name="Nike"), Attribute("SELLER_SKU", value_name="old")),
    video_id="YouTubeId",
    seller_sku="NK-REV6",
)


def test_a_new_listing_is_mercadolibres_post_body():
    """§4.2: no description in the body (§4.7: it goes afterwards); SELLER_SKU set from
    seller_sku (§4.6)."""
    assert new_listing_body(NEW) == {
        "title": "Zapatillas Nike Revolution 6 Hombre",
        "category_id": "MLA109027",
        "price": 89999.9,
        "currency_id": "ARS",
        "available_quantity": 8,
        "buying_mode": "buy_it_now",
        "condition": "new",
        "listing_type_id": "gold_special",
        "pictures": [{"source": "https://example.com/a.jpg"}, {"id": "123-MLA456_112021"}],
        "attributes": [
            {"id": "BRAND", "value_name": "Nike"},
            {"id": "SELLER_SKU", "value_name": "NK-REV6"},
        ],
        "variations": [
            {
                "attribute_combinations": [
                    {"id": "COLOR", "value_name": "Negro"},
                    {"id": "SIZE", "value_name": "40"},
                ],
                "price": 89999.9,
                "available_quantity": 5,
                "picture_ids": ["123-MLA456_112021"],
                "attributes": [{"id": "SELLER_SKU", "value_name": "NK-40"}],
            },
            {
                "attribute_combinations": [
                    {"id": "COLOR", "value_name": "Negro"},
                    {"id": "SIZE", "value_name": "41"},
                ],
                "price": 89999.9,
                "available_quantity": 3,
            },
        ],
        "shipping": {"mode": "me2", "free_shipping": True, "local_pick_up": False},
        "video_id": "YouTubeId",
    }


def test_whole_amounts_are_sent_as_integers():
    body = new_listing_body(
        NewListing("MCO", "Cafetera", "MCO1578", Money.of("150000", "COP"), available_quantity=1)
    )
    assert body["price"] == 150000 and isinstance(body["price"], int)
    assert body["currency_id"] == "COP"
    assert "pictures" not in body and "variations" not in body and "shipping" not in body


def test_a_price_in_another_currency_than_the_sites_is_refused():
    listing = NewListing("MLA", "Cafetera", "MLA1578", Money.of("10", "USD"), 1)
    with pytest.raises(ValidationFailed) as caught:
        new_listing_body(listing)
    assert caught.value.problems[0].field == "price"


@given(
    st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999999.99"), places=2),
    st.sampled_from(["ARS", "BRL", "COP", "CLP", "MXN"]),
)
def test_a_price_sent_reads_back_as_the_same_money(amount, currency_id):
    """Writing (price_number, JSON) and reading (str -> Decimal) round-trip exactly."""
    money = Money.of(amount, currency_id)
    wire = json.loads(json.dumps(price_number(money)))
    assert Money.of(Decimal(str(wire)), currency_id) == money


def test_changes_send_only_the_fields_given():
    """§4.3; variations are the whole set, existing ones by id (§4.6)."""
    kept = Variation(combination("Negro", "40"), PRICE, 9, id=170000000010)
    new = Variation(combination("Negro", "42"), PRICE, 4, picture_ids=("p1",), seller_sku="NK-42")
    assert changes_body(
        ListingChanges(
            price=Money.of("100", "ARS"), variations=(kept, new), status=ListingStatus.PAUSED
        ),
        "MLA",
    ) == {
        "price": 100,
        "variations": [
            {
                "id": 170000000010,
                "attribute_combinations": [
                    {"id": "COLOR", "value_name": "Negro"},
                    {"id": "SIZE", "value_name": "40"},
                ],
                "price": 89999.9,
                "available_quantity": 9,
            },
            {
                "attribute_combinations": [
                    {"id": "COLOR", "value_name": "Negro"},
                    {"id": "SIZE", "value_name": "42"},
                ],
                "price": 89999.9,
                "available_quantity": 4,
                "picture_ids": ["p1"],
                "attributes": [{"id": "SELLER_SKU", "value_name": "NK-42"}],
            },
        ],
        "status": "paused",
    }
    assert changes_body(ListingChanges(title="T", available_quantity=0, video_id="v"), "MLA") == {
        "title": "T",
        "available_quantity": 0,
        "video_id": "v",
    }
    assert changes_body(ListingChanges(pictures=(), attributes=()), "MLA") == {
        "pictures": [],
        "attributes": [],
    }


def test_variation_changes_send_only_what_changes_and_an_id_alone_keeps_a_variation():
    """§4.6: every variation to keep is sent, but one that does not change goes as
    `{"id"}` alone, so its stock (moved by sales since we read it) is left as it is."""
    new = VariationChange.new(
        Variation(combination("Negro", "42"), PRICE, 4, picture_ids=("p1",), seller_sku="NK-42")
    )
    body = changes_body(
        ListingChanges(
            variations=(
                VariationChange(170000000010),
                VariationChange(170000000011, price=Money.of("100", "ARS")),
                new,
            )
        ),
        "MLA",
    )
    assert body == {
        "variations": [
            {"id": 170000000010},
            {"id": 170000000011, "price": 100},
            {
                "attribute_combinations": [
                    {"id": "COLOR", "value_name": "Negro"},
                    {"id": "SIZE", "value_name": "42"},
                ],
                "price": 89999.9,
                "available_quantity": 4,
                "picture_ids": ["p1"],
                "attributes": [{"id": "SELLER_SKU", "value_name": "NK-42"}],
            },
        ]
    }
    assert VariationChange(170000000010).keeps_as_is
    assert not VariationChange(170000000010, available_quantity=3).keeps_as_is
    assert not new.keeps_as_is
    with pytest.raises(ValidationFailed, match=r"variations\[0\]\.price"):
        changes_body(
            ListingChanges(variations=(VariationChange(1, price=Money.of("10", "USD")),)), "MLA"
        )


def test_changed_prices_in_another_currency_than_the_sites_are_refused():
    """A PUT sends the amount alone (§4.3): USD on an MLA item must not become pesos."""
    with pytest.raises(ValidationFailed) as caught:
        changes_body(ListingChanges(price=Money.of("10", "USD")), "MLA")
    assert caught.value.problems[0].field == "price"
    variation = Variation(combination("Negro", "40"), Money.of("10", "USD"), 1, id=1)
    with pytest.raises(ValidationFailed, match=r"variations\[0\]\.price"):
        changes_body(ListingChanges(variations=(variation,)), "MLA")


def test_skus_sent_fill_in_an_answer_without_variation_attributes():
    """POST and PUT /items answer variations without `attributes` (§4.6); the SKUs
    sent are matched by id, or by combination for new ones (MercadoLibre fills in the
    value_id of a value sent by name)."""
    body = item()
    for variation in body["variations"]:
        variation.pop("attributes", None)
        variation["seller_custom_field"] = None
    answered = read(body)
    sent = (
        Variation((Attribute("COLOR", value_name="negro"),), PRICE, 1, seller_sku="BLACK"),
        Variation(
            (Attribute("COLOR", value_id="51993"),), PRICE, 1, id=170000000011, seller_sku="RED"
        ),
    )
    filled = with_sent_skus(answered, sent)
    assert [v.seller_sku for v in filled.variations] == ["BLACK", "RED"]
    assert with_sent_skus(answered, ()) is answered


# -- older free-text combinations (§4.6) ----------------------------------------------------------


def test_a_combination_attribute_with_a_null_id_keeps_no_id_and_goes_back_by_its_name():
    """A 2016 item (tests/fixtures/mercadolibre/items/item_legacy_variations_null_attribute_ids
    .json): `{"id": null, "name": "Tamanho", "value_name": "30 ml"}` never becomes the id
    "None", which an update would send back to MercadoLibre."""
    body = {
        "id": "MLB803848501",
        "seller_id": 231401236,
        "title": "Perfume",
        "category_id": "MLB5399",
        "price": 139,
        "currency_id": "BRL",
        "variations": [
            {
                "id": 13065333854,
                "attribute_combinations": [
                    {"id": None, "name": "Tamanho", "value_id": None, "value_name": size}
                ],
                "price": 139,
                "available_quantity": 1,
            }
            for size in ("30 ml", "100 ml")
        ],
    }
    body["variations"][1]["id"] = 13064397485
    listing = to_listing(structure(body, ItemAnswer, "test"), 1)
    first, second = listing.variations
    (size,) = first.attribute_combinations
    assert (size.id, size.name, size.value_name) == (None, "Tamanho", "30 ml")
    assert first.combination_key != second.combination_key
    sent = changes_body(ListingChanges(variations=listing.variations), "MLB")
    assert sent["variations"][0]["attribute_combinations"] == [
        {"name": "Tamanho", "value_name": "30 ml"}
    ]
    assert "None" not in json.dumps(sent)


def test_an_attribute_with_neither_id_nor_name_is_left_out():
    body = {
        "id": "MLA1",
        "seller_id": 1,
        "title": "T",
        "category_id": "MLA3530",
        "price": 1,
        "currency_id": "ARS",
        "attributes": [{"id": None, "value_name": "x"}, {"id": "BRAND", "value_name": "Acme"}],
    }
    listing = to_listing(structure(body, ItemAnswer, "test"), 1)
    assert [a.id for a in listing.attributes] == ["BRAND"]
