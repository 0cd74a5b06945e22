from __future__ import annotations

import re

import attrs

from application.errors import Conflict, FieldProblem, NotFound, ValidationFailed
from application.orders.record_orders import OrderReads, store_reads
from application.orders.scope import visible_order
from application.ports.clock import Clock
from application.ports.order_gateway import OrderGateway
from application.ports.unit_of_work import UnitOfWorkFactory
from domain.shipments import Shipment, ShippingMode

TRACKING_STATUSES = ("shipped", "delivered", "not_delivered")
MAX_TRACKING_NUMBER = 255  # meli_shipments.tracking_number
MAX_TRACKING_URL = 500
MAX_SUBSTATUS = 64  # meli_shipments.substatus
# §6.2's substatuses are lower-case identifiers (and the list is open: customs ones).
SUBSTATUS_PATTERN = r"^[a-z][a-z0-9_]*$"
MAX_COMMENT = 500  # [INF: MercadoLibre documents no limit]


@attrs.define(frozen=True)
class TrackingUpdate:
    """§6.4 ME1 status update: `substatus` one of §6.2's for the status, `comment` the
    seller's words, `service_id` the carrier's service at MercadoLibre."""

    tracking_number: str
    status: str
    tracking_url: str | None = None
    substatus: str | None = None
    comment: str | None = None
    service_id: int | None = None


def _problems(update: TrackingUpdate) -> list[FieldProblem]:
    problems = []
    if update.status not in TRACKING_STATUSES:
        problems.append(FieldProblem("status", f"must be one of {', '.join(TRACKING_STATUSES)}"))
    number = update.tracking_number.strip()
    if not number or len(number) > MAX_TRACKING_NUMBER:
        problems.append(FieldProblem("tracking_number", f"1 to {MAX_TRACKING_NUMBER} characters"))
    url = update.tracking_url
    if url is not None and (
        len(url) > MAX_TRACKING_URL or not url.startswith(("https://", "http://"))
    ):
        problems.append(
            FieldProblem("tracking_url", f"an http(s) address of at most {MAX_TRACKING_URL}")
        )
    substatus = update.substatus
    if substatus is not None and (
        len(substatus) > MAX_SUBSTATUS or re.fullmatch(SUBSTATUS_PATTERN, substatus) is None
    ):
        problems.append(
            FieldProblem(
                "substatus", f"a §6.2 substatus such as out_for_delivery (<= {MAX_SUBSTATUS})"
            )
        )
    if update.comment is not None and len(update.comment) > MAX_COMMENT:
        problems.append(FieldProblem("comment", f"at most {MAX_COMMENT} characters"))
    if update.service_id is not None and not 0 < update.service_id < 2**63:
        problems.append(FieldProblem("service_id", "a positive id"))
    return problems


class UpdateTracking:
    """Tell MercadoLibre where an ME1 or custom shipment is (§6.4 ME1 updates): its
    tracking number (and address) and `shipped`, `delivered` or `not_delivered`.
    Checked first (the values, and on the stored shipment: ME1 or custom, not final:
    Conflict), then the shipment is read again and stored."""

    def __init__(self, uow: UnitOfWorkFactory, gateway: OrderGateway, clock: Clock) -> None:
        self._uow = uow
        self._gateway = gateway
        self._clock = clock

    async def __call__(self, order_id: int, update: TrackingUpdate) -> Shipment:
        problems = _problems(update)
        if problems:
            raise ValidationFailed(problems)
        async with self._uow() as uow:
            order = await visible_order(uow, order_id)
            shipment = (
                None if order.shipping_id is None else await uow.shipments.find(order.shipping_id)
            )
        if shipment is None:
            raise NotFound("shipment of order", order_id)
        if shipment.mode not in (ShippingMode.ME1, ShippingMode.CUSTOM):
            raise Conflict(
                f"shipment {shipment.id} is {shipment.mode.value}: MercadoLibre tracks it "
                "itself; only ME1 and custom shipments take tracking updates"
            )
        if shipment.is_final:
            raise Conflict(
                f"shipment {shipment.id} is {shipment.status.value}: it takes no more updates"
            )
        await self._gateway.update_tracking(
            order.account_id,
            shipment.id,
            update.status,
            update.tracking_number.strip(),
            update.tracking_url,
            self._clock.now(),
            substatus=update.substatus,
            comment=update.comment,
            service_id=update.service_id,
        )
        fresh = await self._gateway.get_shipment(order.account_id, shipment.id)
        async with self._uow() as uow:
            await store_reads(uow, OrderReads(shipments=(fresh,)))
            await uow.commit()
        return fresh
