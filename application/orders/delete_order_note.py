from __future__ import annotations

from application.orders.notes import order_for_notes, store_notes
from application.ports.order_gateway import OrderGateway
from application.ports.unit_of_work import UnitOfWorkFactory


class DeleteOrderNote:
    """Delete one of an order's notes (§5.5). Raises NotFound (order or note)."""

    def __init__(self, uow: UnitOfWorkFactory, gateway: OrderGateway) -> None:
        self._uow = uow
        self._gateway = gateway

    async def __call__(self, order_id: int, note_id: str) -> None:
        order = await order_for_notes(self._uow, order_id)
        await self._gateway.delete_note(order.account_id, order.id, note_id)
        await store_notes(self._uow, self._gateway, order)
