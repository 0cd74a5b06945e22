from __future__ import annotations

from application.ports.unit_of_work import UnitOfWorkFactory
from application.queries import DeliveryQuery, Page
from domain.subscriptions import (
    WebhookDelivery,
)


class ListDeliveries:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, query: DeliveryQuery) -> Page[WebhookDelivery]:
        async with self._uow() as uow:
            return await uow.deliveries.search(query)
