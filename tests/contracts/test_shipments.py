from __future__ import annotations

import pytest

from application.errors import Conflict, NotFound
from domain.money import Money
from domain.shipments import ShipmentStatus, ShippingMode

from .builders import a_shipment, given_account


async def test_a_shipment_reads_back_with_every_field(uow_factory):
    account = await given_account(uow_factory)
    shipment = a_shipment(account_id=account.id)
    async with uow_factory() as uow:
        await uow.shipments.upsert([shipment])
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.shipments.get(shipment.id) == shipment


async def test_a_shipment_without_cost_or_dates_reads_back_as_stored(uow_factory):
    account = await given_account(uow_factory)
    shipment = a_shipment(
        account_id=account.id,
        status=ShipmentStatus.PENDING,
        mode=ShippingMode.CUSTOM,
        substatus=None,
        logistic_type=None,
        tracking_number=None,
        tracking_method=None,
        order_ids=(),
        cost=None,
        receiver_zip_code=None,
        date_created=None,
        last_updated=None,
    )
    async with uow_factory() as uow:
        await uow.shipments.upsert([shipment])
        assert await uow.shipments.get(shipment.id) == shipment


async def test_a_shipping_cost_in_a_currency_without_cents_reads_back_exactly(uow_factory):
    account = await given_account(uow_factory, site_id="MLC")
    shipment = a_shipment(account_id=account.id, cost=Money.of(4990, "CLP"))
    async with uow_factory() as uow:
        await uow.shipments.upsert([shipment])
        stored = await uow.shipments.get(shipment.id)

    assert str(stored.cost) == "4990 CLP"


async def test_getting_an_unknown_shipment_raises_not_found(uow_factory):
    async with uow_factory() as uow:
        with pytest.raises(NotFound):
            await uow.shipments.get(404)
        assert await uow.shipments.find(404) is None


async def test_upsert_replaces_a_stored_shipment(uow_factory):
    account = await given_account(uow_factory)
    shipment = a_shipment(account_id=account.id)
    async with uow_factory() as uow:
        await uow.shipments.upsert([shipment])
        await uow.commit()

    shipment.move_to(ShipmentStatus.SHIPPED, "in_hub")
    async with uow_factory() as uow:
        await uow.shipments.upsert([shipment])
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.shipments.get(shipment.id) == shipment


async def test_a_shipment_of_an_unknown_account_is_refused_with_conflict(uow_factory):
    async with uow_factory() as uow:
        with pytest.raises(Conflict):
            await uow.shipments.upsert([a_shipment(account_id=404)])
