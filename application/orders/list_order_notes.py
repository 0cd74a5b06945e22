from __future__ import annotations

from application.orders.notes import order_for_notes, store_notes
from application.ports.order_gateway import OrderGateway
from application.ports.unit_of_work import UnitOfWorkFactory
from domain.orders import OrderNote


class ListOrderNotes:
    """The seller's notes on an order as MercadoLibre has them now (§5.5), kept on the
    stored order. Raises NotFound for an order of no connected account."""

    def __init__(self, uow: UnitOfWorkFactory, gateway: OrderGateway) -> None:
        self._uow = uow
        self._gateway = gateway

    async def __call__(self, order_id: int) -> tuple[OrderNote, ...]:
        order = await order_for_notes(self._uow, order_id)
        return await store_notes(self._uow, self._gateway, order)
