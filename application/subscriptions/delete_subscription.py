from __future__ import annotations

from application.errors import NotFound
from application.ports.clock import Clock
from application.ports.unit_of_work import UnitOfWorkFactory
from domain.subscriptions import (
    Subscription,
)


class DeleteSubscription:
    """Stop delivering to a subscription; its delivery log stays."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, subscription_id: int) -> Subscription:
        async with self._uow() as uow:
            subscription = await uow.subscriptions.get(subscription_id)
            if subscription.deleted_at is not None:
                raise NotFound("subscription", subscription_id)
            subscription.delete(self._clock.now())
            await uow.subscriptions.save(subscription)
            await uow.commit()
        return subscription
