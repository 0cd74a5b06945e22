"""What the order use cases return."""

from __future__ import annotations

from datetime import datetime

import attrs

from domain.orders import Order, Pack
from domain.shipments import Shipment


@attrs.define(frozen=True)
class OrderFilter:
    """GET /orders' filters (§5.3's and more); `created_from`/`created_to` inclusive."""

    account_id: int | None = None
    status: str | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    text: str | None = None
    pack_id: int | None = None
    shipment_status: str | None = None
    tag: str | None = None


@attrs.define(frozen=True)
class OrderDetail:
    """One order with its shipment and pack as stored, and the other orders of its pack
    (§5.4: only those of this seller are ever seen)."""

    order: Order
    shipment: Shipment | None = None
    pack: Pack | None = None
    sibling_ids: tuple[int, ...] = ()
