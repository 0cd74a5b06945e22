"""Orders, their shipments and packs (mercadolibre-api.md §5, §6), from the local copy
the notifications and the reconciliation keep; every read scoped to the connected
accounts."""

from __future__ import annotations

from datetime import datetime

from aiohttp import web

from application.orders.print_labels import FORMATS
from application.orders.update_tracking import TrackingUpdate
from application.orders.views import OrderFilter
from domain.orders import OrderStatus
from domain.shipments import ShipmentStatus
from entrypoints.http.context import container_of
from entrypoints.http.converter import json_response, read_body
from entrypoints.http.endpoints import MAX_ID, Endpoint, Param, Reply
from entrypoints.http.order_views import (
    FreeCostView,
    NoteList,
    NoteView,
    OrderDetailView,
    OrderPage,
    QuoteView,
    ShipmentView,
    order_detail_view,
    order_view,
    shipment_view,
    shipping_quote_view,
)
from entrypoints.http.params import (
    PAGING_PARAMS,
    paging,
    path_int,
    path_str,
    query_enum,
    query_int,
    query_str,
)
from entrypoints.http.problems import RequestInvalid
from entrypoints.http.routes.order_bodies import (
    LabelsBody,
    NoteBody,
    TrackingBody,
    label_response,
)
from entrypoints.http.shipment_views import OrderShipmentView, order_shipment_view
from entrypoints.http.views import PageInfo

TAG = "orders"
FORMAT = Param("format", "pdf (default) or zpl (ZPL II text)", enum=FORMATS)


NOTE_ID = Param(
    "note_id", "MercadoLibre's note id", location="path", max_length=64, pattern=r"^[A-Za-z0-9_-]+$"
)


ORDER_ID = Param.id("order_id", "MercadoLibre's order id")
ACCOUNT = Param.id("account_id", "Only this connected account's orders", "query")
STATUS = Param.choice("status", "Only orders in this status (§5.2)", OrderStatus)
SHIPMENT_STATUS = Param.choice(
    "shipment_status", "Only orders whose shipment is in this status (§6.2)", ShipmentStatus
)
PACK_ID = Param.id("pack_id", "Only the orders of this pack (cart)", "query")
TAG_PARAM = Param("tag", "Only orders with this tag (paid, delivered, ...)", max_length=64)
TEXT = Param(
    "q",
    "The order id, a listing id or title, or the buyer's nickname; without regard to "
    "case or accents",
    max_length=200,
)
MOMENT = (
    r"^([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,9})?)?"
    r"(Z|[+-][0-9]{2}:?[0-9]{2}))?$"
)
CREATED_FROM = Param(
    "from",
    "Created at or after (ISO-8601 with offset)",
    max_length=40,
    pattern=MOMENT,
    hint="2026-11-30T10:00:00-03:00",
)
CREATED_TO = Param(
    "to",
    "Created at or before (ISO-8601 with offset)",
    max_length=40,
    pattern=MOMENT,
    hint="2026-11-30T10:00:00-03:00",
)


def _when(request: web.Request, param: Param) -> datetime | None:
    raw = query_str(request, param)
    if raw is None:
        return None
    try:
        return datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise RequestInvalid(
            f"invalid parameter {param.name}",
            [{"field": param.name, "reason": "is not a real date and time"}],
            status=422,
        ) from None


async def list_orders(request: web.Request) -> web.Response:
    status = query_enum(request, STATUS, OrderStatus)
    shipment_status = query_enum(request, SHIPMENT_STATUS, ShipmentStatus)
    given = OrderFilter(
        account_id=query_int(request, ACCOUNT),
        status=None if status is None else status.value,
        created_from=_when(request, CREATED_FROM),
        created_to=_when(request, CREATED_TO),
        text=query_str(request, TEXT),
        pack_id=query_int(request, PACK_ID),
        shipment_status=None if shipment_status is None else shipment_status.value,
        tag=query_str(request, TAG_PARAM),
    )
    page = await container_of(request).list_orders()(given, paging(request))
    return json_response(
        OrderPage(
            [order_view(o) for o in page.items], PageInfo(page.total, page.offset, page.limit)
        )
    )


async def get_order(request: web.Request) -> web.Response:
    detail = await container_of(request).get_order()(path_int(request, ORDER_ID))
    return json_response(order_detail_view(detail))


async def get_order_shipment(request: web.Request) -> web.Response:
    found = await container_of(request).get_order_shipment()(path_int(request, ORDER_ID))
    return json_response(order_shipment_view(found))


async def get_shipping_label(request: web.Request) -> web.Response:
    fmt = query_str(request, FORMAT) or "pdf"
    order_id = path_int(request, ORDER_ID)
    printed = await container_of(request).print_labels()([order_id], fmt)
    return label_response(printed)


async def print_labels(request: web.Request) -> web.Response:
    body = await read_body(request, LabelsBody)
    if (body.order_ids is None) == (body.shipment_ids is None):
        raise RequestInvalid(
            "name orders or shipments",
            [{"field": "order_ids", "reason": "give exactly one of order_ids and shipment_ids"}],
            status=422,
        )
    field, ids = (
        ("order_ids", body.order_ids)
        if body.order_ids is not None
        else ("shipment_ids", body.shipment_ids or [])
    )
    if any(not 1 <= i <= MAX_ID for i in ids):
        raise RequestInvalid(
            f"invalid {field}",
            [{"field": field, "reason": "each must be a positive 64-bit id"}],
            status=422,
        )
    container = container_of(request)
    if body.order_ids is not None:
        return label_response(await container.print_labels()(ids, body.format))
    printed = await container.print_shipment_labels()(ids, body.format)
    return label_response(printed, by_shipment=True)


async def list_notes(request: web.Request) -> web.Response:
    notes = await container_of(request).list_order_notes()(path_int(request, ORDER_ID))
    return json_response(NoteList([NoteView(n.id, n.text, n.date_created) for n in notes]))


async def add_note(request: web.Request) -> web.Response:
    body = await read_body(request, NoteBody)
    note = await container_of(request).add_order_note()(path_int(request, ORDER_ID), body.note)
    return json_response(NoteView(note.id, note.text, note.date_created), status=201)


async def update_note(request: web.Request) -> web.Response:
    body = await read_body(request, NoteBody)
    note = await container_of(request).update_order_note()(
        path_int(request, ORDER_ID), path_str(request, NOTE_ID), body.note
    )
    return json_response(NoteView(note.id, note.text, note.date_created))


async def delete_note(request: web.Request) -> web.Response:
    await container_of(request).delete_order_note()(
        path_int(request, ORDER_ID), path_str(request, NOTE_ID)
    )
    return web.Response(status=204)


async def ready_to_ship(request: web.Request) -> web.Response:
    shipment = await container_of(request).mark_ready_to_ship()(path_int(request, ORDER_ID))
    return json_response(shipment_view(shipment))


async def update_tracking(request: web.Request) -> web.Response:
    body = await read_body(request, TrackingBody)
    shipment = await container_of(request).update_tracking()(
        path_int(request, ORDER_ID),
        TrackingUpdate(
            body.tracking_number,
            body.status,
            body.tracking_url,
            substatus=body.substatus,
            comment=body.comment,
            service_id=body.service_id,
        ),
    )
    return json_response(shipment_view(shipment))


ITEM_ID = Param(
    "item_id",
    "A listing of a connected account",
    required=True,
    max_length=32,
    pattern=r"^[A-Z]{3}[0-9]{1,20}$",
    hint="MLA1234567890",
)
ZIP_CODE = Param(
    "zip_code",
    "The buyer's zip code",
    required=True,
    max_length=16,
    pattern=r"^[A-Za-z0-9 -]{1,16}$",
    hint="1414",
)


async def shipping_options(request: web.Request) -> web.Response:
    item_id = query_str(request, ITEM_ID)
    zip_code = query_str(request, ZIP_CODE)
    assert item_id is not None and zip_code is not None  # required: the reader checks
    quote = await container_of(request).quote_shipping()(item_id, zip_code)
    return json_response(shipping_quote_view(item_id, quote))


async def free_shipping_cost(request: web.Request) -> web.Response:
    item_id = query_str(request, ITEM_ID)
    assert item_id is not None
    free = await container_of(request).quote_free_shipping()(item_id)
    return json_response(FreeCostView(free.item_id, free.cost.amount, free.cost.currency_id))


NOTE_REPLIES = {
    404: Reply("No such order (or not of a connected account), or no such note"),
    422: Reply("A note of more than 300 characters, or empty, or MercadoLibre refused"),
    503: Reply("MercadoLibre is down (Retry-After); for a new note, read the notes back"),
}

LABEL_REPLIES = {
    200: Reply(
        "The labels (application/pdf; ZPL II as text/plain); X-Labels-Left-Out lists the "
        "orders left out with their reasons",
        content_type="application/pdf",
    ),
    404: Reply("No such order (or not of a connected account)"),
    409: Reply("No label to print: the shipment's status and substatus say why (§6.3)"),
    503: Reply("MercadoLibre is down; nothing was printed (Retry-After)"),
}

ENDPOINTS = (
    Endpoint(
        "GET",
        "/orders",
        list_orders,
        "The connected accounts' orders, newest first",
        TAG,
        params=(
            ACCOUNT,
            STATUS,
            CREATED_FROM,
            CREATED_TO,
            TEXT,
            PACK_ID,
            SHIPMENT_STATUS,
            TAG_PARAM,
            *PAGING_PARAMS,
        ),
        description="From the local copy the notifications and the order reconciliation "
        "keep. Amounts are decimal strings in the order's currency; timestamps keep the "
        "offset MercadoLibre gave them.",
        replies={
            200: Reply("A page of orders", OrderPage),
            404: Reply("No such account"),
            422: Reply("A date that names no moment (2026-13-40)"),
        },
    ),
    Endpoint(
        "GET",
        "/orders/{order_id}",
        get_order,
        "One order with its items, payments, shipment summary, pack and sibling orders",
        TAG,
        params=(ORDER_ID,),
        replies={
            200: Reply("The order", OrderDetailView),
            404: Reply("No such order (or not of a connected account)"),
        },
    ),
    Endpoint(
        "GET",
        "/orders/{order_id}/shipment",
        get_order_shipment,
        "The order's shipment: tracking, history, delays, costs, SLA and carrier",
        TAG,
        params=(ORDER_ID,),
        description="The shipment as last stored (status, substatus, tracking number and "
        "method, when printable), with its status history, delays, what the buyer and the "
        "seller pay, the delivery promise (SLA) and the carrier as MercadoLibre answers "
        "them now (§6.4). A part MercadoLibre does not have for the shipment (no SLA for "
        "fulfillment, no carrier yet) is null; no delays is an empty list.",
        replies={
            200: Reply("The shipment", OrderShipmentView),
            404: Reply("No such order, or it has no shipment"),
            503: Reply("MercadoLibre is down (Retry-After)"),
        },
        calls_mercadolibre=True,
    ),
    Endpoint(
        "GET",
        "/orders/{order_id}/shipping-label",
        get_shipping_label,
        "The order's (or its pack's) shipping label, as PDF or ZPL",
        TAG,
        params=(ORDER_ID, FORMAT),
        description="Only for ME2 shipments of a label logistic type that are "
        "ready_to_ship + ready_to_print or printed (§6.3); otherwise a 409 names the "
        "shipment's status and substatus, and when it becomes printable if MercadoLibre "
        "said so. A JSON answer from MercadoLibre instead of a label is an error, never "
        "a file.",
        replies=LABEL_REPLIES,
        calls_mercadolibre=True,
    ),
    Endpoint(
        "POST",
        "/shipping/labels",
        print_labels,
        "The labels of up to 50 orders or shipments in one PDF or ZPL file, in one "
        "MercadoLibre call",
        TAG,
        body=LabelsBody,
        description='`{"order_ids": [...]}` or `{"shipment_ids": [...]}` (exactly one). '
        "Each is checked first on the stored shipment (§6.3); those left out are listed "
        "with their reasons in X-Labels-Left-Out (`[{order_id|shipment_id, reason}]`), "
        "the ones printed in X-Labels-Printed.",
        replies={
            **LABEL_REPLIES,
            404: Reply("No order (or shipment) named is of a connected account"),
            422: Reply("More than 50 ids, none, or both order_ids and shipment_ids"),
        },
        calls_mercadolibre=True,
    ),
    Endpoint(
        "GET",
        "/orders/{order_id}/notes",
        list_notes,
        "The seller's notes on an order, as MercadoLibre has them now",
        TAG,
        params=(ORDER_ID,),
        replies={200: Reply("The notes", NoteList), **NOTE_REPLIES},
        calls_mercadolibre=True,
    ),
    Endpoint(
        "POST",
        "/orders/{order_id}/notes",
        add_note,
        "Add a note to an order (at most 300 characters, checked first)",
        TAG,
        params=(ORDER_ID,),
        body=NoteBody,
        replies={201: Reply("The note added", NoteView), **NOTE_REPLIES},
        calls_mercadolibre=True,
    ),
    Endpoint(
        "PUT",
        "/orders/{order_id}/notes/{note_id}",
        update_note,
        "Change a note's text",
        TAG,
        params=(ORDER_ID, NOTE_ID),
        body=NoteBody,
        replies={200: Reply("The note", NoteView), **NOTE_REPLIES},
        calls_mercadolibre=True,
    ),
    Endpoint(
        "DELETE",
        "/orders/{order_id}/notes/{note_id}",
        delete_note,
        "Delete a note",
        TAG,
        params=(ORDER_ID, NOTE_ID),
        replies={204: Reply("Deleted"), **NOTE_REPLIES},
        calls_mercadolibre=True,
    ),
    Endpoint(
        "POST",
        "/orders/{order_id}/ready-to-ship",
        ready_to_ship,
        '"I have the product": an ME2 shipment moves to ready to print',
        TAG,
        params=(ORDER_ID,),
        replies={
            200: Reply("The shipment as MercadoLibre shows it now", ShipmentView),
            404: Reply("No such order, or it has no shipment"),
            409: Reply("Not an ME2 shipment (its mode says which)"),
            503: Reply("MercadoLibre is down (Retry-After)"),
        },
        calls_mercadolibre=True,
    ),
    Endpoint(
        "POST",
        "/orders/{order_id}/tracking",
        update_tracking,
        "Tracking and status of an ME1 or custom shipment (shipped, delivered, not_delivered)",
        TAG,
        params=(ORDER_ID,),
        body=TrackingBody,
        replies={
            200: Reply("The shipment as MercadoLibre shows it now", ShipmentView),
            404: Reply("No such order, or it has no shipment"),
            409: Reply("An ME2 shipment, or one already delivered, not delivered or cancelled"),
            422: Reply("Invalid tracking number, address or status, or MercadoLibre refused"),
            503: Reply("MercadoLibre is down (Retry-After)"),
        },
        calls_mercadolibre=True,
    ),
    Endpoint(
        "GET",
        "/shipping/options",
        shipping_options,
        "The shipping methods and costs a buyer at a zip code would see for a listing",
        TAG,
        params=(ITEM_ID, ZIP_CODE),
        replies={
            200: Reply("The options", QuoteView),
            404: Reply("No such listing of a connected account"),
            422: Reply("MercadoLibre refused (its message)"),
            503: Reply("MercadoLibre is down (Retry-After)"),
        },
        calls_mercadolibre=True,
    ),
    Endpoint(
        "GET",
        "/shipping/free-cost",
        free_shipping_cost,
        "What offering free shipping of a listing costs its seller",
        TAG,
        params=(ITEM_ID,),
        replies={
            200: Reply("The cost", FreeCostView),
            404: Reply("No such listing of a connected account"),
            422: Reply("MercadoLibre refused (its message)"),
            503: Reply("MercadoLibre is down (Retry-After)"),
        },
        calls_mercadolibre=True,
    ),
)
