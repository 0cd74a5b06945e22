"""Mercado Envios shipments: status, substatus, mode, logistic type (mercadolibre-api.md §6)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum

import attrs

from domain.common import aware
from domain.errors import InvalidValue
from domain.lifecycle import Lifecycle
from domain.money import Money


class ShipmentStatus(StrEnum):
    TO_BE_AGREED = "to_be_agreed"
    PENDING = "pending"
    HANDLING = "handling"
    READY_TO_SHIP = "ready_to_ship"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    NOT_DELIVERED = "not_delivered"
    CANCELLED = "cancelled"
    NOT_VERIFIED = "not_verified"
    CLOSED = "closed"
    ERROR = "error"
    ACTIVE = "active"
    NOT_SPECIFIED = "not_specified"
    STALE_READY_TO_SHIP = "stale_ready_to_ship"
    STALE_SHIPPED = "stale_shipped"


class ShippingMode(StrEnum):
    ME1 = "me1"
    ME2 = "me2"
    CUSTOM = "custom"
    NOT_SPECIFIED = "not_specified"


_H = ShipmentStatus
# The ME2 path of §6.2 plus the exits every stage has; delivered and cancelled are final.
SHIPMENT_LIFECYCLE: Lifecycle[ShipmentStatus] = Lifecycle(
    "shipment",
    {
        _H.TO_BE_AGREED: {_H.CANCELLED, _H.DELIVERED},
        _H.PENDING: {_H.HANDLING, _H.READY_TO_SHIP, _H.CANCELLED},
        _H.HANDLING: {_H.READY_TO_SHIP, _H.CANCELLED},
        _H.READY_TO_SHIP: {_H.SHIPPED, _H.NOT_DELIVERED, _H.CANCELLED, _H.STALE_READY_TO_SHIP},
        _H.STALE_READY_TO_SHIP: {_H.SHIPPED, _H.CANCELLED},
        _H.SHIPPED: {_H.DELIVERED, _H.NOT_DELIVERED, _H.STALE_SHIPPED},
        _H.STALE_SHIPPED: {_H.DELIVERED, _H.NOT_DELIVERED},
        _H.NOT_DELIVERED: set(),
        _H.DELIVERED: set(),
        _H.CANCELLED: set(),
    },
)

# The substatuses a label can be printed in (§6.3).
PRINTABLE_SUBSTATUSES = frozenset({"ready_to_print", "printed"})
LABEL_LOGISTIC_TYPES = frozenset({"drop_off", "xd_drop_off", "cross_docking", "self_service"})


@attrs.define
class Shipment:
    id: int
    account_id: int
    status: ShipmentStatus
    mode: ShippingMode = ShippingMode.ME2
    substatus: str | None = None
    logistic_type: str | None = None
    tracking_number: str | None = None
    tracking_method: str | None = None
    order_ids: tuple[int, ...] = attrs.field(default=(), converter=tuple)
    cost: Money | None = None
    receiver_zip_code: str | None = None
    date_created: datetime | None = attrs.field(default=None, validator=aware)
    last_updated: datetime | None = attrs.field(default=None, validator=aware)
    # What the buyer pays (lead_time.cost) and the list cost (§6.1); `cost` above.
    list_cost: Money | None = None
    cost_type: str | None = None
    shipping_method: str | None = None
    # When a pending/buffered shipment's label becomes printable (§6.3).
    buffering_date: datetime | None = attrs.field(default=None, validator=aware)
    pack_id: int | None = None
    tags: tuple[str, ...] = attrs.field(default=(), converter=tuple)
    # The shipment as MercadoLibre last sent it, for the fields not modelled (§6.1).
    raw: Mapping[str, object] = attrs.field(factory=dict, converter=dict, eq=False)

    def may_replace(self, stored: Shipment) -> bool:
        """Whether this read may replace the stored copy (newest `last_updated` wins; see
        Order.may_replace)."""
        if self.last_updated is None:
            return stored.last_updated is None
        return stored.last_updated is None or self.last_updated >= stored.last_updated

    def label_refusal(self) -> str | None:
        """Why no label can be printed now (§6.3), naming status and substatus, and when
        it becomes printable if MercadoLibre said so; None when it can be."""
        if self.label_available:
            return None
        state = f"status {self.status.value}, substatus {self.substatus or '-'}"
        if self.mode is not ShippingMode.ME2:
            return (
                f"shipment {self.id} is {self.mode.value}: only ME2 shipments have labels ({state})"
            )
        if self.logistic_type not in LABEL_LOGISTIC_TYPES:
            return (
                f"shipment {self.id} has logistic type {self.logistic_type or '-'}, which "
                f"MercadoLibre prints no label for ({state})"
            )
        reason = f"shipment {self.id} is not ready to print ({state})"
        if self.buffering_date is not None and self.status is ShipmentStatus.PENDING:
            reason += f"; printable from {self.buffering_date.isoformat()}"
        return reason

    @property
    def label_available(self) -> bool:
        return (
            self.mode is ShippingMode.ME2
            and self.logistic_type in LABEL_LOGISTIC_TYPES
            and self.status is ShipmentStatus.READY_TO_SHIP
            and self.substatus in PRINTABLE_SUBSTATUSES
        )

    def require_label(self) -> None:
        refusal = self.label_refusal()
        if refusal is not None:
            raise InvalidValue("shipment", refusal)

    def move_to(self, status: ShipmentStatus, substatus: str | None = None) -> None:
        self.status = SHIPMENT_LIFECYCLE.check(self.status, status)
        self.substatus = substatus

    @property
    def is_final(self) -> bool:
        return SHIPMENT_LIFECYCLE.is_final(self.status)
