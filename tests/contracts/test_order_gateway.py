"""OrderGateway contract (application/ports/order_gateway.py): AiohttpOrderGateway on the
sandbox over loopback, and FakeOrderGateway, the fake the order use-case tests drive.
Orders (§5.1), the search by `date_last_updated` window (§5.3), packs (§5.4), the order
of a payment (§9.3) and shipments (§6.1)."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import attrs
import pytest
import pytest_asyncio

from adapters.mercadolibre import AccountCalls, AiohttpOrderGateway
from adapters.system.clock import ManualClock
from application.errors import Conflict, Forbidden, NotFound, ValidationFailed
from application.ports.order_gateway import OrderGateway
from domain.money import Money
from domain.orders import Buyer, Order, OrderItem, OrderStatus, Pack, Payment
from domain.shipments import Shipment, ShipmentStatus, ShippingMode
from sandbox.testing import RunningSandbox
from tests.contracts.marketplace_worlds import ITEM
from tests.contracts.sandbox_sellers import SandboxSellers, gateway_client
from tests.fakes import FakeOrderGateway

pytestmark = pytest.mark.asyncio(loop_scope="module")


class OrderWorld(Protocol):
    gateway: OrderGateway
    account_id: int
    seller_id: int
    item_id: str  # an active listing of the seller's, 350 ARS

    def now(self) -> datetime: ...

    async def advance(self, seconds: float) -> None: ...

    async def me1_order(self) -> dict[str, Any]:
        """A paid ME1 order of the seller's (the seller ships it himself)."""
        ...

    async def order(self) -> dict[str, Any]:
        """A paid ME2 order of the seller's, made now: {id, shipping_id, pack_id,
        payment_id, total}."""
        ...

    async def foreign_order(self) -> int: ...

    async def ship(self, shipment_id: int, status: str, substatus: str | None) -> None:
        """MercadoLibre moves the shipment to `status`/`substatus` (§6.2)."""
        ...


class SandboxOrderWorld:
    def __init__(self, sandbox: RunningSandbox, sellers: SandboxSellers) -> None:
        self.sandbox = sandbox
        self.sellers = sellers
        self.gateway: AiohttpOrderGateway
        self.account_id: int
        self.seller_id: int
        self.item_id: str

    @classmethod
    async def start(cls, sandbox, session) -> SandboxOrderWorld:
        world = cls(sandbox, SandboxSellers(sandbox))
        world.gateway = AiohttpOrderGateway(
            AccountCalls(gateway_client(sandbox, session), world.sellers)
        )
        world.account_id, user = await world.sellers.new_seller("MLA")
        world.seller_id = user["id"]
        world.item_id = await world._item(world.account_id)
        return world

    async def _item(self, account_id: int) -> str:
        item = await self.sellers.call(account_id, "POST", "/items", json=ITEM)
        return str(item["id"])

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.sandbox.state.clock.now(), UTC)

    async def advance(self, seconds: float) -> None:
        self.sandbox.advance_clock(seconds)

    async def order(self) -> dict[str, Any]:
        body = await self.sandbox.event(
            "order",
            seller_id=self.seller_id,
            item_id=self.item_id,
            mode="me2",
            logistic_type="drop_off",
        )
        return {
            "id": int(body["id"]),
            "shipping_id": body["shipping"]["id"],
            "pack_id": body["pack_id"],
            "payment_id": body["payments"][0]["id"],
            "total": Money.of(str(body["total_amount"]), body["currency_id"]),
        }

    async def me1_order(self) -> dict[str, Any]:
        body = await self.sandbox.event(
            "order", seller_id=self.seller_id, item_id=self.item_id, mode="me1"
        )
        return {"id": int(body["id"]), "shipping_id": body["shipping"]["id"]}

    async def foreign_order(self) -> int:
        account_id, user = await self.sellers.new_seller("MLA")
        item_id = await self._item(account_id)
        order = await self.sandbox.event("order", seller_id=user["id"], item_id=item_id)
        return int(order["id"])

    async def ship(self, shipment_id: int, status: str, substatus: str | None) -> None:
        await self.sandbox.event(
            "shipment",
            seller_id=self.seller_id,
            shipment_id=shipment_id,
            status=status,
            substatus=substatus,
        )


_ids = itertools.count(2_000_000_001)


class FakeOrderWorld:
    def __init__(self) -> None:
        self.clock = ManualClock(datetime(2026, 11, 27, 12, tzinfo=UTC))
        self.gateway = FakeOrderGateway()
        self.account_id = 1
        self.seller_id = 202593498
        self.gateway.connect(self.account_id, self.seller_id)
        self.item_id = "MLA1000000001"
        self.gateway.listings[self.item_id] = (self.seller_id, Money.of(350, "ARS"))

    def now(self) -> datetime:
        return self.clock.now()

    async def advance(self, seconds: float) -> None:
        self.clock.advance(seconds)

    def _order(self, seller_id: int) -> dict[str, Any]:
        order_id, shipping_id, pack_id, payment_id = (next(_ids) for _ in range(4))
        total = Money.of("350.00", "ARS")
        self.gateway.add_order(
            Order(
                id=order_id,
                account_id=0,
                seller_id=seller_id,
                status=OrderStatus.PAID,
                items=(OrderItem("MLA1000000001", "Item de test", 1, total),),
                total_amount=total,
                buyer=Buyer(5001),
                date_created=self.now(),
                last_updated=self.now(),
                payments=(Payment(payment_id, "approved", total, order_id=order_id),),
                shipping_id=shipping_id,
                pack_id=pack_id,
            )
        )
        self.gateway.add_shipment(
            Shipment(shipping_id, 0, ShipmentStatus.HANDLING, ShippingMode.ME2, None, "drop_off"),
            seller_id,
        )
        self.gateway.add_pack(Pack(pack_id, 0, "released", (order_id,), shipping_id), seller_id)
        self.gateway.add_payment(payment_id, order_id)
        return {
            "id": order_id,
            "shipping_id": shipping_id,
            "pack_id": pack_id,
            "payment_id": payment_id,
            "total": total,
        }

    async def order(self) -> dict[str, Any]:
        return self._order(self.seller_id)

    async def foreign_order(self) -> int:
        return self._order(self.seller_id + 1)["id"]

    async def me1_order(self) -> dict[str, Any]:
        made = self._order(self.seller_id)
        owner, shipment = self.gateway.shipments[made["shipping_id"]]
        me1 = attrs.evolve(shipment, mode=ShippingMode.ME1, logistic_type="default")
        self.gateway.add_shipment(me1, owner)
        return made

    async def ship(self, shipment_id: int, status: str, substatus: str | None) -> None:
        owner, shipment = self.gateway.shipments[shipment_id]
        moved = attrs.evolve(shipment, status=ShipmentStatus(status), substatus=substatus)
        self.gateway.add_shipment(moved, owner)


@pytest.fixture(params=[pytest.param("sandbox", marks=pytest.mark.sandbox), "fake"])
def implementation(request: pytest.FixtureRequest) -> tuple[str, Any, Any]:
    if request.param == "sandbox":
        sandbox = request.getfixturevalue("gateway_sandbox")
        return request.param, sandbox, request.getfixturevalue("gateway_session")
    return request.param, None, None


@pytest_asyncio.fixture(loop_scope="module")
async def world(implementation) -> AsyncIterator[OrderWorld]:
    kind, sandbox, session = implementation
    if kind == "sandbox":
        yield await SandboxOrderWorld.start(sandbox, session)
    else:
        yield FakeOrderWorld()


async def test_an_order_reads_typed_with_exact_money(world):
    made = await world.order()

    order = await world.gateway.get_order(world.account_id, made["id"])

    assert order.id == made["id"] and order.account_id == world.account_id
    assert order.seller_id == world.seller_id
    assert order.status is OrderStatus.PAID
    assert order.total_amount == made["total"]
    assert order.shipping_id == made["shipping_id"] and order.pack_id == made["pack_id"]
    assert [p.id for p in order.payments] == [made["payment_id"]]
    assert order.payments[0].order_id == made["id"]


async def test_an_unknown_order_is_not_found_and_anothers_is_forbidden(world):
    foreign = await world.foreign_order()
    with pytest.raises(NotFound):
        await world.gateway.get_order(world.account_id, 1)
    with pytest.raises(Forbidden):
        await world.gateway.get_order(world.account_id, foreign)


async def test_the_search_finds_the_orders_changed_within_a_window_oldest_first(world):
    await world.advance(3600)
    start = world.now()
    first = [(await world.order())["id"] for _ in range(4)]
    await world.advance(600)
    middle = world.now()
    later = [(await world.order())["id"] for _ in range(2)]
    search = world.gateway.search_orders

    pages = [
        await search(world.account_id, world.seller_id, start, world.now(), offset, 3)
        for offset in (0, 3, 6)
    ]
    early = await search(world.account_id, world.seller_id, start, middle - timedelta(seconds=1))

    assert [len(page.orders) for page in pages] == [3, 3, 0]
    assert {page.total for page in pages} == {6}
    assert [o.id for page in pages for o in page.orders] == first + later
    assert all(o.account_id == world.account_id for page in pages for o in page.orders)
    assert [o.id for o in early.orders] == first and early.total == 4


async def test_the_search_is_the_accounts_seller_within_51_a_page(world):
    since = world.now() - timedelta(days=1)
    with pytest.raises(Forbidden):
        await world.gateway.search_orders(world.account_id, world.seller_id + 1, since, world.now())
    with pytest.raises(ValidationFailed):
        await world.gateway.search_orders(
            world.account_id, world.seller_id, since, world.now(), 0, 52
        )


async def test_a_shipment_and_a_pack_read_typed(world):
    made = await world.order()

    shipment = await world.gateway.get_shipment(world.account_id, made["shipping_id"])
    pack = await world.gateway.get_pack(world.account_id, made["pack_id"])

    assert shipment.id == made["shipping_id"] and shipment.account_id == world.account_id
    assert shipment.mode is ShippingMode.ME2
    assert pack.id == made["pack_id"] and made["id"] in pack.order_ids
    assert pack.shipment_id == made["shipping_id"]
    with pytest.raises(NotFound):
        await world.gateway.get_shipment(world.account_id, 1)
    with pytest.raises(NotFound):
        await world.gateway.get_pack(world.account_id, 1)


async def test_a_payment_names_its_order(world):
    made = await world.order()

    order_id = await world.gateway.payment_order_id(
        world.account_id, f"/collections/{made['payment_id']}"
    )

    assert order_id == made["id"]
    with pytest.raises(NotFound):
        await world.gateway.payment_order_id(world.account_id, "/collections/1")


async def test_a_ready_to_print_label_is_a_pdf_or_zpl_and_then_printed(world):
    """§6.3: ME2, a label logistic type, ready_to_ship + ready_to_print."""
    made = await world.order()
    await world.ship(made["shipping_id"], "ready_to_ship", "ready_to_print")

    pdf = await world.gateway.labels(world.account_id, (made["shipping_id"],), "pdf")
    zpl = await world.gateway.labels(world.account_id, (made["shipping_id"],), "zpl")
    shipment = await world.gateway.get_shipment(world.account_id, made["shipping_id"])

    assert pdf.content.startswith(b"%PDF") and pdf.content_type == "application/pdf"
    assert b"^XA" in zpl.content
    assert shipment.substatus == "printed"


async def test_a_shipment_not_ready_to_print_has_no_label(world):
    made = await world.order()
    await world.ship(made["shipping_id"], "ready_to_ship", "ready_to_print")
    await world.ship(made["shipping_id"], "shipped", None)

    with pytest.raises(Conflict):
        await world.gateway.labels(world.account_id, (made["shipping_id"],), "pdf")
    with pytest.raises(ValueError):
        await world.gateway.labels(world.account_id, tuple(range(1, 52)), "pdf")


async def test_notes_are_added_changed_listed_and_deleted(world):
    """§5.5: the seller's notes on an order, at most 300 characters."""
    made = await world.order()
    notes = world.gateway

    first = await notes.add_note(world.account_id, made["id"], "Envolver para regalo")
    second = await notes.add_note(world.account_id, made["id"], "Factura A")
    changed = await notes.update_note(world.account_id, made["id"], second.id, "Factura B")
    listed = await notes.notes(world.account_id, made["id"])
    await notes.delete_note(world.account_id, made["id"], first.id)
    after = await notes.notes(world.account_id, made["id"])

    assert first.id and first.id != second.id and first.text == "Envolver para regalo"
    assert changed.id == second.id and changed.text == "Factura B"
    assert [(n.id, n.text) for n in listed] == [(first.id, first.text), (second.id, "Factura B")]
    assert [n.id for n in after] == [second.id]
    with pytest.raises(NotFound):
        await notes.delete_note(world.account_id, made["id"], first.id)
    with pytest.raises(ValidationFailed):
        await notes.add_note(world.account_id, made["id"], "x" * 301)


async def test_i_have_the_product_moves_a_handling_me2_shipment_to_ready_to_print(world):
    """§5.4: POST /shipments/{id}/process/ready_to_ship, ME2 only."""
    made = await world.order()
    await world.ship(made["shipping_id"], "handling", None)

    await world.gateway.ready_to_ship(world.account_id, made["shipping_id"])
    await world.gateway.ready_to_ship(world.account_id, made["shipping_id"])
    shipment = await world.gateway.get_shipment(world.account_id, made["shipping_id"])

    assert (shipment.status.value, shipment.substatus) == ("ready_to_ship", "ready_to_print")
    with pytest.raises(NotFound):
        await world.gateway.ready_to_ship(world.account_id, 1)


async def test_an_me1_shipment_takes_tracking_and_status_updates_until_delivered(world):
    """§6.4: ME1 status updates through seller_notifications; delivered is final."""
    made = await world.me1_order()
    update = world.gateway.update_tracking

    await update(world.account_id, made["shipping_id"], "shipped", "OCA123", None, world.now())
    shipped = await world.gateway.get_shipment(world.account_id, made["shipping_id"])
    await update(
        world.account_id,
        made["shipping_id"],
        "shipped",
        "OCA123",
        None,
        world.now(),
        substatus="out_for_delivery",
        comment="Sale hoy",
        service_id=7,
    )
    out = await world.gateway.get_shipment(world.account_id, made["shipping_id"])
    await update(world.account_id, made["shipping_id"], "delivered", "OCA123", None, world.now())

    assert (shipped.status.value, shipped.tracking_number) == ("shipped", "OCA123")
    assert (out.status.value, out.substatus) == ("shipped", "out_for_delivery")
    assert shipped.mode is ShippingMode.ME1
    with pytest.raises(ValidationFailed):
        await update(world.account_id, made["shipping_id"], "shipped", "OCA123", None, world.now())
    me2 = await world.order()
    with pytest.raises(ValidationFailed):
        await update(world.account_id, me2["shipping_id"], "shipped", "X1", None, world.now())


async def test_a_buyer_quote_and_the_free_shipping_cost_are_in_the_sites_currency(world):
    """§6.5: GET /items/{id}/shipping_options?zip_code= and
    /users/{id}/shipping_options/free?item_id=."""
    quote = await world.gateway.shipping_options(world.account_id, world.item_id, "1414")
    free = await world.gateway.free_shipping_cost(world.account_id, world.seller_id, world.item_id)

    assert quote.zip_code == "1414" and quote.options
    option = quote.options[0]
    assert option.name and option.cost.currency_id == "ARS"
    assert option.list_cost is not None and option.list_cost.is_positive
    assert free.currency_id == "ARS" and free.is_positive
    with pytest.raises(NotFound):
        await world.gateway.shipping_options(world.account_id, "MLA1", "1414")
    with pytest.raises((Forbidden, NotFound)):  # another user's: refused (or unknown)
        await world.gateway.free_shipping_cost(world.account_id, world.seller_id + 1, world.item_id)


async def test_a_shipments_history_delays_and_costs_and_nothing_for_anothers(world):
    """§6.4: /history, /delays (404 = none), /costs, /sla, /carrier; a part MercadoLibre
    does not have is None, never an error."""
    made = await world.order()
    shipment = await world.gateway.get_shipment(world.account_id, made["shipping_id"])

    details = await world.gateway.shipment_details(
        world.account_id, made["shipping_id"], "ARS", world.seller_id
    )
    foreign = await world.gateway.shipment_details(world.account_id, 1, "ARS", world.seller_id)

    assert details.history and details.history[-1].status == shipment.status.value
    assert details.delays == ()
    costs = details.costs
    assert costs is not None and costs.buyer is not None and costs.seller is not None
    assert costs.buyer.cost.currency_id == costs.seller.cost.currency_id == "ARS"
    assert costs.seller.user_id in (world.seller_id, None)
    assert (foreign.history, foreign.costs, foreign.sla, foreign.carrier) == (None,) * 4
