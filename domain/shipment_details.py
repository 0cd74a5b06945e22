"""What MercadoLibre tells about a shipment beyond its status (mercadolibre-api.md §6.4):
its status history, its delays, what the buyer and the seller pay, the delivery promise
(SLA) and the carrier. Each part is None when MercadoLibre has none for the shipment."""

from __future__ import annotations

from datetime import datetime

import attrs

from domain.common import aware
from domain.money import Money


@attrs.define(frozen=True)
class ShipmentEvent:
    """One step of `/shipments/{id}/history`: `{status, substatus, date}`."""

    status: str
    substatus: str | None = None
    date: datetime | None = attrs.field(default=None, validator=aware)


@attrs.define(frozen=True)
class ShipmentDelay:
    """One entry of `/shipments/{id}/delays`: `{type, date, source}` (handling_delayed,
    sla_delayed, ...)."""

    type: str
    date: datetime | None = attrs.field(default=None, validator=aware)
    source: str | None = None


@attrs.define(frozen=True)
class CostShare:
    """What one party pays of a shipment (`/costs`' `receiver` or a `senders` entry):
    `cost` after `discount` (the promoted amounts MercadoLibre takes off) and what it is
    compensated."""

    user_id: int | None
    cost: Money
    discount: Money | None = None
    compensation: Money | None = None


@attrs.define(frozen=True)
class ShipmentCosts:
    """§6.4 `/costs`: the shipment's gross amount, the buyer's share and the seller's."""

    gross_amount: Money | None
    buyer: CostShare | None = None
    seller: CostShare | None = None


@attrs.define(frozen=True)
class ShipmentSla:
    """§6.4 `/sla`: whether the shipment is on time (on_time, delayed, early,
    insuficient_info), for which service, and by when it is expected."""

    status: str
    service: str | None = None
    expected_date: datetime | None = attrs.field(default=None, validator=aware)
    last_updated: datetime | None = attrs.field(default=None, validator=aware)


@attrs.define(frozen=True)
class Carrier:
    """§6.4 `/carrier`: `{name, url}`."""

    name: str | None
    url: str | None = None


@attrs.define(frozen=True)
class ShipmentDetails:
    """The §6.4 sub-resources of one shipment as MercadoLibre answers them now. `delays`
    is empty when MercadoLibre has none (its 404 "Delays Not Found"); any part is None
    when MercadoLibre has no such resource for the shipment (no SLA for fulfillment or
    cancelled shipments, no carrier yet...)."""

    history: tuple[ShipmentEvent, ...] | None = None
    delays: tuple[ShipmentDelay, ...] | None = None
    costs: ShipmentCosts | None = None
    sla: ShipmentSla | None = None
    carrier: Carrier | None = None
