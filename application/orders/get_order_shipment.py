from __future__ import annotations

import attrs

from application.errors import NotFound
from application.orders.scope import visible_order
from application.ports.order_gateway import OrderGateway
from application.ports.unit_of_work import UnitOfWorkFactory
from domain.shipment_details import ShipmentDetails
from domain.shipments import Shipment


@attrs.define(frozen=True)
class OrderShipment:
    """An order's shipment as stored (status, tracking, buyer's cost) and what
    MercadoLibre tells about it now (§6.4: history, delays, costs, SLA, carrier)."""

    shipment: Shipment
    details: ShipmentDetails


class GetOrderShipment:
    """The shipment of an order of a connected account, with its §6.4 sub-resources read
    from MercadoLibre at once. Raises NotFound for an order of no connected account or
    without a shipment; Unavailable (or RateLimited) when MercadoLibre cannot answer: the
    parts it merely does not have are None, not errors."""

    def __init__(self, uow: UnitOfWorkFactory, gateway: OrderGateway) -> None:
        self._uow = uow
        self._gateway = gateway

    async def __call__(self, order_id: int) -> OrderShipment:
        async with self._uow() as uow:
            order = await visible_order(uow, order_id)
            shipment = (
                None if order.shipping_id is None else await uow.shipments.find(order.shipping_id)
            )
        if shipment is None or shipment.account_id != order.account_id:
            raise NotFound("shipment of order", order_id)
        currency_id = (shipment.cost or shipment.list_cost or order.total_amount).currency_id
        details = await self._gateway.shipment_details(
            order.account_id, shipment.id, currency_id, order.seller_id
        )
        return OrderShipment(shipment, details)
