"""The order, pack and shipment readers on the documented shapes of the fixture corpus
(mercadolibre-api.md §5.1, §5.4, §6.1) and on the quirks §0.3 lists."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from adapters.mercadolibre.order_mapping import read_order, read_pack, read_payment
from adapters.mercadolibre.shipment_mapping import read_shipment
from application.errors import Unavailable
from domain.money import Money
from domain.orders import OrderStatus
from domain.shipments import ShipmentStatus, ShippingMode

CORPUS = Path(__file__).parents[2] / "fixtures" / "mercadolibre"
MINUS_4 = timezone(timedelta(hours=-4))


def body(name: str) -> Any:
    return json.loads((CORPUS / name).read_text(encoding="utf-8"))["body"]


def test_the_current_order_shape_is_read_with_exact_money_and_offsets():
    order = read_order(body("orders/order.json"), account_id=7)

    assert order.id == 2000009713473608
    assert order.account_id == 7
    assert order.seller_id == 779432305
    assert order.status is OrderStatus.PAID
    assert order.pack_id == 2000006556183755
    assert order.shipping_id == 44028792542
    assert order.total_amount == Money(Decimal("125.92"), "BRL")
    assert order.items[0].unit_price == Money(Decimal("62.96"), "BRL")
    assert order.items[0].quantity == 2
    assert order.items[0].sale_fee == Money(Decimal("11.07"), "BRL")
    assert order.payments[0].id == 91776699099
    assert order.payments[0].marketplace_fee == Money(Decimal("22.14"), "BRL")
    assert order.date_created == datetime(2024, 11, 1, 9, 34, 59, tzinfo=MINUS_4)
    assert order.date_created.utcoffset() == timedelta(hours=-4)
    assert "pack_order" in order.tags
    assert order.raw["buying_mode"] == "buy_equals_pay"


def test_the_older_order_shape_with_an_embedded_shipping_block_and_string_ids_is_read():
    order = read_order(body("orders/order_legacy_embedded_shipping.json"), account_id=1)

    assert order.seller_id == 123456789
    assert order.buyer.id == 123456789
    assert order.buyer.nickname == "COMPRADORTESTE"
    assert order.shipping_id == 20676482441
    assert order.payments[0].id == 596707837
    assert order.total_amount == Money.of(499, "BRL")
    assert order.last_updated is None


def test_the_older_search_result_with_status_detail_as_an_object_is_read():
    result = body("orders/search_legacy.json")["results"][0]

    order = read_order(result, account_id=1)

    assert order.status_detail is None  # {description: null, code: null}
    assert order.last_updated == datetime(2016, 2, 25, 15, 55, 44, 973000, tzinfo=UTC)
    assert order.total_amount == Money.of(10, "ARS")


def test_a_status_detail_object_with_a_description_keeps_it():
    data = body("orders/order.json") | {
        "status": "cancelled",
        "status_detail": {"description": "Cancelada por el comprador", "code": "buyer"},
        "cancel_detail": {"code": "pack_splitted", "requested_by": "seller", "date": None},
        "feedback": {"sale": {"rating": "positive"}, "purchase": None},
    }

    order = read_order(data, account_id=1)

    assert order.status_detail == "Cancelada por el comprador"
    assert order.cancel_detail is not None and order.cancel_detail.code == "pack_splitted"
    assert order.feedback.sale == "positive"
    assert order.feedback.purchase is None


@pytest.mark.parametrize(
    "name", ["orders/order_minimal_2013.json", "orders/order_x_format_new_2019.json"]
)
def test_every_documented_order_is_read(name):
    order = read_order(body(name), account_id=1)
    assert order.items and order.total_amount.currency_id == "BRL"


def test_nanoseconds_and_offsets_without_a_colon_are_kept():
    data = body("orders/order.json") | {
        "date_created": "2024-11-01T09:34:59.123456789-0400",
        "last_updated": "2024-11-01T13:37:20Z",
    }
    order = read_order(data, account_id=1)
    assert order.date_created == datetime(2024, 11, 1, 9, 34, 59, 123456, tzinfo=MINUS_4)
    assert order.last_updated == datetime(2024, 11, 1, 13, 37, 20, tzinfo=UTC)


def test_an_id_beyond_int64_is_no_order_id():
    with pytest.raises(Unavailable, match="id"):
        read_order(body("orders/order.json") | {"id": 2**63}, account_id=1)


def test_whole_floats_read_as_ids_and_quantities_only_where_exact():
    """§0.3: ids and counts are numbers; an encoder's `2.0` is still the number 2, but a
    float past 2**53 no longer names one id."""
    data = body("orders/order.json")
    line = dict(data["order_items"][0]) | {"quantity": 2.0}
    order = read_order(data | {"id": float(2000009713473608), "order_items": [line]}, account_id=1)
    assert order.id == 2000009713473608 and order.items[0].quantity == 2
    with pytest.raises(Unavailable, match="id"):
        read_order(data | {"id": float(2**60)}, account_id=1)
    with pytest.raises(Unavailable, match="quantity"):
        read_order(data | {"order_items": [dict(line) | {"quantity": 1.5}]}, account_id=1)


def test_an_unknown_status_is_that_orders_error():
    with pytest.raises(Unavailable, match="unknown status 'shipped_by_drone'"):
        read_order(body("orders/order.json") | {"status": "shipped_by_drone"}, account_id=1)


def test_an_order_without_a_total_is_refused_naming_it():
    data = dict(body("orders/order.json"))
    del data["total_amount"]
    with pytest.raises(Unavailable, match="order 2000009713473608 lacks a readable total"):
        read_order(data, account_id=1)


def test_a_null_text_never_becomes_the_text_none():
    data = body("orders/order.json")
    order = read_order(data | {"buyer": {"id": 5, "nickname": None}}, account_id=1)
    assert order.buyer.nickname is None


def test_a_payment_without_an_amount_is_left_out():
    assert read_payment({"id": 1, "currency_id": "ARS"}) is None
    payment = read_payment({"id": "12", "transaction_amount": 10.005, "currency_id": "ARS"})
    assert payment is not None and payment.amount == Money(Decimal("10.01"), "ARS")


def test_a_pack_with_offsets_without_a_colon_is_read():
    pack = read_pack(body("packs/pack.json"), account_id=3)

    assert pack.id == 2000006181551917
    assert pack.status == "released"
    assert pack.shipment_id == 43729529445
    assert pack.order_ids == (2000009047722568, 2000009047707726)
    assert pack.last_updated == datetime(2024, 8, 15, 17, 42, 52, tzinfo=MINUS_4)


def test_the_new_shipment_shape_gives_mode_type_costs_and_buffering_date():
    shipment = read_shipment(body("shipments/shipment_new_format.json"), account_id=1)

    assert shipment.status is ShipmentStatus.PENDING
    assert shipment.substatus == "buffered"
    assert shipment.mode is ShippingMode.ME2
    assert shipment.logistic_type == "xd_drop_off"
    assert shipment.cost == Money.of(0, "ARS")
    assert shipment.list_cost == Money(Decimal("504.99"), "ARS")
    assert shipment.cost_type == "free"
    assert shipment.buffering_date == datetime(2020, 10, 21, 20, 18, 26, tzinfo=UTC)
    refusal = shipment.label_refusal()
    assert refusal is not None
    assert "pending" in refusal and "buffered" in refusal
    assert "2020-10-21T20:18:26+00:00" in refusal


def test_a_printable_new_shape_shipment_has_its_label():
    shipment = read_shipment(body("shipments/shipment_new_format_full_2019.json"), account_id=1)
    assert shipment.label_available
    assert shipment.receiver_zip_code == "0713123456"
    assert shipment.tracking_number == "1011234567890"


def test_the_legacy_shipment_shape_is_read():
    shipment = read_shipment(body("shipments/order_shipments_legacy.json"), account_id=1)

    assert shipment.mode is ShippingMode.ME2
    assert shipment.substatus == "printed"
    assert shipment.order_ids == (123456789,)
    assert shipment.tracking_method == "Sedex"
    assert shipment.receiver_zip_code == "07131234"
    assert shipment.list_cost == Money(Decimal("15.45"), "BRL")


def test_a_legacy_me1_shipment_has_no_label_and_says_why():
    # The page's excerpt elides the id.
    data = body("shipments/shipment_legacy_me1_partial.json") | {"id": 41234567890}
    shipment = read_shipment(data, account_id=1)

    assert shipment.mode is ShippingMode.ME1
    assert shipment.status is ShipmentStatus.DELIVERED
    refusal = shipment.label_refusal()
    assert refusal is not None and "me1" in refusal and "delivered" in refusal


def test_an_orders_embedded_shipping_block_reads_as_a_shipment():
    embedded = body("orders/order_legacy_embedded_shipping.json")["shipping"]
    shipment = read_shipment(embedded, account_id=1)
    assert shipment.status is ShipmentStatus.PENDING
    assert shipment.tracking_number == "TR1234567891"
    assert shipment.receiver_zip_code == "01001000"


def test_an_unknown_shipment_status_is_that_shipments_error():
    with pytest.raises(Unavailable, match="unknown status"):
        read_shipment({"id": 1, "status": "teleported"}, account_id=1)
