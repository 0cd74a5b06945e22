"""The bodies of the order routes' writes, and the answer that carries labels."""

from __future__ import annotations

import json

import attrs
from aiohttp import web

from application.orders.print_labels import FORMATS, PrintedLabels
from application.orders.update_tracking import (
    MAX_COMMENT,
    MAX_SUBSTATUS,
    MAX_TRACKING_NUMBER,
    MAX_TRACKING_URL,
    SUBSTATUS_PATTERN,
    TRACKING_STATUSES,
)
from application.ports.order_gateway import MAX_LABELS
from domain.orders import MAX_NOTE_LENGTH
from entrypoints.http.endpoints import limited

LEFT_OUT_HEADER = "X-Labels-Left-Out"


@attrs.define
class NoteBody:
    """`{"note"}`: 1 to 300 characters (§5.5), checked before MercadoLibre is called."""

    note: str = limited(min_length=1, max_length=MAX_NOTE_LENGTH)


@attrs.define
class TrackingBody:
    """An ME1 or custom shipment's tracking and status (§6.4)."""

    tracking_number: str = limited(min_length=1, max_length=MAX_TRACKING_NUMBER)
    status: str = limited(enum=TRACKING_STATUSES)
    tracking_url: str | None = limited(None, max_length=MAX_TRACKING_URL)
    substatus: str | None = limited(
        None, max_length=MAX_SUBSTATUS, pattern=SUBSTATUS_PATTERN, hint="out_for_delivery"
    )
    comment: str | None = limited(None, max_length=MAX_COMMENT)
    service_id: int | None = limited(None, minimum=1, maximum=2**63 - 1)


@attrs.define
class LabelsBody:
    """Up to 50 orders, or up to 50 shipments, whose labels go in one file: exactly one
    of `order_ids` and `shipment_ids`."""

    order_ids: list[int] | None = limited(None, min_items=1, max_items=MAX_LABELS)
    shipment_ids: list[int] | None = limited(None, min_items=1, max_items=MAX_LABELS)
    format: str = limited("pdf", enum=FORMATS)


def label_response(printed: PrintedLabels, by_shipment: bool = False) -> web.Response:
    """The file as MercadoLibre printed it; the orders (or shipments) printed, and those
    left out with their reasons in a header as JSON."""
    key = "shipment_id" if by_shipment else "order_id"
    left_out = [{key: o.asked, "reason": o.reason} for o in printed.left_out]
    ids = printed.shipment_ids if by_shipment else printed.order_ids
    headers = {"X-Labels-Printed": ",".join(str(i) for i in ids)}
    if left_out:
        headers[LEFT_OUT_HEADER] = json.dumps(left_out)
    return web.Response(
        body=printed.file.content, content_type=printed.file.content_type, headers=headers
    )
