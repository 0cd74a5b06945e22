"""The gateway always asks for the shape it parses (mercadolibre-api.md §0.3): shipments
with `x-format-new: true` (§6.1), questions with `api_version=4` (§7), every /messages call
with `tag=post_sale` (§8), items with the SKUs of their variations (§4.6). Checked on the
requests as they leave, over real HTTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from adapters.mercadolibre.marketplace import shape_of
from adapters.mercadolibre.orders import AiohttpOrderGateway
from adapters.mercadolibre.questions import AiohttpQuestionGateway
from application.notifications.record_resource import RecordResource
from domain.accounts import Account
from tests.unit.adapters.conftest import TOKEN

SELLER = 468424240
ACCOUNT = Account(SELLER, "MLA", "SELLER", id=1)


async def _no_listing_sync(account_id: int, item_id: str) -> None:
    raise AssertionError("items are not read through the resource path")


def _record(marketplace) -> RecordResource:
    return RecordResource(uow=None, marketplace=marketplace, sync_item=_no_listing_sync)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("topic", "resource", "path", "query", "headers"),
    [
        (
            "shipments",
            "/shipments/40546549876",
            "/shipments/40546549876",
            {},
            {"x-format-new": "true"},
        ),
        ("questions", "/questions/5036111111", "/questions/5036111111", {"api_version": "4"}, {}),
        (
            "messages",
            "/messages/3f6da1e35ac84f70a24af7360d24c7bc",
            "/messages/3f6da1e35ac84f70a24af7360d24c7bc",
            {"tag": "post_sale"},
            {},
        ),
        ("orders_v2", "/orders/2195160686", "/orders/2195160686", {}, {}),
    ],
)
async def test_the_read_for_a_notification_asks_for_the_shape_it_parses(
    fake_meli, marketplace, topic, resource, path, query, headers
):
    """§9.2 notifications of each topic, read through RecordResource and the real gateway."""
    fake_meli.answer("GET", path, 200, {"id": 1, "seller_id": SELLER, "sender_id": SELLER})

    await _record(marketplace).read(ACCOUNT, topic, resource)

    (request,) = fake_meli.seen
    assert (request.method, request.path, request.query) == ("GET", path, query)
    for name, value in headers.items():
        assert request.headers[name] == value
    if not headers:
        assert "x-format-new" not in request.headers
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert "access_token" not in request.query, "§0.3: the token goes only in the header"


@pytest.mark.parametrize(
    ("path", "given", "query", "headers"),
    [
        ("/shipments/1", {}, {}, {"x-format-new": "true"}),
        ("/questions/1", {}, {"api_version": "4"}, {}),
        ("/questions/1", {"api_version": "4"}, {"api_version": "4"}, {}),
        ("/messages/abc", {}, {"tag": "post_sale"}, {}),
        ("/messages/abc", {"tag": "post_sale", "x": "1"}, {"tag": "post_sale", "x": "1"}, {}),
        ("/items/MLA1/sale_price", {"context": "x"}, {"context": "x"}, {}),
        ("/collections/9", {}, {}, {}),
    ],
)
def test_whoever_calls_fetch_resource_gets_the_parsed_shape(path, given, query, headers):
    """The gateway does not rely on its caller (a reconciliation, a replay) for it."""
    assert shape_of(path, given) == (query, headers)


async def test_the_question_searches_and_reads_ask_for_the_v4_shape(fake_meli, meli_calls):
    questions = AiohttpQuestionGateway(meli_calls)
    fake_meli.answer("GET", "/questions/search", 200, {"total": 0, "questions": []})

    await questions.search(1, SELLER)
    await questions.scan(1, SELLER)

    for request in fake_meli.seen:
        assert request.query["api_version"] == "4"
        assert request.query["seller_id"] == str(SELLER)


async def test_the_order_search_sends_a_window_as_section_5_3_shows(fake_meli, meli_calls):
    fake_meli.answer("GET", "/orders/search", 200, {"results": [], "paging": {"total": 0}})
    start = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)

    await AiohttpOrderGateway(meli_calls).search_orders(
        1, SELLER, start, start + timedelta(hours=1, milliseconds=7)
    )

    (request,) = fake_meli.seen
    assert request.query["order.date_last_updated.from"] == "2026-01-02T03:04:05.000-00:00"
    assert request.query["order.date_last_updated.to"] == "2026-01-02T04:04:05.007-00:00"
    assert request.query["seller"] == str(SELLER)
    assert (request.query["sort"], request.query["limit"]) == ("date_asc", "51")


async def test_a_shipment_is_asked_for_in_the_new_shape(fake_meli, meli_calls):
    """§6.1: `x-format-new: true`, whatever path asks for it."""
    body = {"id": 7, "status": "pending", "logistic": {"mode": "me2"}}
    fake_meli.answer("GET", "/shipments/7", 200, body)

    shipment = await AiohttpOrderGateway(meli_calls).get_shipment(1, 7)

    (request,) = fake_meli.seen
    assert request.headers["x-format-new"] == "true"
    assert shipment.id == 7


async def test_a_listing_is_read_with_its_variations_skus_and_trimmed(fake_meli, listing_gateway):
    """§4.6: SELLER_SKU of variations only comes with include_attributes=all; §0.3
    `attributes=` trims the answer to what is kept."""
    fake_meli.answer(
        "GET",
        "/items/MLA1",
        200,
        {
            "id": "MLA1",
            "seller_id": SELLER,
            "title": "T",
            "category_id": "MLA3530",
            "price": 10,
            "currency_id": "ARS",
        },
    )

    await listing_gateway.get_listing(1, "MLA1")

    item, description = fake_meli.seen
    assert item.query["include_attributes"] == "all"
    assert "variations" in item.query["attributes"].split(",")
    assert description.path == "/items/MLA1/description"


async def test_a_description_is_replaced_with_api_version_2(fake_meli, listing_gateway):
    """§4.7: PUT /items/{id}/description?api_version=2."""
    fake_meli.answer("PUT", "/items/MLA1/description", 200, {"plain_text": "x"})

    await listing_gateway.set_description(1, "MLA1", "x")

    (request,) = fake_meli.seen
    assert (request.method, request.query) == ("PUT", {"api_version": "2"})


async def test_search_results_are_read_by_ids_given_as_numbers_or_digits_only(
    fake_meli, meli_calls
):
    """§0.3: ids as numbers or strings; anything else is that record's error."""
    asked = {
        "seller_id": SELLER,
        "status": "UNANSWERED",
        "item_id": "MLA1",
        "text": "¿Hay stock?",
        "date_created": "2026-11-30T10:00:00.000-03:00",
    }
    questions = [
        {**asked, "id": 11},
        {**asked, "id": "12"},
        {**asked, "id": True},
        {**asked, "id": "1/../users/me"},
        {**asked, "id": 2**63},
        {**asked, "id": None},
        "not an object",
    ]
    fake_meli.answer("GET", "/questions/search", 200, {"total": 7, "questions": questions})

    page = await AiohttpQuestionGateway(meli_calls).search(1, SELLER)

    assert [q.id for q in page.questions] == [11, 12]
    assert len(page.unreadable) == 5
    assert page.total == 7
