"""Closing a listing without deleting it, and relisting a closed one."""

from __future__ import annotations

from decimal import Decimal

import attrs
from aiohttp import web

from application.listings.relist_listing import RelistCommand, RelistVariationInput
from application.listings.validation import LISTING_TYPES
from entrypoints.http.context import container_of
from entrypoints.http.converter import json_response, read_body
from entrypoints.http.endpoints import MAX_ID, Endpoint, Reply, limited
from entrypoints.http.listing_views import ListingView, listing_view
from entrypoints.http.routes.product_bodies import PRICE, QUANTITY
from entrypoints.http.routes.products import ITEM, NOT_FOUND, item_id_of


@attrs.define
class RelistVariationBody:
    id: int = limited(minimum=1, maximum=MAX_ID)
    price: Decimal | None = limited(None, **PRICE)
    quantity: int | None = limited(None, **QUANTITY)


@attrs.define
class RelistBody:
    """What changes in the relisted listing; what is left out is kept: the listing type,
    the price, and the seller's stored stock (`quantity` is the seller's count: the
    safety stock is kept back). A listing with variations is relisted per variation
    (`variations`, all of them when left out)."""

    listing_type_id: str | None = limited(None, enum=tuple(sorted(LISTING_TYPES)))
    price: Decimal | None = limited(None, **PRICE)
    quantity: int | None = limited(None, **QUANTITY)
    variations: list[RelistVariationBody] = limited(factory=list, max_items=250)


async def close_product(request: web.Request) -> web.Response:
    closed = await container_of(request).close_listing()(item_id_of(request))
    return json_response(listing_view(closed.listing, closed.stock))


async def relist_product(request: web.Request) -> web.Response:
    body = await read_body(request, RelistBody)
    command = RelistCommand(
        item_id=item_id_of(request),
        listing_type_id=body.listing_type_id,
        price=body.price,
        quantity=body.quantity,
        variations=tuple(RelistVariationInput(v.id, v.price, v.quantity) for v in body.variations),
    )
    relisted = await container_of(request).relist_listing()(command)
    return json_response(listing_view(relisted.listing, relisted.stock), status=201)


ENDPOINTS = (
    Endpoint(
        "POST",
        "/products/{item_id}/close",
        close_product,
        "Close a listing without deleting it",
        "products",
        calls_mercadolibre=True,
        params=(ITEM,),
        description="MercadoLibre stops selling it; a closed listing is final but can be "
        "relisted. Idempotent: a listing already closed locally is answered without "
        "calling MercadoLibre. A listing removed from MercadoLibre is a 409.",
        replies={
            200: Reply("The closed listing, with its stock", ListingView),
            404: NOT_FOUND,
            409: Reply("Removed from MercadoLibre, or the account must be connected again"),
        },
    ),
    Endpoint(
        "POST",
        "/products/{item_id}/relist",
        relist_product,
        "Publish a closed listing again",
        "products",
        calls_mercadolibre=True,
        params=(ITEM,),
        body=RelistBody,
        description="MercadoLibre publishes a NEW listing with a new item id; the answer is "
        "that listing, stored with `relisted_from` naming the closed one, which stays "
        "closed (find the new one from the old with GET /products?relisted_from=). Not "
        "repeated after a failure that leaves the outcome unknown: check "
        "GET /products?relisted_from= after the next catalogue sync before trying again.",
        replies={
            201: Reply("The new listing, with its stock", ListingView),
            404: NOT_FOUND,
            409: Reply("The listing is not closed (close it first), or was removed"),
            422: Reply("Refused; every problem is named"),
        },
    ),
)
