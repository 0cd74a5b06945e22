"""FakeOrderGateway: the OrderGateway port over orders, shipments and packs in memory.

It is held to the same contract suite as AiohttpOrderGateway on the sandbox
(tests/contracts/test_order_gateway.py), with MercadoLibre's rules: another seller's
resource is Forbidden (§5.1, §12.2), an unknown one NotFound; the search is the account's
own seller only, by `last_updated` window (both ends inclusive), oldest creation first,
cancelled orders left out (§5.3), at most 51 a page (§13 [INF]).

Test controls: `connect(account_id, seller_id)`, `add_order` / `add_shipment` /
`add_pack` / `add_payment`, `errors` (a call name -> the error every such call raises),
`calls` (every call made, as (name, argument)) and `max_offset` (the search refuses
deeper offsets, as MercadoLibre does past its undocumented cap).
"""

from __future__ import annotations

from datetime import UTC, datetime

from attrs import evolve

from application.errors import Conflict, FieldProblem, Forbidden, NotFound, ValidationFailed
from application.ports.order_gateway import (
    MAX_LABELS,
    SEARCH_LIMIT,
    LabelFile,
    OrderPage,
    ShippingOption,
    ShippingQuote,
)
from domain.money import Money
from domain.orders import Order, OrderNote, OrderStatus, Pack
from domain.shipment_details import (
    Carrier,
    CostShare,
    ShipmentCosts,
    ShipmentDetails,
    ShipmentEvent,
)
from domain.shipments import Shipment, ShipmentStatus, ShippingMode


class FakeOrderGateway:
    def __init__(self) -> None:
        self.sellers: dict[int, int] = {}
        self.orders: dict[int, Order] = {}
        self.shipments: dict[int, tuple[int, Shipment]] = {}
        self.packs: dict[int, tuple[int, Pack]] = {}
        self.payments: dict[int, int] = {}
        self.errors: dict[str, Exception] = {}
        self.calls: list[tuple[str, object]] = []
        # The deepest offset the search serves (§5.3: MercadoLibre's cap is undocumented).
        self.max_offset: int | None = None
        self.notes_of: dict[int, list[OrderNote]] = {}
        # listing id -> (seller, its price): what the shipping quotes are computed from
        self.listings: dict[str, tuple[int, Money]] = {}
        self._note_ids = 0
        # shipment id -> what its §6.4 sub-resources answer (else derived from the shipment)
        self.details: dict[int, ShipmentDetails] = {}

    # -- test controls -----------------------------------------------------------------------

    def connect(self, account_id: int, seller_id: int) -> None:
        self.sellers[account_id] = seller_id

    def add_order(self, order: Order) -> None:
        self.orders[order.id] = order

    def add_shipment(self, shipment: Shipment, seller_id: int) -> None:
        self.shipments[shipment.id] = (seller_id, shipment)

    def add_pack(self, pack: Pack, seller_id: int) -> None:
        self.packs[pack.id] = (seller_id, pack)

    def add_payment(self, payment_id: int, order_id: int) -> None:
        self.payments[payment_id] = order_id

    # -- the port ----------------------------------------------------------------------------

    def _seller(self, account_id: int, call: str, argument: object) -> int:
        self.calls.append((call, argument))
        if call in self.errors:
            raise self.errors[call]
        if account_id not in self.sellers:
            raise NotFound("account", account_id)
        return self.sellers[account_id]

    def _as(self, order: Order, account_id: int) -> Order:
        """As read: the account's, with MercadoLibre's JSON (the owner in `seller.id`)."""
        raw = dict(order.raw) or {"id": order.id, "seller": {"id": order.seller_id}}
        return evolve(order, account_id=account_id, raw=raw)

    async def get_order(self, account_id: int, order_id: int) -> Order:
        seller = self._seller(account_id, "get_order", order_id)
        order = self.orders.get(order_id)
        if order is None:
            raise NotFound("order", order_id)
        if order.seller_id != seller:
            raise Forbidden("The user has not access to the order")
        return self._as(order, account_id)

    async def search_orders(
        self,
        account_id: int,
        seller_id: int,
        updated_from: datetime,
        updated_to: datetime,
        offset: int = 0,
        limit: int = SEARCH_LIMIT,
    ) -> OrderPage:
        seller = self._seller(account_id, "search_orders", (updated_from, updated_to, offset))
        if seller_id != seller:
            raise Forbidden(f"The caller is not allowed to see the orders of seller {seller_id}")
        if self.max_offset is not None and offset >= self.max_offset:
            raise ValidationFailed(
                [FieldProblem("offset", f"must be below {self.max_offset}")],
                "MercadoLibre refused the request",
            )
        if not 1 <= limit <= SEARCH_LIMIT:
            raise ValidationFailed(
                [FieldProblem("limit", f"must be at most {SEARCH_LIMIT}")],
                "MercadoLibre refused the request",
            )
        found = sorted(
            (
                o
                for o in self.orders.values()
                if o.seller_id == seller
                and o.status is not OrderStatus.CANCELLED
                and o.last_updated is not None
                and updated_from <= o.last_updated <= updated_to
            ),
            key=lambda o: (o.date_created, o.id),
        )
        page = found[offset : offset + limit]
        return OrderPage(tuple(self._as(o, account_id) for o in page), len(found))

    async def get_shipment(self, account_id: int, shipment_id: int) -> Shipment:
        seller = self._seller(account_id, "get_shipment", shipment_id)
        if shipment_id not in self.shipments:
            raise NotFound("shipment", shipment_id)
        owner, shipment = self.shipments[shipment_id]
        if owner != seller:
            raise Forbidden("The user has not access to the shipment")
        raw = dict(shipment.raw) or {"id": shipment.id, "origin": {"sender_id": owner}}
        return evolve(shipment, account_id=account_id, raw=raw)

    async def get_pack(self, account_id: int, pack_id: int) -> Pack:
        seller = self._seller(account_id, "get_pack", pack_id)
        if pack_id not in self.packs:
            raise NotFound("pack", pack_id)
        owner, pack = self.packs[pack_id]
        if owner != seller:
            raise Forbidden("The user has not access to the order")
        return evolve(pack, account_id=account_id)

    async def labels(self, account_id: int, shipment_ids: tuple[int, ...], fmt: str) -> LabelFile:
        seller = self._seller(account_id, "labels", tuple(shipment_ids))
        if not 1 <= len(shipment_ids) <= MAX_LABELS or fmt not in ("pdf", "zpl"):
            raise ValueError(f"1 to {MAX_LABELS} shipments, as pdf or zpl")
        for shipment_id in shipment_ids:
            if shipment_id not in self.shipments:
                raise NotFound("shipment", shipment_id)
            owner, shipment = self.shipments[shipment_id]
            if owner != seller:
                raise Forbidden("The user has not access to the shipment")
            if not shipment.label_available:
                raise Conflict(f"MercadoLibre printed no label: {shipment.label_refusal()}")
            # §6.3 [INF]: printing moves ready_to_print to printed.
            self.shipments[shipment_id] = (owner, evolve(shipment, substatus="printed"))
        if fmt == "pdf":
            pages = b"".join(b"%% label %d\n" % i for i in shipment_ids)
            return LabelFile(b"%PDF-1.4\n" + pages + b"%%EOF\n", "application/pdf")
        blocks = "".join(f"^XA^FO50,50^FD{i}^FS^XZ\n" for i in shipment_ids)
        return LabelFile(blocks.encode(), "text/plain")

    async def shipment_details(
        self, account_id: int, shipment_id: int, currency_id: str, seller_id: int | None
    ) -> ShipmentDetails:
        """§6.4 as the sandbox answers it: another seller's or an unknown shipment has
        none of the parts (403/404), and no delays; else the history of its current
        status, what the buyer pays and the seller the rest of the list cost, a carrier
        once it has a tracking number, no SLA (set `details` for more)."""
        seller = self._seller(account_id, "shipment_details", shipment_id)
        owner, shipment = self.shipments.get(shipment_id, (None, None))
        if shipment is None or owner != seller:
            return ShipmentDetails(delays=())
        if shipment_id in self.details:
            return self.details[shipment_id]
        buyer = shipment.cost or Money.zero(currency_id)
        listed = shipment.list_cost or buyer
        carrier = None if shipment.tracking_number is None else Carrier("Correo")
        return ShipmentDetails(
            history=(ShipmentEvent(shipment.status.value, shipment.substatus),),
            delays=(),
            costs=ShipmentCosts(
                listed, CostShare(None, buyer), CostShare(seller_id, listed - buyer)
            ),
            carrier=carrier,
        )

    async def ready_to_ship(self, account_id: int, shipment_id: int) -> None:
        seller = self._seller(account_id, "ready_to_ship", shipment_id)
        if shipment_id not in self.shipments:
            raise NotFound("shipment", shipment_id)
        owner, shipment = self.shipments[shipment_id]
        if owner != seller or shipment.mode is not ShippingMode.ME2:
            raise Forbidden("At least one policy returned UNAUTHORIZED")
        if shipment.status is ShipmentStatus.HANDLING:
            moved = evolve(
                shipment, status=ShipmentStatus.READY_TO_SHIP, substatus="ready_to_print"
            )
            self.shipments[shipment_id] = (owner, moved)

    async def update_tracking(
        self,
        account_id: int,
        shipment_id: int,
        status: str,
        tracking_number: str,
        tracking_url: str | None,
        when: datetime,
        *,
        substatus: str | None = None,
        comment: str | None = None,
        service_id: int | None = None,
    ) -> None:
        seller = self._seller(account_id, "update_tracking", (shipment_id, status))
        if shipment_id not in self.shipments:
            raise NotFound("shipment", shipment_id)
        owner, shipment = self.shipments[shipment_id]
        if owner != seller:
            raise Forbidden("At least one policy returned UNAUTHORIZED")
        final = ("delivered", "not_delivered", "cancelled")
        if (
            shipment.mode not in (ShippingMode.ME1, ShippingMode.CUSTOM)
            or shipment.status.value in final
            or status not in ("shipped", "delivered", "not_delivered")
        ):
            raise ValidationFailed(
                [FieldProblem("status", f"shipment {shipment_id} takes no such update")]
            )
        moved = evolve(
            shipment,
            status=ShipmentStatus(status),
            substatus=substatus,
            tracking_number=tracking_number,
            last_updated=when,
        )
        self.shipments[shipment_id] = (owner, moved)

    async def shipping_options(self, account_id: int, item_id: str, zip_code: str) -> ShippingQuote:
        self._seller(account_id, "shipping_options", (item_id, zip_code))
        if item_id not in self.listings:
            raise NotFound("item", item_id)
        if not zip_code.strip():
            raise ValidationFailed([FieldProblem("zip_code", "is required")])
        _, price = self.listings[item_id]
        list_cost = Money.of(1500, price.currency_id)
        # Free for the buyer from a price on, as the sandbox does [INF].
        cost = Money.zero(price.currency_id) if price.amount >= 100_000 else list_cost
        option = ShippingOption("Estándar a domicilio", cost, list_cost, 1, 73328)
        return ShippingQuote(zip_code, (option,))

    async def free_shipping_cost(self, account_id: int, seller_id: int, item_id: str) -> Money:
        seller = self._seller(account_id, "free_shipping_cost", item_id)
        if seller_id != seller:
            raise Forbidden("The caller is not the user")
        if item_id not in self.listings:
            raise NotFound("item", item_id)
        return Money.of(1500, self.listings[item_id][1].currency_id)

    def _own_order(self, account_id: int, call: str, order_id: int) -> Order:
        seller = self._seller(account_id, call, order_id)
        order = self.orders.get(order_id)
        if order is None:
            raise NotFound("order", order_id)
        if order.seller_id != seller:
            raise Forbidden("The user has not access to the order")
        return order

    def _note(self, order_id: int, note_id: str) -> int:
        for index, note in enumerate(self.notes_of.get(order_id, [])):
            if note.id == note_id:
                return index
        raise NotFound("note", note_id)

    async def notes(self, account_id: int, order_id: int) -> tuple[OrderNote, ...]:
        self._own_order(account_id, "notes", order_id)
        return tuple(self.notes_of.get(order_id, []))

    async def add_note(self, account_id: int, order_id: int, text: str) -> OrderNote:
        self._own_order(account_id, "add_note", order_id)
        if not text.strip() or len(text) > 300:
            raise ValidationFailed([FieldProblem("note", "1 to 300 characters")])
        self._note_ids += 1
        note = OrderNote(text, f"note{self._note_ids}", datetime(2026, 11, 27, tzinfo=UTC))
        self.notes_of.setdefault(order_id, []).append(note)
        return note

    async def update_note(
        self, account_id: int, order_id: int, note_id: str, text: str
    ) -> OrderNote:
        self._own_order(account_id, "update_note", order_id)
        index = self._note(order_id, note_id)
        note = evolve(self.notes_of[order_id][index], text=text)
        self.notes_of[order_id][index] = note
        return note

    async def delete_note(self, account_id: int, order_id: int, note_id: str) -> None:
        self._own_order(account_id, "delete_note", order_id)
        del self.notes_of[order_id][self._note(order_id, note_id)]

    async def payment_order_id(self, account_id: int, resource: str) -> int:
        seller = self._seller(account_id, "payment_order_id", resource)
        last = resource.partition("?")[0].rstrip("/").rsplit("/", 1)[-1]
        if not last.isdigit() or int(last) not in self.payments:
            raise NotFound("payment", resource)
        order_id = self.payments[int(last)]
        order = self.orders.get(order_id)
        if order is not None and order.seller_id != seller:
            raise Forbidden("The user has not access to the payment")
        return order_id
