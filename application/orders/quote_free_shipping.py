from __future__ import annotations

import attrs

from application.orders.quote_shipping import listing_account
from application.ports.order_gateway import OrderGateway
from application.ports.unit_of_work import UnitOfWorkFactory
from domain.money import Money


@attrs.define(frozen=True)
class FreeShippingCost:
    item_id: str
    cost: Money


class QuoteFreeShipping:
    """What offering free shipping of a listing costs its seller (§6.5)."""

    def __init__(self, uow: UnitOfWorkFactory, gateway: OrderGateway) -> None:
        self._uow = uow
        self._gateway = gateway

    async def __call__(self, item_id: str) -> FreeShippingCost:
        account = await listing_account(self._uow, item_id)
        assert account.id is not None
        cost = await self._gateway.free_shipping_cost(account.id, account.seller_id, item_id)
        return FreeShippingCost(item_id, cost)
