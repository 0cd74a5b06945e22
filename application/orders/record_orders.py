"""How orders, their shipments and packs are read and stored: for the `orders_v2`,
`orders`, `shipments` and `payments` notifications (TopicRecorders of RecordResource) and
the order reconciliation alike (mercadolibre-api.md §5, §6, §9.3).

The newest read wins: a read replaces the stored copy only when its `last_updated` is
not older (Order.may_replace), as for listings and questions. The seller's notes are not
part of MercadoLibre's order (§5.5), so a read keeps the stored ones.
"""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from application.errors import NotFound
from application.notifications.record_resource import TypedRead
from application.ports.clock import Clock
from application.ports.order_gateway import OrderGateway
from application.ports.unit_of_work import UnitOfWork
from domain.accounts import Account
from domain.orders import Order, Pack
from domain.resources import ResourceSnapshot
from domain.shipments import Shipment


@attrs.define(frozen=True)
class OrderReads:
    """What one read brought: orders with the shipments and packs read with them."""

    orders: tuple[Order, ...] = ()
    shipments: tuple[Shipment, ...] = ()
    packs: tuple[Pack, ...] = ()


def _last_id(resource: str, what: str) -> int:
    last = resource.partition("?")[0].rstrip("/").rsplit("/", 1)[-1]
    if not last.isascii() or not last.isdigit() or not 0 < int(last) < 2**63:
        raise NotFound(what, resource)
    return int(last)


async def store_reads(uow: UnitOfWork, reads: OrderReads) -> dict[str, int]:
    """Store reads inside `uow` (the caller commits); counts of the orders stored and of
    the reads older than what is stored."""
    counts = {"stored": 0, "older_than_stored": 0}
    orders = list({o.id: o for o in reads.orders}.values())
    stored = await uow.orders.find_many(o.id for o in orders)
    fresh: list[Order] = []
    for order in orders:
        before = stored.get(order.id)
        if before is not None and not order.may_replace(before):
            counts["older_than_stored"] += 1
            continue
        if before is not None and before.notes:
            order = attrs.evolve(order, notes=before.notes)
        fresh.append(order)
        counts["stored"] += 1
    await uow.orders.upsert(fresh)
    await _store_shipments(uow, reads.shipments, orders)
    packs = list({p.id: p for p in reads.packs}.values())
    kept = [p for p in packs if (b := await uow.packs.find(p.id)) is None or p.may_replace(b)]
    await uow.packs.upsert(kept)
    return counts


async def _store_shipments(
    uow: UnitOfWork, shipments: Iterable[Shipment], orders: Iterable[Order]
) -> None:
    """The new shape names no orders (§6.1): a shipment keeps the ones it was stored
    with and gains those read with it."""
    reads = list({s.id: s for s in shipments}.values())
    if not reads:
        return
    stored = await uow.shipments.find_many(s.id for s in reads)
    by_shipment: dict[int, list[int]] = {}
    packs: dict[int, int] = {}
    for order in orders:
        if order.shipping_id is not None:
            by_shipment.setdefault(order.shipping_id, []).append(order.id)
            if order.pack_id is not None:
                packs[order.shipping_id] = order.pack_id
    fresh = []
    for shipment in reads:
        before = stored.get(shipment.id)
        if before is not None and not shipment.may_replace(before):
            continue
        known = [*shipment.order_ids, *(before.order_ids if before else ())]
        known += by_shipment.get(shipment.id, [])
        pack_id = shipment.pack_id or packs.get(shipment.id) or (before and before.pack_id)
        fresh.append(attrs.evolve(shipment, order_ids=tuple(dict.fromkeys(known)), pack_id=pack_id))
    await uow.shipments.upsert(fresh)


class OrderReader:
    """Reads an order with its shipment and pack (§5.1, §5.4, §6.1)."""

    def __init__(self, gateway: OrderGateway, clock: Clock) -> None:
        self._gateway = gateway
        self._clock = clock

    async def with_parts(
        self, account_id: int, orders: Iterable[Order], seen: set[tuple[str, int]] | None = None
    ) -> OrderReads:
        """The orders with one read of each distinct shipment and pack they name (none
        already in `seen`, which the reads join); a shipment or pack that is gone (a
        split, one still being created) is left out."""
        orders = tuple(orders)
        seen = set() if seen is None else seen
        shipments: list[Shipment] = []
        packs: list[Pack] = []
        for shipment_id in dict.fromkeys(o.shipping_id for o in orders if o.shipping_id):
            if ("shipment", shipment_id) in seen:
                continue
            seen.add(("shipment", shipment_id))
            try:
                shipments.append(await self._gateway.get_shipment(account_id, shipment_id))
            except NotFound:
                continue
        for pack_id in dict.fromkeys(o.pack_id for o in orders if o.pack_id):
            if ("pack", pack_id) in seen:
                continue
            seen.add(("pack", pack_id))
            try:
                packs.append(await self._gateway.get_pack(account_id, pack_id))
            except NotFound:
                continue
        return OrderReads(orders, tuple(shipments), tuple(packs))

    async def read_order(self, account: Account, order_id: int, topic: str) -> TypedRead:
        assert account.id is not None
        order = await self._gateway.get_order(account.id, order_id)
        reads = await self.with_parts(account.id, [order])
        snapshot = ResourceSnapshot(
            f"/orders/{order.id}", order.raw, self._clock.now(), topic, account.id
        )
        return TypedRead(snapshot, reads)


class RecordOrders(OrderReader):
    """TopicRecorder of `orders_v2` and the legacy `orders` (§9.3): GET /orders/{id}, its
    shipment and pack."""

    async def read(self, account: Account, resource: str) -> TypedRead:
        return await self.read_order(account, _last_id(resource, "order"), "orders_v2")

    async def store(self, uow: UnitOfWork, read: TypedRead, account: Account) -> None:
        assert isinstance(read.value, OrderReads)
        await store_reads(uow, read.value)


class RecordPayments(RecordOrders):
    """TopicRecorder of `payments` (§9.3: /collections/{id}): the payment names its order,
    which is read again whole, payments included."""

    async def read(self, account: Account, resource: str) -> TypedRead:
        assert account.id is not None
        order_id = await self._gateway.payment_order_id(account.id, resource)
        return await self.read_order(account, order_id, "payments")


class RecordShipments:
    """TopicRecorder of `shipments` (§9.3): GET /shipments/{id} with x-format-new."""

    def __init__(self, gateway: OrderGateway, clock: Clock) -> None:
        self._gateway = gateway
        self._clock = clock

    async def read(self, account: Account, resource: str) -> TypedRead:
        assert account.id is not None
        shipment_id = _last_id(resource, "shipment")
        shipment = await self._gateway.get_shipment(account.id, shipment_id)
        snapshot = ResourceSnapshot(
            f"/shipments/{shipment.id}", shipment.raw, self._clock.now(), "shipments", account.id
        )
        return TypedRead(snapshot, OrderReads(shipments=(shipment,)))

    async def store(self, uow: UnitOfWork, read: TypedRead, account: Account) -> None:
        assert isinstance(read.value, OrderReads)
        await store_reads(uow, read.value)
