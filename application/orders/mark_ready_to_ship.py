from __future__ import annotations

from application.errors import Conflict, NotFound
from application.orders.record_orders import OrderReads, store_reads
from application.orders.scope import visible_order
from application.ports.order_gateway import OrderGateway
from application.ports.unit_of_work import UnitOfWorkFactory
from domain.shipments import Shipment, ShippingMode


class MarkReadyToShip:
    """ "I have the product" for an order's ME2 shipment (§5.4): checked on the stored
    shipment first (ME2 only: Conflict naming the mode otherwise), then the shipment is
    read again and stored, so the answer shows what MercadoLibre made of it."""

    def __init__(self, uow: UnitOfWorkFactory, gateway: OrderGateway) -> None:
        self._uow = uow
        self._gateway = gateway

    async def __call__(self, order_id: int) -> Shipment:
        async with self._uow() as uow:
            order = await visible_order(uow, order_id)
            shipment = (
                None if order.shipping_id is None else await uow.shipments.find(order.shipping_id)
            )
        if shipment is None:
            raise NotFound("shipment of order", order_id)
        if shipment.mode is not ShippingMode.ME2:
            raise Conflict(
                f"shipment {shipment.id} is {shipment.mode.value}: only ME2 shipments are "
                "marked ready to ship; ME1 and custom ones take a tracking update"
            )
        await self._gateway.ready_to_ship(order.account_id, shipment.id)
        fresh = await self._gateway.get_shipment(order.account_id, shipment.id)
        async with self._uow() as uow:
            await store_reads(uow, OrderReads(shipments=(fresh,)))
            await uow.commit()
        return fresh
