"""The order use cases on the in-memory adapters and FakeOrderGateway: the reconciliation
by `date_last_updated` windows (§5.3), the backfill on connecting, the window split at
MercadoLibre's offset cap, the newest read winning, and the `orders_v2`, `orders`,
`payments` and `shipments` notifications stored as typed rows (§9.3)."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import attrs
import pytest

from adapters.memory import InMemoryJobQueue, InMemoryStore, InMemoryUnitOfWork
from adapters.system.clock import ManualClock
from application.errors import Forbidden, ReauthorizationRequired, ValidationFailed
from application.notifications.record_resource import RecordResource
from application.orders.reconcile_orders import ReconcileOrders
from application.orders.record_orders import RecordOrders, RecordPayments, RecordShipments
from application.queries import OrderQuery, Paging, SyncLogQuery
from domain.accounts import Account, AccountStatus
from domain.money import Money
from domain.orders import Buyer, Order, OrderItem, OrderNote, OrderStatus, Pack, Payment
from domain.shipments import Shipment, ShipmentStatus, ShippingMode
from domain.sync import SyncStatus, SyncTrigger
from tests.fakes import FakeMarketplace, FakeOrderGateway

START = datetime(2026, 11, 27, 12, tzinfo=UTC)
SELLER = 123456789


class World:
    def __init__(self) -> None:
        self.clock = ManualClock(START)
        self.store = InMemoryStore()
        self.queue = InMemoryJobQueue()
        self.gateway = FakeOrderGateway()
        self.record = RecordResource(
            self.uow,
            FakeMarketplace(self.clock),
            self._no_items,
            recorders={
                "orders_v2": RecordOrders(self.gateway, self.clock),
                "orders": RecordOrders(self.gateway, self.clock),
                "payments": RecordPayments(self.gateway, self.clock),
                "shipments": RecordShipments(self.gateway, self.clock),
            },
        )

    @staticmethod
    async def _no_items(account_id: int, item_id: str) -> None:
        raise AssertionError("no listing is read here")

    def uow(self) -> InMemoryUnitOfWork:
        return InMemoryUnitOfWork(self.store, self.queue)

    async def account(self, seller_id: int = SELLER, status=AccountStatus.ACTIVE) -> Account:
        async with self.uow() as uow:
            account = await uow.accounts.add(Account(seller_id, "MLA", f"S{seller_id}"))
            if status is not AccountStatus.ACTIVE:
                account.needs_reauthorization("invalid_grant", self.clock.now())
                await uow.accounts.save(account)
            await uow.commit()
        assert account.id is not None
        self.gateway.connect(account.id, seller_id)
        return account

    def order(self, n: int, updated: datetime, seller_id: int = SELLER, **changes) -> Order:
        price = Money.of("1999.90", "ARS")
        order = Order(
            id=n,
            account_id=0,
            seller_id=seller_id,
            status=changes.pop("status", OrderStatus.PAID),
            items=(OrderItem("MLA1000000001", "Mate", 1, price),),
            total_amount=price,
            buyer=Buyer(5001, "COMPRADOR"),
            date_created=updated,
            last_updated=updated,
            payments=(Payment(10_000 + n, "approved", price, order_id=n),),
            **changes,
        )
        self.gateway.add_order(order)
        return order

    def shipment(self, shipment_id: int, updated: datetime, **changes) -> Shipment:
        shipment = Shipment(
            shipment_id,
            0,
            changes.pop("status", ShipmentStatus.READY_TO_SHIP),
            ShippingMode.ME2,
            changes.pop("substatus", "ready_to_print"),
            "drop_off",
            last_updated=updated,
            **changes,
        )
        self.gateway.add_shipment(shipment, SELLER)
        return shipment

    async def stored(self) -> list[Order]:
        found: list[Order] = []
        async with self.uow() as uow:
            for offset in range(0, 1000, 200):
                found += (await uow.orders.search(OrderQuery(paging=Paging(offset, 200)))).items
        return found

    def searches(self) -> list[object]:
        return [arg for name, arg in self.gateway.calls if name == "search_orders"]


@pytest.fixture
def world() -> World:
    return World()


async def test_connecting_backfills_the_configured_days_in_pages_of_51(world):
    account = await world.account()
    for n in range(1, 121):
        world.order(n, START - timedelta(days=30, minutes=n))
    world.order(999, START - timedelta(days=61))  # beyond the backfill
    reconcile = ReconcileOrders(world.uow, world.gateway, world.clock, backfill_days=60)

    log = await reconcile(account.id, SyncTrigger.CONNECT)

    assert log is not None and log.status is SyncStatus.SUCCEEDED
    assert len(world.searches()) == math.ceil(120 / 51)
    assert log.api_calls == math.ceil(120 / 51)
    assert world.searches()[0] == (START - timedelta(days=60), START, 0)
    assert [offset for _, _, offset in world.searches()] == [0, 51, 102]
    assert log.counts == {"fetched": 120, "stored": 120}
    assert sorted(o.id for o in await world.stored()) == list(range(1, 121))


async def test_each_distinct_shipment_and_pack_is_read_once(world):
    account = await world.account()
    for n in range(1, 5):
        world.order(n, START - timedelta(hours=n), shipping_id=700, pack_id=800)
    world.order(5, START - timedelta(hours=5), shipping_id=701)
    world.shipment(700, START)
    world.shipment(701, START)
    world.gateway.add_pack(Pack(800, 0, "released", (1, 2, 3, 4), 700), SELLER)

    log = await ReconcileOrders(world.uow, world.gateway, world.clock)(account.id, SyncTrigger.API)

    reads = [name for name, _ in world.gateway.calls if name != "search_orders"]
    assert sorted(reads) == ["get_pack", "get_shipment", "get_shipment"]
    assert log is not None and log.api_calls == 1 + 3
    async with world.uow() as uow:
        shipment = await uow.shipments.get(700)
        pack = await uow.packs.get(800)
    assert sorted(shipment.order_ids) == [1, 2, 3, 4]
    assert shipment.pack_id == 800 and pack.shipment_id == 700


async def test_orders_a_notification_already_stored_cost_only_their_search_page(world):
    """An order read by its notification (with its shipment) is this very version when
    the reconciliation meets it: no read of its shipment or pack again, no write; a
    later version, a new order or a missing shipment is read whole."""
    account = await world.account()
    for n in range(1, 5):  # changed within the overlap of the next run
        world.order(n, START - timedelta(minutes=n), shipping_id=700 + n)
        world.shipment(700 + n, START)
    reconcile = ReconcileOrders(world.uow, world.gateway, world.clock)
    first = await reconcile(account.id, SyncTrigger.API)
    assert first is not None and first.api_calls == 1 + 4
    async with world.uow() as uow:  # the shipment of order 4 was never stored
        stored = await uow.orders.get(4)
        await uow.orders.upsert([attrs.evolve(stored, shipping_id=799)])
        await uow.commit()
    world.order(2, START + timedelta(minutes=5), shipping_id=702)  # a later version
    world.order(5, START + timedelta(minutes=1), shipping_id=705)  # a new order
    world.shipment(705, START)
    world.shipment(799, START)
    world.clock.advance(600)
    world.gateway.calls.clear()

    second = await reconcile(account.id, SyncTrigger.API)

    reads = sorted(arg for name, arg in world.gateway.calls if name == "get_shipment")
    assert second is not None and second.status is SyncStatus.SUCCEEDED
    assert reads == [702, 704, 705], "order 4 names another shipment now: read whole"
    assert second.counts["already_current"] == 2 and second.api_calls == 1 + 3


async def test_the_next_run_reads_since_the_last_good_one_with_an_overlap(world):
    account = await world.account()
    reconcile = ReconcileOrders(world.uow, world.gateway, world.clock)
    await reconcile(account.id, SyncTrigger.SCHEDULE)
    world.clock.advance(600)

    await reconcile(account.id, SyncTrigger.SCHEDULE)

    assert world.searches()[1] == (START - timedelta(minutes=10), START + timedelta(minutes=10), 0)


async def test_a_window_mercadolibre_pages_no_deeper_into_is_split_and_nothing_is_skipped(world):
    account = await world.account()
    for n in range(1, 301):
        world.order(n, START - timedelta(hours=1, seconds=n * 7))
    world.gateway.max_offset = 102
    reconcile = ReconcileOrders(world.uow, world.gateway, world.clock)

    log = await reconcile(account.id, SyncTrigger.CONNECT)

    assert log is not None and log.status is SyncStatus.SUCCEEDED
    assert log.counts["windows_split"] >= 1
    assert sorted(o.id for o in await world.stored()) == list(range(1, 301))
    refused = [offset for _, _, offset in world.searches() if offset >= 102]
    assert len(refused) == log.counts["windows_split"]


async def test_a_refusal_on_the_first_page_is_the_runs_failure(world):
    account = await world.account()
    world.gateway.errors["search_orders"] = ValidationFailed([], "refused")

    log = await ReconcileOrders(world.uow, world.gateway, world.clock)(account.id, SyncTrigger.API)

    assert log is not None and log.status is SyncStatus.FAILED


async def test_an_older_read_never_replaces_a_newer_one_and_notes_are_kept(world):
    account = await world.account()
    newer = world.order(1, START, status=OrderStatus.CANCELLED)
    async with world.uow() as uow:
        note = OrderNote("Envolver para regalo", id="n1", date_created=START)
        await uow.orders.upsert([attrs.evolve(newer, account_id=account.id, notes=(note,))])
        await uow.commit()
    world.order(1, START - timedelta(minutes=5))  # MercadoLibre answers an older copy

    await world.record(account, "orders_v2", "/orders/1")
    stored = (await world.stored())[0]
    assert stored.status is OrderStatus.CANCELLED

    world.order(1, START + timedelta(minutes=5), status=OrderStatus.CANCELLED, tags=("x",))
    await world.record(account, "orders_v2", "/orders/1")
    stored = (await world.stored())[0]
    assert stored.tags == ("x",) and [n.text for n in stored.notes] == ["Envolver para regalo"]


async def test_order_payment_and_shipment_notifications_become_typed_rows(world):
    account = await world.account()
    world.order(1, START, shipping_id=700, pack_id=800)
    world.shipment(700, START)
    world.gateway.add_pack(Pack(800, 0, "released", (1,), 700), SELLER)
    world.gateway.add_payment(10_001, 1)

    await world.record(account, "orders_v2", "/orders/1")
    world.order(1, START + timedelta(minutes=1), status=OrderStatus.CANCELLED)
    await world.record(account, "payments", "/collections/10001")
    world.shipment(
        700, START + timedelta(minutes=2), status=ShipmentStatus.CANCELLED, substatus=None
    )
    await world.record(account, "shipments", "/shipments/700")

    async with world.uow() as uow:
        order = await uow.orders.get(1)
        shipment = await uow.shipments.get(700)
        pack = await uow.packs.get(800)
        snapshots = await uow.resources.find("/orders/1")
    assert order.status is OrderStatus.CANCELLED and order.account_id == account.id
    assert shipment.status is ShipmentStatus.CANCELLED and shipment.order_ids == (1,)
    assert pack.order_ids == (1,)
    assert snapshots is None, "orders no longer go to meli_resources"


async def test_the_legacy_orders_topic_is_read_like_orders_v2(world):
    account = await world.account()
    world.order(1, START)
    await world.record(account, "orders", "/orders/1")
    assert [o.id for o in await world.stored()] == [1]


async def test_an_order_of_another_seller_is_refused_and_not_stored(world):
    account = await world.account()
    world.order(1, START, seller_id=SELLER + 1)
    with pytest.raises(Forbidden):
        await world.record(account, "orders_v2", "/orders/1")
    assert await world.stored() == []


async def test_reconciling_an_account_needing_reauthorization_is_refused(world):
    account = await world.account(status=AccountStatus.NEEDS_REAUTHORIZATION)
    with pytest.raises(ReauthorizationRequired):
        await ReconcileOrders(world.uow, world.gateway, world.clock)(account.id, SyncTrigger.API)


async def test_a_reconciliation_that_breaks_still_finishes_its_log_and_raises(world):
    account = await world.account()
    world.gateway.errors["search_orders"] = RuntimeError("a bug")
    with pytest.raises(RuntimeError):
        await ReconcileOrders(world.uow, world.gateway, world.clock)(account.id, SyncTrigger.API)
    async with world.uow() as uow:
        logs = (await uow.sync_logs.search(SyncLogQuery(account_id=account.id))).items
    assert [(log.status, log.errors[-1][:12]) for log in logs] == [
        (SyncStatus.FAILED, "RuntimeError")
    ]


async def _stored_with_shipment(world, account, order_ids, shipment):
    async with world.uow() as uow:
        await uow.orders.upsert(
            [
                attrs.evolve(
                    world.gateway.orders[i], account_id=account.id, shipping_id=shipment.id
                )
                for i in order_ids
            ]
        )
        await uow.shipments.upsert([attrs.evolve(shipment, account_id=account.id)])
        await uow.commit()


async def test_the_labels_of_a_pack_come_in_one_call_with_one_label_per_shipment(world):
    from application.orders.print_labels import PrintLabels

    account = await world.account()
    world.order(1, START)
    world.order(2, START)
    world.order(3, START)
    ready = world.shipment(700, START)
    gone = world.shipment(701, START, status=ShipmentStatus.SHIPPED, substatus="out_for_delivery")
    await _stored_with_shipment(world, account, [1, 2], ready)
    await _stored_with_shipment(world, account, [3], gone)

    printed = await PrintLabels(world.uow, world.gateway)([1, 2, 3, 404], "pdf")

    assert [arg for name, arg in world.gateway.calls if name == "labels"] == [(700,)]
    assert printed.order_ids == (1, 2) and printed.file.content.startswith(b"%PDF")
    reasons = {o.order_id: o.reason for o in printed.left_out}
    assert set(reasons) == {3, 404}
    assert "status shipped, substatus out_for_delivery" in reasons[3]


async def test_no_label_to_print_is_a_conflict_and_nothing_is_called(world):
    from application.errors import Conflict, NotFound
    from application.orders.print_labels import PrintLabels

    account = await world.account()
    world.order(1, START)
    buffered = world.shipment(
        700,
        START,
        status=ShipmentStatus.PENDING,
        substatus="buffered",
        buffering_date=START + timedelta(days=1),
    )
    await _stored_with_shipment(world, account, [1], buffered)
    labels = PrintLabels(world.uow, world.gateway)

    with pytest.raises(Conflict, match=r"pending, substatus buffered.*printable from 2026-11-28"):
        await labels([1])
    with pytest.raises(NotFound):
        await labels([404])
    with pytest.raises(ValidationFailed):
        await labels(list(range(1, 52)))
    assert [name for name, _ in world.gateway.calls if name == "labels"] == []


async def test_the_reconciliation_reports_its_progress_after_every_page(world):
    account = await world.account()
    for n in range(1, 121):
        world.order(n, START - timedelta(hours=1, minutes=n))
    seen: list[tuple[int, int]] = []

    await ReconcileOrders(world.uow, world.gateway, world.clock)(
        account.id, SyncTrigger.CLI, progress=lambda done, total: seen.append((done, total))
    )

    assert seen == [(51, 120), (102, 120), (120, 120)]


async def test_a_pack_spanning_two_pages_is_read_once_in_the_run(world):
    account = await world.account()
    for n in range(1, 61):
        world.order(n, START - timedelta(hours=1, minutes=n), shipping_id=700, pack_id=800)
    world.shipment(700, START)
    world.gateway.add_pack(Pack(800, 0, "released", tuple(range(1, 61)), 700), SELLER)

    log = await ReconcileOrders(world.uow, world.gateway, world.clock)(account.id, SyncTrigger.API)

    reads = sorted(name for name, _ in world.gateway.calls if name != "search_orders")
    assert reads == ["get_pack", "get_shipment"]
    assert log is not None and log.api_calls == 2 + 2
