"""Where automatic messages start: a sale's read, as a notification stores it, meets the
rules. Paid orders (§5.2) and shipped or delivered shipments (§6.2) are events; each rule
that applies records its run for the order (once per rule and order, whatever is
notified twice) and queues SendRuleMessage after its delay. An event older than the rule
is not one for it: a rule speaks to the sales that happen after it exists."""

from __future__ import annotations

from datetime import datetime, timedelta

from application import jobs
from application.notifications.record_resource import TopicRecorder, TypedRead
from application.orders.record_orders import OrderReads
from application.ports.clock import Clock
from application.ports.unit_of_work import UnitOfWork
from domain.accounts import Account
from domain.message_rules import MessageRuleRun, OrderEvent
from domain.orders import OrderStatus
from domain.shipments import ShipmentStatus

SHIPMENT_EVENTS = {
    ShipmentStatus.SHIPPED: OrderEvent.SHIPPED,
    ShipmentStatus.DELIVERED: OrderEvent.DELIVERED,
}


async def events_of(
    uow: UnitOfWork, reads: OrderReads
) -> list[tuple[int, OrderEvent, datetime | None]]:
    """(order id, event, when it happened as far as the read says) for each event; a
    shipment's orders are those stored with it (the new shape names none, §6.1)."""
    found: list[tuple[int, OrderEvent, datetime | None]] = []
    for order in reads.orders:
        if order.status is OrderStatus.PAID:
            found.append((order.id, OrderEvent.PAID, order.date_closed or order.date_created))
    for shipment in reads.shipments:
        event = SHIPMENT_EVENTS.get(shipment.status)
        if event is None:
            continue
        stored = await uow.shipments.find(shipment.id)
        order_ids = dict.fromkeys([*shipment.order_ids, *(stored.order_ids if stored else ())])
        for order_id in order_ids:
            found.append((order_id, event, shipment.last_updated))
    return found


class MessageRuleTrigger:
    def __init__(self, clock: Clock) -> None:
        self._clock = clock

    async def __call__(self, uow: UnitOfWork, reads: OrderReads, account: Account) -> int:
        """Record the runs the reads start inside `uow` (the caller commits) and queue
        them after the commit; how many were new."""
        assert account.id is not None
        events = await events_of(uow, reads)
        if not events:
            return 0
        rules = [r for r in await uow.message_rules.list() if r.applies_to(account.id)]
        now = self._clock.now()
        started = 0
        for order_id, event, when in events:
            for rule in rules:
                if rule.event is not event or (when is not None and when < rule.created_at):
                    continue
                assert rule.id is not None
                run = await uow.message_rule_runs.add(
                    MessageRuleRun(
                        rule.id,
                        order_id,
                        account.id,
                        event,
                        due_at=now + timedelta(seconds=rule.delay_seconds),
                        created_at=now,
                    )
                )
                if run is not None:
                    assert run.id is not None
                    uow.enqueue_after_commit(jobs.SendRuleMessage(run.id), rule.delay_seconds)
                    started += 1
        return started


class TriggeringRecorder:
    """A TopicRecorder of sales (orders, payments, shipments) that lets the stored read
    meet the automatic-message rules in the same transaction."""

    def __init__(self, inner: TopicRecorder, trigger: MessageRuleTrigger) -> None:
        self._inner = inner
        self._trigger = trigger

    async def read(self, account: Account, resource: str) -> TypedRead:
        return await self._inner.read(account, resource)

    async def store(self, uow: UnitOfWork, read: TypedRead, account: Account) -> None:
        await self._inner.store(uow, read, account)
        if isinstance(read.value, OrderReads):
            await self._trigger(uow, read.value, account)
