"""§5: orders, the order search, packs, notes; and the payments they carry."""

from __future__ import annotations

from aiohttp import web

from sandbox.errors import bad_request, forbidden, not_found
from sandbox.http import access_of, json_body, path, respond, state_of
from sandbox.order_search import SORTS, OrderQuery, search_orders
from sandbox.orders import Order, check_note, order_forbidden, pack_not_found


def seller_order(request: web.Request) -> Order:
    """The order of the path; notes are the seller's own annotations [INF: 403 for the
    buyer]."""
    state = state_of(request)
    order = state.market.orders.visible(request.match_info["id"], access_of(request).user_id)
    if order.seller_id != access_of(request).user_id:
        raise order_forbidden()
    return order


async def search(request: web.Request) -> web.Response:
    """§5.3: GET /orders/search?seller=<caller>|buyer=<caller> with filters, sort and
    offset/limit paging; `results` are full order objects."""
    state = state_of(request)
    caller = access_of(request).user_id
    params = request.query
    role = "seller" if "seller" in params else "buyer" if "buyer" in params else None
    if role is None:
        raise bad_request("One of the parameters seller or buyer is required")
    raw = params[role]
    if not raw.isdigit():
        raise bad_request(f"Invalid {role}: {raw}")
    if int(raw) != caller:
        # §12.2: another user's orders [INF: the wording].
        raise forbidden(f"The caller is not allowed to see the orders of {role} {raw}")
    query = OrderQuery.parse(
        params,
        max_limit=state.config.orders_max_limit,
        hide_cancelled=state.config.orders_hide_cancelled and role == "seller",
    )
    book = state.market.orders
    orders = (book.by_seller if role == "seller" else book.by_buyer).get(caller, [])
    total, page = search_orders(orders, query, state.market.nickname)
    body = {
        "query": params.get("q"),
        "display": "complete",
        "paging": {"total": total, "offset": query.offset, "limit": query.limit},
        "results": [state.market.sales.order_view(o) for o in page],
        "sort": {"id": query.sort, "name": SORTS[query.sort]},
        "available_sorts": [{"id": k, "name": v} for k, v in SORTS.items() if k != query.sort],
        "filters": query.applied_filters(),
    }
    return respond(request, body)


async def get_order(request: web.Request) -> web.Response:
    """§5.1: GET /orders/{id}; 404 "Order does not exist", 403 for other users."""
    state = state_of(request)
    order = state.market.orders.visible(request.match_info["id"], access_of(request).user_id)
    return respond(request, state.market.sales.order_view(order))


async def order_shipments(request: web.Request) -> web.Response:
    """§5.6: GET /orders/{id}/shipments, the hosted view `[{id, type}]` (204 when the
    order has no shipment)."""
    state = state_of(request)
    order = state.market.orders.visible(request.match_info["id"], access_of(request).user_id)
    if order.shipment_id is None:
        return web.Response(status=204)
    return respond(request, [{"id": order.shipment_id, "type": "forward"}])


async def get_pack(request: web.Request) -> web.Response:
    """§5.4: GET /packs/{id}; 404 "Order do not exists", 403 for other users."""
    state = state_of(request)
    pack = state.market.orders.pack(request.match_info["id"])
    if pack is None:
        raise pack_not_found()
    if access_of(request).user_id not in (pack.seller_id, pack.buyer_id):
        raise order_forbidden()
    return respond(request, pack.as_json())


async def get_collection(request: web.Request) -> web.Response:
    """The resource of topic `payments` (§9.3: /collections/{id}), also served as
    /payments/{id} (Mercado Pago's path for the same payment) [INF: the payment as
    orders show it, §5.1]."""
    state = state_of(request)
    raw = request.match_info["id"]
    order = state.market.orders.payments.get(int(raw)) if raw.isdigit() else None
    if order is None:
        raise not_found(f"Payment {raw} not found")
    if access_of(request).user_id not in (order.seller_id, order.buyer_id):
        raise forbidden("The user has not access to the payment")
    payment = next(p for p in order.payments if p.id == int(raw))
    return respond(request, payment.as_json())


# -- notes (§5.5) [INF: the response shapes are not documented] --------------------------------


def note_body(order: Order, note_json: dict) -> dict:
    return {"order_id": str(order.id), "note": note_json}


async def list_notes(request: web.Request) -> web.Response:
    """`[{"order_id": "...", "results": [{id, note, date_created, date_last_updated}]}]`."""
    order = seller_order(request)
    results = [n.as_json(order.site_id) for n in order.notes]
    return respond(request, [{"order_id": str(order.id), "results": results}], trimmed=False)


async def add_note(request: web.Request) -> web.Response:
    order = seller_order(request)
    text = check_note(await json_body(request))
    note = state_of(request).market.sales.add_note(order, text)
    return respond(request, note_body(order, note.as_json(order.site_id)), 201)


async def update_note(request: web.Request) -> web.Response:
    state = state_of(request)
    order = seller_order(request)
    note = state.market.sales.note(order, request.match_info["note_id"])
    note.text = check_note(await json_body(request))
    note.last_updated = state.clock.now()
    return respond(request, note_body(order, note.as_json(order.site_id)))


async def delete_note(request: web.Request) -> web.Response:
    state = state_of(request)
    order = seller_order(request)
    note = state.market.sales.note(order, request.match_info["note_id"])
    order.notes.remove(note)
    return respond(request, {"order_id": str(order.id), "note_id": note.id, "deleted": True})


def register(app: web.Application) -> None:
    router = app.router
    router.add_get("/orders/search", search)
    router.add_get(path("/orders/{id:number}"), get_order)
    router.add_get(path("/orders/{id:number}/shipments"), order_shipments)
    router.add_get(path("/orders/{id:number}/notes"), list_notes)
    router.add_post(path("/orders/{id:number}/notes"), add_note)
    router.add_put(path("/orders/{id:number}/notes/{note_id}"), update_note)
    router.add_delete(path("/orders/{id:number}/notes/{note_id}"), delete_note)
    router.add_get(path("/packs/{id:number}"), get_pack)
    router.add_get(path("/collections/{id:number}"), get_collection)
    router.add_get(path("/payments/{id:number}"), get_collection)
