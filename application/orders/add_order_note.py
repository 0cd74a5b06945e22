from __future__ import annotations

from application.orders.notes import order_for_notes, store_notes
from application.ports.order_gateway import OrderGateway
from application.ports.unit_of_work import UnitOfWorkFactory
from domain.orders import OrderNote


class AddOrderNote:
    """Add a note to an order (§5.5). The text is checked first (1 to 300 characters:
    InvalidValue, nothing sent); the POST is sent once, never repeated blind."""

    def __init__(self, uow: UnitOfWorkFactory, gateway: OrderGateway) -> None:
        self._uow = uow
        self._gateway = gateway

    async def __call__(self, order_id: int, text: str) -> OrderNote:
        OrderNote(text)  # the local check
        order = await order_for_notes(self._uow, order_id)
        note = await self._gateway.add_note(order.account_id, order.id, text)
        await store_notes(self._uow, self._gateway, order)
        return note
