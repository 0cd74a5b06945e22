"""An order's shipment with its §6.4 sub-resources (GetOrderShipment) and labels asked for
by shipment id (PrintShipmentLabels, §6.3), on the in-memory adapters and
FakeOrderGateway."""

from __future__ import annotations

import attrs
import pytest

from application.errors import Conflict, NotFound, Unavailable, ValidationFailed
from application.orders.get_order_shipment import GetOrderShipment
from domain.money import Money
from domain.shipment_details import ShipmentDetails, ShipmentSla
from domain.shipments import ShipmentStatus
from tests.unit.application.test_orders import START, World, _stored_with_shipment


@pytest.fixture
def world() -> World:
    return World()


async def test_the_shipment_comes_with_its_history_costs_and_what_mercadolibre_lacks(world):
    account = await world.account()
    world.order(1, START)
    shipment = world.shipment(
        700,
        START,
        cost=Money.of("0", "ARS"),
        list_cost=Money.of("1500.50", "ARS"),
        tracking_number="TN1",
    )
    await _stored_with_shipment(world, account, [1], shipment)

    found = await GetOrderShipment(world.uow, world.gateway)(1)

    assert found.shipment.id == 700 and found.shipment.tracking_number == "TN1"
    details = found.details
    assert [e.status for e in details.history or ()] == ["ready_to_ship"]
    assert details.delays == () and details.sla is None
    assert details.costs is not None and details.costs.seller is not None
    assert details.costs.seller.cost == Money.of("1500.50", "ARS")
    assert details.costs.seller.user_id == 123456789, "the order's seller's share"
    assert details.carrier is not None
    assert ("shipment_details", 700) in world.gateway.calls


async def test_what_mercadolibre_answers_is_passed_on_and_its_outage_is_an_error(world):
    account = await world.account()
    world.order(1, START)
    world.order(2, START, shipping_id=None)
    await _stored_with_shipment(world, account, [1], world.shipment(700, START))
    sla = ShipmentSla("delayed", "xd_same_day", START)
    world.gateway.details[700] = ShipmentDetails(sla=sla)
    get = GetOrderShipment(world.uow, world.gateway)

    assert (await get(1)).details == ShipmentDetails(sla=sla)
    async with world.uow() as uow:
        await uow.orders.upsert([attrs.evolve(world.gateway.orders[2], account_id=account.id)])
        await uow.commit()
    with pytest.raises(NotFound):
        await get(2)  # no shipment
    with pytest.raises(NotFound):
        await get(404)
    world.gateway.errors["shipment_details"] = Unavailable("MercadoLibre is down")
    with pytest.raises(Unavailable):
        await get(1)


async def test_labels_by_shipment_ids_print_in_one_call_with_a_reason_for_each_left_out(world):
    from application.orders.print_shipment_labels import PrintShipmentLabels

    account = await world.account()
    world.order(1, START)
    world.order(2, START)
    ready = world.shipment(700, START, order_ids=(1,))
    gone = world.shipment(701, START, status=ShipmentStatus.SHIPPED, substatus="out_for_delivery")
    await _stored_with_shipment(world, account, [1], ready)
    await _stored_with_shipment(world, account, [2], gone)

    printed = await PrintShipmentLabels(world.uow, world.gateway)([700, 701, 404, 700], "zpl")

    assert [arg for name, arg in world.gateway.calls if name == "labels"] == [(700,)]
    assert printed.shipment_ids == (700,) and printed.order_ids == (1,)
    assert b"^XA" in printed.file.content
    reasons = {o.shipment_id: o.reason for o in printed.left_out}
    assert reasons[404] == "no such shipment"
    assert "status shipped, substatus out_for_delivery" in reasons[701]
    assert all(o.order_id is None for o in printed.left_out)


async def test_labels_by_shipment_ids_with_nothing_to_print_call_nothing(world):
    from application.orders.print_shipment_labels import PrintShipmentLabels

    account = await world.account()
    world.order(1, START)
    gone = world.shipment(701, START, status=ShipmentStatus.SHIPPED, substatus="out_for_delivery")
    await _stored_with_shipment(world, account, [1], gone)
    labels = PrintShipmentLabels(world.uow, world.gateway)

    with pytest.raises(Conflict, match="shipment 701: shipment 701 is not ready to print"):
        await labels([701])
    with pytest.raises(NotFound, match="shipment 404, 405"):
        await labels([404, 405])
    with pytest.raises(ValidationFailed, match="shipment_ids"):
        await labels(list(range(1, 52)))
    with pytest.raises(ValidationFailed, match="format"):
        await labels([701], "png")
    assert [name for name, _ in world.gateway.calls if name == "labels"] == []
