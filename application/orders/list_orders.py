from __future__ import annotations

from application.errors import NotFound
from application.orders.scope import connected_account_ids
from application.orders.views import OrderFilter
from application.ports.unit_of_work import UnitOfWorkFactory
from application.queries import OrderQuery, Page, Paging
from domain.orders import Order


class ListOrders:
    """The stored orders of the connected accounts, newest first, filtered (§5.3's
    filters and more). An account that is not connected is not found."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, given: OrderFilter, paging: Paging) -> Page[Order]:
        async with self._uow() as uow:
            connected = await connected_account_ids(uow)
            if given.account_id is not None and given.account_id not in connected:
                raise NotFound("account", given.account_id)
            return await uow.orders.search(
                OrderQuery(
                    account_id=given.account_id,
                    account_ids=connected,
                    status=given.status,
                    created_from=given.created_from,
                    created_to=given.created_to,
                    text=given.text,
                    pack_id=given.pack_id,
                    shipment_status=given.shipment_status,
                    tag=given.tag,
                    paging=paging,
                )
            )
