"""Listings: the local copy, publishing and changing them, and the catalogue sync."""

from __future__ import annotations

import re
from decimal import Decimal

import attrs
from aiohttp import web

from application import jobs
from application.errors import FieldProblem, ValidationFailed
from application.listings.commands import CreateListingCommand, UpdateListingCommand, VariationInput
from application.queries import ListingQuery
from domain.inventory import StockOutcome, StockRequest
from domain.listings import ListingStatus
from domain.sync import SyncTrigger
from entrypoints.http.context import container_of
from entrypoints.http.converter import json_response, read_body
from entrypoints.http.endpoints import Endpoint, Param, Reply
from entrypoints.http.listing_views import (
    Accepted,
    CategoryPredictions,
    ListingHealthView,
    ListingPage,
    ListingView,
    StockResultView,
    health_view,
    listing_view,
    predictions_view,
    stock_result_view,
)
from entrypoints.http.params import (
    PAGING_PARAMS,
    paging,
    path_str,
    query_enum,
    query_int,
    query_str,
)
from entrypoints.http.problems import RequestInvalid
from entrypoints.http.views import PageInfo

_ITEM_ID = re.compile(r"^[A-Z]{3}\d{1,19}$")


@attrs.define
class PictureBody:
    """A picture by URL (`source`) or by MercadoLibre picture id (`id`)."""

    source: str | None = None
    id: str | None = None


@attrs.define
class AttributeBody:
    id: str
    value_name: str


@attrs.define
class VariationBody:
    """A variation; with `id` it changes an existing one, without it adds one."""

    attribute_combinations: list[AttributeBody] = attrs.field(factory=list)
    price: Decimal | None = None
    available_quantity: int | None = None
    picture_ids: list[str] = attrs.field(factory=list)
    seller_sku: str | None = None
    id: int | None = None


@attrs.define
class ShippingBody:
    mode: str | None = None
    free_shipping: bool = False
    local_pick_up: bool = False


@attrs.define
class CreateProductBody:
    """A new listing. `available_quantity` is the seller's stock; MercadoLibre shows it
    minus the safety stock."""

    account_id: int
    title: str
    category_id: str
    price: Decimal
    available_quantity: int
    condition: str = "new"
    pictures: list[PictureBody] = attrs.field(factory=list)
    description: str | None = None
    shipping: ShippingBody | None = None
    variations: list[VariationBody] = attrs.field(factory=list)
    attributes: list[AttributeBody] = attrs.field(factory=list)
    listing_type_id: str = "gold_special"
    buying_mode: str = "buy_it_now"
    currency_id: str | None = None
    video_id: str | None = None
    seller_sku: str | None = None
    safety_stock: int | None = None


@attrs.define
class UpdateProductBody:
    """Only the fields given change; variations left out are kept, never deleted."""

    title: str | None = None
    price: Decimal | None = None
    available_quantity: int | None = None
    pictures: list[PictureBody] | None = None
    attributes: list[AttributeBody] | None = None
    variations: list[VariationBody] | None = None
    description: str | None = None
    video_id: str | None = None
    shipping: ShippingBody | None = None


@attrs.define
class StockBody:
    """The seller's stock for the listing, or for one of its variations."""

    quantity: int
    variation_id: int | None = None
    safety_stock: int | None = None


@attrs.define
class AccountBody:
    account_id: int


def item_id_of(request: web.Request) -> str:
    item_id = path_str(request, "item_id")
    if not _ITEM_ID.match(item_id):
        raise RequestInvalid(
            f"invalid item id {item_id!r}",
            [{"field": "item_id", "reason": "must look like MLA1234567890"}],
        )
    return item_id


def _pictures(pictures: list[PictureBody] | None) -> tuple[str, ...] | None:
    if pictures is None:
        return None
    result = []
    for index, picture in enumerate(pictures):
        value = picture.source or picture.id
        if not value:
            raise ValidationFailed([FieldProblem(f"pictures[{index}]", "needs source or id")])
        result.append(value)
    return tuple(result)


def _pairs(attributes: list[AttributeBody] | None) -> tuple[tuple[str, str], ...] | None:
    if attributes is None:
        return None
    return tuple((a.id, a.value_name) for a in attributes)


def _variations(variations: list[VariationBody] | None) -> tuple[VariationInput, ...] | None:
    if variations is None:
        return None
    return tuple(
        VariationInput(
            _pairs(v.attribute_combinations) or (),
            v.price,
            v.available_quantity,
            tuple(v.picture_ids),
            v.seller_sku,
            v.id,
        )
        for v in variations
    )


async def list_products(request: web.Request) -> web.Response:
    status = query_enum(request, "status", ListingStatus)
    query = ListingQuery(
        account_id=query_int(request, "account_id", minimum=1),
        status=status.value if status else None,
        title=query_str(request, "q"),
        sku=query_str(request, "sku"),
        include_removed=query_str(request, "include_removed") in ("1", "true"),
        paging=paging(request),
    )
    page = await container_of(request).list_listings()(query)
    return json_response(
        ListingPage(
            [listing_view(item) for item in page.items],
            PageInfo(page.total, page.offset, page.limit),
        )
    )


async def get_product(request: web.Request) -> web.Response:
    found = await container_of(request).get_listing()(item_id_of(request))
    return json_response(listing_view(found.listing, found.stock))


async def create_product(request: web.Request) -> web.Response:
    body = await read_body(request, CreateProductBody)
    shipping = body.shipping
    command = CreateListingCommand(
        account_id=body.account_id,
        title=body.title,
        category_id=body.category_id,
        price=body.price,
        available_quantity=body.available_quantity,
        condition=body.condition,
        listing_type_id=body.listing_type_id,
        buying_mode=body.buying_mode,
        currency_id=body.currency_id,
        pictures=_pictures(body.pictures) or (),
        description=body.description,
        shipping_mode=shipping.mode if shipping else None,
        free_shipping=shipping.free_shipping if shipping else False,
        local_pick_up=shipping.local_pick_up if shipping else False,
        variations=_variations(body.variations) or (),
        attributes=_pairs(body.attributes) or (),
        video_id=body.video_id,
        seller_sku=body.seller_sku,
        safety_stock=body.safety_stock,
    )
    created = await container_of(request).create_listing()(command)
    return json_response(listing_view(created.listing, created.stock), status=201)


async def update_product(request: web.Request) -> web.Response:
    body = await read_body(request, UpdateProductBody)
    command = UpdateListingCommand(
        item_id=item_id_of(request),
        title=body.title,
        price=body.price,
        available_quantity=body.available_quantity,
        pictures=_pictures(body.pictures),
        attributes=_pairs(body.attributes),
        variations=_variations(body.variations),
        description=body.description,
        video_id=body.video_id,
        shipping_mode=body.shipping.mode if body.shipping else None,
        free_shipping=body.shipping.free_shipping if body.shipping else None,
    )
    updated = await container_of(request).update_listing()(command)
    return json_response(listing_view(updated.listing, updated.stock))


async def update_stock(request: web.Request) -> web.Response:
    body = await read_body(request, StockBody)
    if body.quantity < 0:
        raise ValidationFailed([FieldProblem("quantity", "must be zero or more")])
    result = await container_of(request).update_stock()(
        StockRequest(item_id_of(request), body.quantity, body.variation_id, body.safety_stock)
    )
    if result.outcome is StockOutcome.REJECTED:
        raise ValidationFailed(
            [FieldProblem("quantity", result.reason or "rejected")], "the stock update was refused"
        )
    return json_response(stock_result_view(result))


async def pause_product(request: web.Request) -> web.Response:
    paused = await container_of(request).change_listing_status()(
        item_id_of(request), ListingStatus.PAUSED
    )
    return json_response(listing_view(paused.listing, paused.stock))


async def activate_product(request: web.Request) -> web.Response:
    active = await container_of(request).change_listing_status()(
        item_id_of(request), ListingStatus.ACTIVE
    )
    return json_response(listing_view(active.listing, active.stock))


async def delete_product(request: web.Request) -> web.Response:
    deleted = await container_of(request).delete_listing()(item_id_of(request))
    return json_response(listing_view(deleted.listing, deleted.stock))


async def product_health(request: web.Request) -> web.Response:
    health = await container_of(request).get_listing_health()(item_id_of(request))
    return json_response(health_view(health))


async def predict_category(request: web.Request) -> web.Response:
    site_id = (query_str(request, "site_id", 3) or "").upper()
    title = query_str(request, "title", 200) or ""
    predictions = await container_of(request).predict_category()(site_id, title)
    return json_response(predictions_view(predictions))


async def sync_products(request: web.Request) -> web.Response:
    body = await read_body(request, AccountBody)
    requested = await container_of(request).request_sync()(
        jobs.SyncCatalogue(body.account_id, SyncTrigger.API)
    )
    return json_response(
        Accepted(
            "sync_products",
            f"/sync-logs?account_id={body.account_id}&kind=products",
            account_id=body.account_id,
            sync_log_id=requested.id,
        ),
        status=202,
    )


ITEM = Param("item_id", "MercadoLibre item id, e.g. MLA1136716168", location="path")
NOT_FOUND = Reply("No such listing in the local copy")

ENDPOINTS = (
    Endpoint(
        "GET",
        "/products",
        list_products,
        "Listings from the local copy",
        "products",
        params=(
            Param("account_id", "Only this account's listings", "integer"),
            Param("status", "Only this status", enum=tuple(s.value for s in ListingStatus)),
            Param("q", "Words in the title (case-insensitive)"),
            Param("sku", "Seller SKU"),
            Param("include_removed", "Also listings gone from MercadoLibre (true)"),
            *PAGING_PARAMS,
        ),
        replies={200: Reply("A page of listings", ListingPage)},
    ),
    Endpoint(
        "POST",
        "/products",
        create_product,
        "Publish a listing",
        "products",
        body=CreateProductBody,
        description="Validated locally first (required fields, site currency and "
        "precision, title length, pictures, variations, plain-text description); "
        "MercadoLibre's own refusals come back as 422 with its causes.",
        replies={
            201: Reply("The published listing", ListingView),
            422: Reply("Refused; every problem is named"),
        },
    ),
    Endpoint(
        "GET",
        "/products/{item_id}",
        get_product,
        "One listing with its stock",
        "products",
        params=(ITEM,),
        replies={200: Reply("The listing", ListingView), 404: NOT_FOUND},
    ),
    Endpoint(
        "PUT",
        "/products/{item_id}",
        update_product,
        "Change a listing",
        "products",
        params=(ITEM,),
        body=UpdateProductBody,
        description="Only the fields given change; variations left out are kept. "
        "Quantities are written like a stock update. Once a listing has variations its "
        "stock is per variation only. The answer has the same shape as GET, stock "
        "included. A closed or removed (deleted) listing cannot change: 409 naming its "
        "state (status, sub_status, removed_at), and MercadoLibre is not called.",
        replies={
            200: Reply("The listing as MercadoLibre now has it, with its stock", ListingView),
            404: NOT_FOUND,
            409: Reply("The listing is closed or removed"),
            422: Reply("Refused"),
        },
    ),
    Endpoint(
        "DELETE",
        "/products/{item_id}",
        delete_product,
        "Close, then delete a listing",
        "products",
        params=(ITEM,),
        description="The local copy is kept, as MercadoLibre then shows it: status "
        '`closed`, sub_status `["deleted"]`, and `removed_at`. Idempotent: deleting it '
        "again answers 200 with the same listing, its first `removed_at` kept, without "
        "calling MercadoLibre.",
        replies={
            200: Reply("The deleted listing (kept locally, marked removed)", ListingView),
            404: NOT_FOUND,
        },
    ),
    Endpoint(
        "PATCH",
        "/products/{item_id}/stock",
        update_stock,
        "Set a listing's stock",
        "inventory",
        params=(ITEM,),
        body=StockBody,
        description="Recorded in the stock ledger; MercadoLibre gets the quantity minus "
        "the safety stock; the write is read back and a mismatch reported. A closed or "
        "removed listing's stock cannot change: 409, naming its status.",
        replies={
            200: Reply("The outcome", StockResultView),
            404: NOT_FOUND,
            409: Reply(
                "The listing is closed or removed, or MercadoLibre refused the change in "
                "the listing's state"
            ),
            422: Reply("Refused"),
            429: Reply("MercadoLibre's rate limit; retry later"),
            503: Reply("MercadoLibre could not be reached; nothing was stored"),
        },
    ),
    Endpoint(
        "POST",
        "/products/{item_id}/pause",
        pause_product,
        "Pause a listing",
        "products",
        params=(ITEM,),
        replies={
            200: Reply("The paused listing", ListingView),
            404: NOT_FOUND,
            409: Reply("Closed"),
        },
    ),
    Endpoint(
        "POST",
        "/products/{item_id}/activate",
        activate_product,
        "Reactivate a paused listing",
        "products",
        params=(ITEM,),
        replies={
            200: Reply("The active listing", ListingView),
            404: NOT_FOUND,
            409: Reply("Closed"),
            422: Reply("No stock"),
        },
    ),
    Endpoint(
        "GET",
        "/products/{item_id}/health",
        product_health,
        "Listing quality",
        "products",
        params=(ITEM,),
        description="Read from MercadoLibre (§4.12), which scores only live listings: a "
        "closed or removed (deleted) listing has no health, a 409 naming its state "
        "(status, sub_status, removed_at), and MercadoLibre is not called.",
        replies={
            200: Reply("Health and open goals", ListingHealthView),
            404: NOT_FOUND,
            409: Reply("The listing is closed or removed"),
        },
    ),
    Endpoint(
        "GET",
        "/categories/predict",
        predict_category,
        "Predict a category from a title",
        "products",
        params=(
            Param("site_id", "Site, e.g. MLA", required=True),
            Param("title", "The listing's title", required=True),
        ),
        replies={200: Reply("Categories, most likely first", CategoryPredictions)},
    ),
    Endpoint(
        "POST",
        "/products/sync",
        sync_products,
        "Sync an account's catalogue",
        "products",
        body=AccountBody,
        description="Stored as a queued run (a sync log) before its job is sent, so it "
        "runs even if the queue was down; follow it at `/sync-logs/{sync_log_id}` (or "
        "`status_url`). A catalogue sync of the account still queued is the answer "
        "instead of a second one.",
        replies={202: Reply("Queued", Accepted), 404: Reply("No such account")},
    ),
)
