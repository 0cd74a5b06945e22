"""§6: shipments, their sub-resources, labels and shipping costs."""

from __future__ import annotations

from aiohttp import web

from sandbox.errors import api_error, bad_request, forbidden, not_found
from sandbox.http import access_of, json_body, path, respond, state_of, user_id_param
from sandbox.labels import render_pdf, render_zpl
from sandbox.shipment_statuses import check_status, statuses_json
from sandbox.shipment_tracking import carrier_json, delays_json, sla_json
from sandbox.shipment_views import (
    costs_json,
    free_shipping_json,
    history_json,
    items_json,
    legacy_shipment_json,
    shipment_json,
    shipping_options_json,
)
from sandbox.shipments import (
    LABEL_LOGISTIC_TYPES,
    Shipment,
    dimensions_of,
    shipment_forbidden,
    shipment_not_found,
)

# §6.3: shipment ids per label call [INF: the cap is undocumented].
MAX_LABELS = 50
RESPONSE_TYPES = ("pdf", "zpl2")


def visible_shipment(request: web.Request) -> Shipment:
    """The shipment of the path for its seller or buyer; 404 / 403 (§5.4 texts)."""
    raw = request.match_info["id"]
    shipment = state_of(request).market.shipping.shipment_of(raw)
    if shipment is None:
        raise shipment_not_found(raw)
    if access_of(request).user_id not in (shipment.seller_id, shipment.buyer_id):
        raise shipment_forbidden()
    return shipment


def wants_new_format(request: web.Request) -> bool:
    """§0.3, §6.1: the header `x-format-new: true` asks for the new shape."""
    return request.headers.get("x-format-new", "").strip().lower() == "true"


async def get_shipment(request: web.Request) -> web.Response:
    """§6.1: GET /shipments/{id}: the new shape with `x-format-new: true`, the legacy
    shape without it (§0.3)."""
    market = state_of(request).market
    shipment = visible_shipment(request)
    shape = shipment_json if wants_new_format(request) else legacy_shipment_json
    body = shape(shipment, market.user(shipment.seller_id), market.user(shipment.buyer_id))
    return respond(request, body)


async def history(request: web.Request) -> web.Response:
    return respond(request, history_json(visible_shipment(request)), trimmed=False)


async def shipment_items(request: web.Request) -> web.Response:
    return respond(request, items_json(visible_shipment(request)), trimmed=False)


async def costs(request: web.Request) -> web.Response:
    return respond(request, costs_json(visible_shipment(request)))


async def delays(request: web.Request) -> web.Response:
    """§6.4 `/delays`: 404 "Delays Not Found for shipment" when there are none."""
    shipment = visible_shipment(request)
    body = delays_json(shipment, state_of(request).clock.now())
    if body is None:
        raise not_found(f"Delays Not Found for shipment {shipment.id}")
    return respond(request, body)


async def sla(request: web.Request) -> web.Response:
    """§6.4 `/sla`: not for cancelled or fulfillment shipments [INF: 404 and its text]."""
    shipment = visible_shipment(request)
    body = sla_json(shipment, state_of(request).clock.now())
    if body is None:
        raise not_found(f"SLA not found for shipment {shipment.id}")
    return respond(request, body)


async def carrier(request: web.Request) -> web.Response:
    """§6.4 `/carrier`: `{url, name}` [INF: 404 until there is a tracking number]."""
    shipment = visible_shipment(request)
    body = carrier_json(shipment)
    if body is None:
        raise not_found(f"Carrier not found for shipment {shipment.id}")
    return respond(request, body)


async def shipment_payments(request: web.Request) -> web.Response:
    """§6.4 `/payments`: `[{payment_id, user_id, amount, status}]`; the shipment must
    belong to a pack [INF: 400 otherwise, and the text]."""
    state = state_of(request)
    shipment = visible_shipment(request)
    orders = [o for o in (state.market.orders.get(i) for i in shipment.order_ids) if o]
    if not any(o.pack_id is not None for o in orders):
        raise bad_request(f"Shipment {shipment.id} does not belong to a pack")
    body = [
        {"payment_id": p.id, "user_id": p.payer_id, "amount": p.amount, "status": p.status}
        for order in orders
        for p in order.payments
    ]
    return respond(request, body, trimmed=False)


async def statuses(request: web.Request) -> web.Response:
    return respond(request, statuses_json(), trimmed=False)


async def ready_to_ship(request: web.Request) -> web.Response:
    """§5.4: POST /shipments/{id}/process/ready_to_ship ("Ya tengo el producto"): ME2
    only, answers `{"status":200}` [INF: it moves a handling shipment to
    ready_to_ship/ready_to_print]."""
    state = state_of(request)
    shipment = visible_shipment(request)
    if shipment.seller_id != access_of(request).user_id or shipment.mode != "me2":
        raise shipment_forbidden()
    if shipment.status == "handling":
        state.market.shipping.advance(shipment, "ready_to_ship", "ready_to_print")
    return respond(request, {"status": 200})


ME1_STATUSES = ("shipped", "delivered", "not_delivered")


async def seller_notifications(request: web.Request) -> web.Response:
    """§6.4 ME1 status updates: POST /shipments/{id}/seller_notifications
    {payload:{service_id, comment, date}, tracking_number, tracking_url, status, substatus}
    -> {"status":"OK"}. ME1 (and custom [INF]) shipments only; `not_delivered` and
    `delivered` are final [INF: the error texts]."""
    state = state_of(request)
    shipment = visible_shipment(request)
    if shipment.seller_id != access_of(request).user_id:
        raise shipment_forbidden()
    if shipment.mode not in ("me1", "custom"):
        raise bad_request(f"Shipment {shipment.id} is {shipment.mode}: only ME1 is updated")
    body = await json_body(request)
    if not isinstance(body, dict):
        raise bad_request("The body must be a JSON object")
    status = body.get("status")
    if status not in ME1_STATUSES:
        raise bad_request(f"Invalid status. Valid values: {', '.join(ME1_STATUSES)}")
    tracking = body.get("tracking_number")
    if not isinstance(tracking, str) or not tracking.strip():
        raise bad_request("The parameter tracking_number is required")
    substatus = body.get("substatus")
    if substatus is not None and not isinstance(substatus, str):
        raise bad_request("substatus must be a string")
    check_status(status, substatus)
    payload = body.get("payload", {})
    if not isinstance(payload, dict):
        raise bad_request("payload must be an object")
    service_id = payload.get("service_id")
    if service_id is not None and (not isinstance(service_id, int) or isinstance(service_id, bool)):
        raise bad_request("payload.service_id must be a number")
    if not isinstance(payload.get("comment", ""), str):
        raise bad_request("payload.comment must be a string")
    if shipment.status in ("delivered", "not_delivered", "cancelled"):
        raise bad_request(f"Shipment {shipment.id} is {shipment.status}: it takes no update")
    shipment.tracking_number = tracking.strip()
    state.market.shipping.advance(shipment, status, substatus)
    return respond(request, {"status": "OK"})


async def split(request: web.Request) -> web.Response:
    """§6.4: POST /shipments/{id}/split {reason, packs:[{orders:[{id, quantity}]}]} ->
    200 `{}`."""
    state = state_of(request)
    shipment = visible_shipment(request)
    if shipment.seller_id != access_of(request).user_id:
        raise shipment_forbidden()
    state.market.shipping.split(shipment, await json_body(request))
    return respond(request, {})


async def labels(request: web.Request) -> web.StreamResponse:
    """§6.3: GET /shipment_labels?shipment_ids=1,2&response_type=pdf|zpl2.

    A PDF with one page per label, or ZPL II text with one ^XA...^XZ block per label;
    only ME2 shipments of a label logistic type in ready_to_ship + ready_to_print or
    printed have one, otherwise the answer is a JSON error [INF: 400, the text and the
    cause list]. Printing moves ready_to_print to printed.
    """
    state = state_of(request)
    caller = access_of(request).user_id
    raw = request.query.get("shipment_ids", "")
    ids = [s.strip() for s in raw.split(",") if s.strip()]
    if not ids:
        raise bad_request("The parameter shipment_ids is required")
    if len(ids) > MAX_LABELS:
        raise bad_request(f"At most {MAX_LABELS} shipment_ids per call")
    for shipment_id in ids:
        if not shipment_id.isdigit():
            raise bad_request(f"Invalid shipment id format: {shipment_id}")
    response_type = request.query.get("response_type", "pdf")
    if response_type not in RESPONSE_TYPES:
        raise bad_request("Invalid response_type. Valid values: pdf, zpl2")
    shipments = []
    for shipment_id in dict.fromkeys(ids):
        shipment = state.market.shipping.shipment_of(shipment_id)
        if shipment is None:
            raise shipment_not_found(shipment_id)
        if shipment.seller_id != caller:
            raise shipment_forbidden()
        shipments.append(shipment)
    failed = [s for s in shipments if not s.printable]
    if failed:
        causes = [
            {
                "shipment_id": s.id,
                "status": s.status,
                "substatus": s.substatus,
                "mode": s.mode,
                "logistic_type": s.logistic_type,
                "code": "shipment.label.not_available",
            }
            for s in failed
        ]
        first = failed[0]
        raise api_error(
            400,
            "bad_request",
            f"Label not available for shipment {first.id} ({first.mode}, {first.logistic_type},"
            f" {first.status}/{first.substatus}): labels need Mercado Envíos 2 "
            f"({', '.join(LABEL_LOGISTIC_TYPES)}) in ready_to_ship with ready_to_print or "
            "printed",
            causes,
        )
    printed = state.market.shipping.print_labels(shipments)
    if response_type == "zpl2":
        return web.Response(
            text=render_zpl(printed),
            content_type="text/plain",
            headers={"Content-Disposition": 'attachment; filename="Etiqueta_de_envio.txt"'},
        )
    return web.Response(
        body=render_pdf(printed),
        content_type="application/pdf",
        headers={"Content-Disposition": 'attachment; filename="Etiqueta_de_envio.pdf"'},
    )


async def item_shipping_options(request: web.Request) -> web.Response:
    """§6.5: GET /items/{id}/shipping_options?zip_code= (the buyer's quote)."""
    item = state_of(request).item(request.match_info["id"])
    zip_code = request.query.get("zip_code", "").strip()
    if not zip_code:
        raise bad_request("The parameter zip_code is required")
    if not zip_code.replace("-", "").isalnum() or len(zip_code) > 12:
        raise bad_request(f"Invalid zip_code: {zip_code}")
    if item["status"] != "active":
        raise not_found(f"Item {item['id']} is not active; it has no shipping options")
    return respond(request, shipping_options_json(item, zip_code))


async def free_shipping_options(request: web.Request) -> web.Response:
    """§6.5: GET /users/{id}/shipping_options/free?item_id=|dimensions=HxWxL,weight."""
    state = state_of(request)
    user_id = user_id_param(request)
    user = state.user(user_id) if user_id is not None else None
    if user is None:
        raise not_found("User not found")
    if user.id != access_of(request).user_id:
        raise forbidden("The User ID must match the consultant's")
    item_id = request.query.get("item_id")
    dimensions = request.query.get("dimensions")
    if item_id:
        item = state.owned_item(item_id, user.id)
        weight = dimensions_of(item)[3]
    elif dimensions:
        try:
            box, weight_text = dimensions.split(",")
            [int(d) for d in box.lower().split("x")]
            weight = int(weight_text)
        except ValueError:
            raise bad_request(f"Invalid dimensions: {dimensions}. Use HxWxL,weight") from None
    else:
        raise bad_request("One of the parameters item_id or dimensions is required")
    verbose = request.query.get("verbose") == "true"
    return respond(request, free_shipping_json(user.site_id, weight, verbose=verbose))


def register(app: web.Application) -> None:
    router = app.router
    router.add_get("/shipment_statuses", statuses)
    router.add_get("/shipment_labels", labels)
    router.add_get(path("/shipments/{id:number}"), get_shipment)
    router.add_get(path("/shipments/{id:number}/history"), history)
    router.add_get(path("/shipments/{id:number}/items"), shipment_items)
    router.add_get(path("/shipments/{id:number}/costs"), costs)
    router.add_get(path("/shipments/{id:number}/delays"), delays)
    router.add_get(path("/shipments/{id:number}/sla"), sla)
    router.add_get(path("/shipments/{id:number}/carrier"), carrier)
    router.add_get(path("/shipments/{id:number}/payments"), shipment_payments)
    router.add_post(path("/shipments/{id:number}/process/ready_to_ship"), ready_to_ship)
    router.add_post(path("/shipments/{id:number}/split"), split)
    router.add_post(path("/shipments/{id:number}/seller_notifications"), seller_notifications)
    router.add_get(path("/items/{id:item}/shipping_options"), item_shipping_options)
    router.add_get(path("/users/{user_id:number}/shipping_options/free"), free_shipping_options)
