"""Mercado Envios shipments: status, substatus, mode, logistic type (mercadolibre-api.md §6)."""

from __future__ import annotations

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

    @property
    def label_available(self) -> bool:
        return (
            self.mode is ShippingMode.ME2
            and self.logistic_type in LABEL_LOGISTIC_TYPES
            and self.status is ShipmentStatus.READY_TO_SHIP
            and self.substatus in PRINTABLE_SUBSTATUSES
        )

    def require_label(self) -> None:
        if not self.label_available:
            raise InvalidValue(
                "shipment",
                f"shipment {self.id} has no label yet (status {self.status.value}"
                f"/{self.substatus or '-'}, mode {self.mode.value})",
            )

    def move_to(self, status: ShipmentStatus, substatus: str | None = None) -> None:
        self.status = SHIPMENT_LIFECYCLE.check(self.status, status)
        self.substatus = substatus

    @property
    def is_final(self) -> bool:
        return SHIPMENT_LIFECYCLE.is_final(self.status)
