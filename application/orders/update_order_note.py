from __future__ import annotations

from application.orders.notes import order_for_notes, store_notes
from application.ports.order_gateway import OrderGateway
from application.ports.unit_of_work import UnitOfWorkFactory
from domain.orders import OrderNote


class UpdateOrderNote:
    """Change a note's text (§5.5), checked first (1 to 300 characters)."""

    def __init__(self, uow: UnitOfWorkFactory, gateway: OrderGateway) -> None:
        self._uow = uow
        self._gateway = gateway

    async def __call__(self, order_id: int, note_id: str, text: str) -> OrderNote:
        OrderNote(text)  # the local check
        order = await order_for_notes(self._uow, order_id)
        note = await self._gateway.update_note(order.account_id, order.id, note_id, text)
        await store_notes(self._uow, self._gateway, order)
        return note
