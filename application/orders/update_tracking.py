from __future__ import annotations

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


@attrs.define(frozen=True)
class TrackingUpdate:
    tracking_number: str
    status: str
    tracking_url: str | None = None


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
        )
        fresh = await self._gateway.get_shipment(order.account_id, shipment.id)
        async with self._uow() as uow:
            await store_reads(uow, OrderReads(shipments=(fresh,)))
            await uow.commit()
        return fresh
