"""What the note use cases share: the order they act on, and storing the notes
MercadoLibre shows after a change (§5.5)."""

from __future__ import annotations

import attrs

from application.orders.scope import visible_order
from application.ports.order_gateway import OrderGateway
from application.ports.unit_of_work import UnitOfWorkFactory
from domain.orders import Order, OrderNote


async def order_for_notes(uow: UnitOfWorkFactory, order_id: int) -> Order:
    """The stored order of a connected account. Raises NotFound."""
    async with uow() as work:
        return await visible_order(work, order_id)


async def store_notes(
    uow: UnitOfWorkFactory, gateway: OrderGateway, order: Order
) -> tuple[OrderNote, ...]:
    """Read the order's notes back from MercadoLibre and keep them on the stored order."""
    notes = await gateway.notes(order.account_id, order.id)
    async with uow() as work:
        stored = await work.orders.find(order.id)
        if stored is not None:
            await work.orders.upsert([attrs.evolve(stored, notes=notes)])
            await work.commit()
    return notes
