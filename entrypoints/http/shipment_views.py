"""The JSON shape of GET /orders/{order_id}/shipment: the stored shipment and what
MercadoLibre tells about it now (§6.4). Amounts are decimal strings in the shipment's
currency; a part MercadoLibre does not have is null."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import attrs

from application.orders.get_order_shipment import OrderShipment
from domain.money import Money
from domain.shipment_details import CostShare, ShipmentCosts
from entrypoints.http.order_views import ShipmentView, shipment_view


def _amount(money: Money | None) -> Decimal | None:
    return None if money is None else money.amount


@attrs.define(frozen=True)
class ShipmentEventView:
    status: str
    substatus: str | None
    date: datetime | None


@attrs.define(frozen=True)
class DelayView:
    type: str
    date: datetime | None
    source: str | None


@attrs.define(frozen=True)
class CostShareView:
    """What one party pays (`cost`, after `discount`) and is compensated."""

    user_id: int | None
    cost: Decimal
    discount: Decimal | None
    compensation: Decimal | None


@attrs.define(frozen=True)
class CostsView:
    """§6.4 `/costs`: what the buyer and the seller pay of the shipment."""

    currency_id: str | None
    gross_amount: Decimal | None
    buyer: CostShareView | None
    seller: CostShareView | None


@attrs.define(frozen=True)
class SlaView:
    """§6.4 `/sla`: on_time, delayed, early or insuficient_info."""

    status: str
    service: str | None
    expected_date: datetime | None
    last_updated: datetime | None


@attrs.define(frozen=True)
class CarrierView:
    name: str | None
    url: str | None


@attrs.define(frozen=True)
class OrderShipmentView(ShipmentView):
    """The shipment as last stored, with its status history, delays, costs, SLA and
    carrier as MercadoLibre answers them now (§6.4); null where it has none."""

    history: list[ShipmentEventView] | None
    delays: list[DelayView] | None
    costs: CostsView | None
    sla: SlaView | None
    carrier: CarrierView | None


def _share(share: CostShare | None) -> CostShareView | None:
    if share is None:
        return None
    return CostShareView(
        share.user_id, share.cost.amount, _amount(share.discount), _amount(share.compensation)
    )


def _costs(costs: ShipmentCosts | None) -> CostsView | None:
    if costs is None:
        return None
    amounts = [costs.gross_amount, *(s.cost for s in (costs.buyer, costs.seller) if s)]
    currency_id = next((m.currency_id for m in amounts if m is not None), None)
    return CostsView(
        currency_id, _amount(costs.gross_amount), _share(costs.buyer), _share(costs.seller)
    )


def order_shipment_view(found: OrderShipment) -> OrderShipmentView:
    details = found.details
    sla, carrier = details.sla, details.carrier
    return OrderShipmentView(
        **attrs.asdict(shipment_view(found.shipment), recurse=False),
        history=None
        if details.history is None
        else [ShipmentEventView(e.status, e.substatus, e.date) for e in details.history],
        delays=None
        if details.delays is None
        else [DelayView(d.type, d.date, d.source) for d in details.delays],
        costs=_costs(details.costs),
        sla=None
        if sla is None
        else SlaView(sla.status, sla.service, sla.expected_date, sla.last_updated),
        carrier=None if carrier is None else CarrierView(carrier.name, carrier.url),
    )
