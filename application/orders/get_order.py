from __future__ import annotations

from application.orders.scope import connected_account_ids, visible_order
from application.orders.views import OrderDetail
from application.ports.unit_of_work import UnitOfWorkFactory
from application.queries import OrderQuery, Paging


class GetOrder:
    """One stored order with its shipment, its pack and the pack's other orders (§5.1,
    §5.4, §6.1), from the local copy. Raises NotFound for an order of no connected
    account."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, order_id: int) -> OrderDetail:
        async with self._uow() as uow:
            order = await visible_order(uow, order_id)
            shipment = (
                None if order.shipping_id is None else await uow.shipments.find(order.shipping_id)
            )
            pack = None if order.pack_id is None else await uow.packs.find(order.pack_id)
            siblings: tuple[int, ...] = ()
            if order.pack_id is not None:
                page = await uow.orders.search(
                    OrderQuery(
                        pack_id=order.pack_id,
                        account_ids=await connected_account_ids(uow),
                        paging=Paging(0, 200),
                    )
                )
                siblings = tuple(o.id for o in page.items if o.id != order.id)
        if shipment is not None and shipment.account_id != order.account_id:
            shipment = None
        return OrderDetail(order, shipment, pack, siblings)
