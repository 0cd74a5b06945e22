"""The typed order model on every adapter: lines, payments, feedback, cancel detail and
the raw JSON round-trip; offsets MercadoLibre wrote come back (§0.3); the filters of
GET /orders (§5.3's q=, tags, packs, the shipment's status); packs (§5.4)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import attrs
import pytest

from application.errors import NotFound
from application.queries import OrderQuery
from domain.money import Money
from domain.orders import CancelDetail, Feedback, OrderItem, OrderStatus, Pack, Payment
from domain.shipments import ShipmentStatus

from .builders import NOW, a_shipment, an_order, given_account

MINUS_4 = timezone(timedelta(hours=-4))


def a_full_order(account_id: int, **changes):
    created = datetime(2024, 11, 1, 9, 34, 59, tzinfo=MINUS_4)
    order = an_order(
        account_id=account_id,
        date_created=created,
        last_updated=created + timedelta(minutes=3),
        shipping_cost=Money.of("10.50", "ARS"),
        feedback=Feedback(sale="positive", purchase=None),
        cancel_detail=CancelDetail(code="pack_splitted", requested_by="seller"),
        buying_mode="buy_equals_pay",
        raw={
            "id": 2_000_000_000_123,
            "date_created": "2024-11-01T09:34:59.000-04:00",
            "last_updated": "2024-11-01T09:37:59.000-04:00",
            "context": {"channel": "marketplace"},
        },
    )
    item = attrs.evolve(
        order.items[0],
        full_unit_price=Money.of("2100", "ARS"),
        sale_fee=Money.of("123.45", "ARS"),
        category_id="MLA1234",
    )
    payment = attrs.evolve(
        order.payments[0],
        payer_id=77,
        payment_type="credit_card",
        installments=6,
        total_paid_amount=Money.of("6499.70", "ARS"),
        marketplace_fee=Money.of("650.01", "ARS"),
        refunded_amount=Money.of(0, "ARS"),
    )
    return attrs.evolve(order, items=(item, *order.items[1:]), payments=(payment,), **changes)


async def test_a_typed_order_reads_back_with_lines_payments_and_raw_json(uow_factory):
    account = await given_account(uow_factory)
    order = a_full_order(account.id)
    async with uow_factory() as uow:
        await uow.orders.upsert([order])
        await uow.commit()

    async with uow_factory() as uow:
        stored = await uow.orders.get(order.id)

    assert stored == order
    assert stored.raw == order.raw
    assert stored.items[0].sale_fee == Money(Decimal("123.45"), "ARS")
    assert stored.payments[0].marketplace_fee == Money(Decimal("650.01"), "ARS")


async def test_the_offsets_mercadolibre_wrote_come_back(uow_factory):
    account = await given_account(uow_factory)
    order = a_full_order(account.id)
    async with uow_factory() as uow:
        await uow.orders.upsert([order])
        stored = await uow.orders.get(order.id)

    assert stored.date_created.utcoffset() == timedelta(hours=-4)
    assert stored.last_updated is not None
    assert stored.last_updated.utcoffset() == timedelta(hours=-4)


async def test_listed_orders_leave_their_raw_json_but_keep_their_offsets(uow_factory):
    account = await given_account(uow_factory)
    order = a_full_order(account.id)
    approved = datetime(2024, 5, 17, 6, 0, tzinfo=MINUS_4)
    payment = attrs.evolve(order.payments[0], date_approved=approved)
    raw_payment = {"id": payment.id, "date_approved": "2024-05-17T06:00:00.000-04:00"}
    raw = {**order.raw, "payments": ["not a payment", raw_payment]}
    order = attrs.evolve(order, payments=(payment,), raw=raw)
    async with uow_factory() as uow:
        await uow.orders.upsert([order])
        await uow.commit()

    async with uow_factory() as uow:
        (listed,) = (await uow.orders.search(OrderQuery(account_id=account.id))).items
        stored = await uow.orders.get(order.id)

    assert listed == order
    assert listed.raw == {}
    assert stored.raw == order.raw  # the whole of it is still there for one order
    assert listed.date_created.utcoffset() == timedelta(hours=-4)
    assert listed.last_updated is not None
    assert listed.last_updated.utcoffset() == timedelta(hours=-4)
    assert listed.payments[0].date_approved is not None
    assert listed.payments[0].date_approved.utcoffset() == timedelta(hours=-4)


async def test_storing_an_order_again_replaces_its_lines_and_payments(uow_factory):
    account = await given_account(uow_factory)
    order = a_full_order(account.id)
    async with uow_factory() as uow:
        await uow.orders.upsert([order])
        await uow.commit()
    refund = Payment(id=999, status="refunded", amount=Money.of(1, "ARS"), order_id=order.id)
    fewer = attrs.evolve(order, items=order.items[:1], payments=(refund,))
    async with uow_factory() as uow:
        await uow.orders.upsert([fewer])
        await uow.commit()

    async with uow_factory() as uow:
        stored = await uow.orders.get(order.id)
    assert [i.item_id for i in stored.items] == ["MLA1000000001"]
    assert [p.id for p in stored.payments] == [999]


async def test_find_many_gives_the_stored_ones_by_id(uow_factory):
    account = await given_account(uow_factory)
    async with uow_factory() as uow:
        await uow.orders.upsert([an_order(1, account.id), an_order(2, account.id)])
        await uow.shipments.upsert([a_shipment(5, account.id)])
        found = await uow.orders.find_many([1, 2, 3])
        shipments = await uow.shipments.find_many([5, 6])
    assert sorted(found) == [1, 2]
    assert found[2].id == 2
    assert list(shipments) == [5]


async def _orders_to_filter(uow_factory):
    first = await given_account(uow_factory, seller_id=1)
    second = await given_account(uow_factory, seller_id=2)
    lamp = OrderItem("MLA2000000001", "Lámpara de pie", 1, Money.of(100, "ARS"))
    orders = [
        an_order(1, first.id, date_created=NOW - timedelta(days=3), pack_id=70, shipping_id=501),
        an_order(2, first.id, date_created=NOW - timedelta(days=2), pack_id=70, shipping_id=502),
        an_order(
            3,
            first.id,
            date_created=NOW - timedelta(days=1),
            items=(lamp,),
            total_amount=Money.of(100, "ARS"),
            tags=("paid", "delivered"),
            pack_id=None,
            shipping_id=None,
        ),
        an_order(4, second.id, date_created=NOW, shipping_id=504),
    ]
    async with uow_factory() as uow:
        await uow.orders.upsert(orders)
        await uow.shipments.upsert(
            [
                a_shipment(501, first.id, status=ShipmentStatus.SHIPPED, substatus=None),
                a_shipment(502, first.id),
                a_shipment(504, second.id, status=ShipmentStatus.SHIPPED, substatus=None),
            ]
        )
        await uow.commit()
    return first, second


def _ids(page):
    return [order.id for order in page.items]


async def test_orders_are_found_by_pack_tag_and_shipment_status(uow_factory):
    first, _second = await _orders_to_filter(uow_factory)

    async with uow_factory() as uow:
        assert _ids(await uow.orders.search(OrderQuery(pack_id=70))) == [2, 1]
        assert _ids(await uow.orders.search(OrderQuery(tag="delivered"))) == [3]
        assert _ids(await uow.orders.search(OrderQuery(tag="deliver"))) == []
        shipped = await uow.orders.search(OrderQuery(shipment_status="shipped"))
        assert _ids(shipped) == [4, 1]
        mine = OrderQuery(shipment_status="shipped", account_ids=(first.id,))
        assert _ids(await uow.orders.search(mine)) == [1]


async def test_orders_are_found_by_text_without_accents_or_case(uow_factory):
    await _orders_to_filter(uow_factory)

    async with uow_factory() as uow:
        assert _ids(await uow.orders.search(OrderQuery(text="LAMPARA"))) == [3]
        assert _ids(await uow.orders.search(OrderQuery(text="mla2000000001"))) == [3]
        assert _ids(await uow.orders.search(OrderQuery(text="comprador_1"))) == [4, 3, 2, 1]
        assert _ids(await uow.orders.search(OrderQuery(text="100%"))) == []


async def test_only_the_given_accounts_orders_are_searched(uow_factory):
    _first, second = await _orders_to_filter(uow_factory)

    async with uow_factory() as uow:
        assert _ids(await uow.orders.search(OrderQuery(account_ids=(second.id,)))) == [4]
        assert _ids(await uow.orders.search(OrderQuery(account_ids=()))) == []


async def test_a_pack_reads_back_as_stored(uow_factory):
    account = await given_account(uow_factory)
    pack = Pack(
        id=2_000_006_181_551_917,
        account_id=account.id,
        status="released",
        order_ids=(1, 2),
        shipment_id=43729529445,
        buyer_id=5,
        date_created=datetime(2024, 8, 15, 17, 38, 30, tzinfo=MINUS_4),
        last_updated=datetime(2024, 8, 15, 17, 42, 52, tzinfo=MINUS_4),
        raw={"id": 2_000_006_181_551_917, "last_updated": "2024-08-15T17:42:52.000-0400"},
    )
    async with uow_factory() as uow:
        await uow.packs.upsert([pack])
        await uow.commit()

    async with uow_factory() as uow:
        stored = await uow.packs.get(pack.id)
        with pytest.raises(NotFound):
            await uow.packs.get(404)
    assert stored == pack
    assert stored.last_updated is not None
    assert stored.last_updated.utcoffset() == timedelta(hours=-4)


async def test_a_shipment_keeps_its_costs_buffering_date_and_raw_json(uow_factory):
    account = await given_account(uow_factory)
    shipment = a_shipment(
        account_id=account.id,
        status=ShipmentStatus.PENDING,
        substatus="buffered",
        list_cost=Money.of("504.99", "ARS"),
        cost_type="free",
        shipping_method="Express a domicilio",
        buffering_date=datetime(2020, 10, 21, 20, 18, 26, tzinfo=UTC),
        pack_id=70,
        tags=("test_shipment",),
        raw={"id": 1, "logistic": {"mode": "me2"}},
    )
    async with uow_factory() as uow:
        await uow.shipments.upsert([shipment])
        await uow.commit()

    async with uow_factory() as uow:
        stored = await uow.shipments.get(shipment.id)
    assert stored == shipment
    assert stored.raw == {"id": 1, "logistic": {"mode": "me2"}}


async def test_an_order_with_every_status_reads_back(uow_factory):
    account = await given_account(uow_factory)
    orders = [an_order(i + 1, account.id, status=s) for i, s in enumerate(OrderStatus)]
    async with uow_factory() as uow:
        await uow.orders.upsert(orders)
        stored = await uow.orders.find_many(o.id for o in orders)
    assert [stored[o.id].status for o in orders] == list(OrderStatus)
