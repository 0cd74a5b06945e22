"""Listings: the local copy, publishing and changing them, and the catalogue sync."""

from __future__ import annotations

from aiohttp import web

from application import jobs
from application.errors import FieldProblem, ValidationFailed
from application.jobs import job_name
from application.listings.commands import UpdateListingCommand
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
    query_bool,
    query_enum,
    query_int,
    query_str,
)
from entrypoints.http.routes.product_bodies import (
    ITEM_ID_HINT,
    ITEM_ID_PATTERN,
    SITE_IDS,
    AccountBody,
    CreateProductBody,
    StockBody,
    UpdateProductBody,
    create_command,
    pairs_of,
    pictures_of,
    variations_of,
)
from entrypoints.http.views import PageInfo

LIST_PARAMS = (
    Param.id("account_id", "Only this account's listings", location="query"),
    Param.choice("status", "Only this status", ListingStatus),
    Param("q", "Words in the title (case-insensitive)", max_length=200),
    Param("sku", "Seller SKU", max_length=255),
    Param("include_removed", "Also listings gone from MercadoLibre (true)", "boolean"),
    Param(
        "relisted_from",
        "Only the listings that relisted this closed one",
        max_length=32,
        pattern=ITEM_ID_PATTERN,
        hint=ITEM_ID_HINT,
    ),
    *PAGING_PARAMS,
)
ACCOUNT_FILTER, STATUS, TITLE_WORDS, SKU, INCLUDE_REMOVED, RELISTED_FROM = LIST_PARAMS[:6]


ITEM = Param(
    "item_id",
    "MercadoLibre item id, e.g. MLA1136716168",
    location="path",
    pattern=ITEM_ID_PATTERN,
    hint=ITEM_ID_HINT,
)


def item_id_of(request: web.Request) -> str:
    return path_str(request, ITEM)


PREDICT_SITE = Param("site_id", "Site, e.g. MLA", required=True, enum=SITE_IDS)
PREDICT_TITLE = Param("title", "The listing's title", required=True, max_length=200)


async def list_products(request: web.Request) -> web.Response:
    status = query_enum(request, STATUS, ListingStatus)
    query = ListingQuery(
        account_id=query_int(request, ACCOUNT_FILTER),
        status=status.value if status else None,
        title=query_str(request, TITLE_WORDS),
        sku=query_str(request, SKU),
        include_removed=bool(query_bool(request, INCLUDE_REMOVED)),
        relisted_from=query_str(request, RELISTED_FROM),
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
    command = create_command(await read_body(request, CreateProductBody))
    created = await container_of(request).create_listing()(command)
    return json_response(listing_view(created.listing, created.stock), status=201)


async def update_product(request: web.Request) -> web.Response:
    body = await read_body(request, UpdateProductBody)
    command = UpdateListingCommand(
        item_id=item_id_of(request),
        title=body.title,
        price=body.price,
        available_quantity=body.available_quantity,
        pictures=pictures_of(body.pictures),
        attributes=pairs_of(body.attributes),
        variations=variations_of(body.variations),
        description=body.description,
        video_id=body.video_id,
        shipping_mode=body.shipping.mode if body.shipping else None,
        free_shipping=body.shipping.free_shipping if body.shipping else None,
    )
    updated = await container_of(request).update_listing()(command)
    return json_response(listing_view(updated.listing, updated.stock))


async def update_stock(request: web.Request) -> web.Response:
    body = await read_body(request, StockBody)
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
    site_id = query_str(request, PREDICT_SITE) or ""
    title = query_str(request, PREDICT_TITLE) or ""
    predictions = await container_of(request).predict_category()(site_id, title)
    return json_response(predictions_view(predictions))


async def sync_products(request: web.Request) -> web.Response:
    body = await read_body(request, AccountBody)
    requested = await container_of(request).request_sync()(
        jobs.SyncCatalogue(body.account_id, SyncTrigger.API)
    )
    return json_response(
        Accepted(
            job_name(jobs.SyncCatalogue),
            f"/sync-logs?account_id={body.account_id}&kind=products",
            account_id=body.account_id,
            sync_log_id=requested.id,
        ),
        status=202,
    )


NOT_FOUND = Reply("No such listing in the local copy")

ENDPOINTS = (
    Endpoint(
        "GET",
        "/products",
        list_products,
        "Listings from the local copy",
        "products",
        params=LIST_PARAMS,
        replies={200: Reply("A page of listings", ListingPage)},
    ),
    Endpoint(
        "POST",
        "/products",
        create_product,
        "Publish a listing",
        "products",
        calls_mercadolibre=True,
        body=CreateProductBody,
        description="Validated locally first (required fields, site currency and "
        "precision, title length, pictures, variations, plain-text description); "
        "MercadoLibre's own refusals come back as 422 with its causes.",
        replies={
            201: Reply("The published listing", ListingView),
            404: Reply("No such account"),
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
        calls_mercadolibre=True,
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
        calls_mercadolibre=True,
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
        calls_mercadolibre=True,
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
        calls_mercadolibre=True,
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
        calls_mercadolibre=True,
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
        calls_mercadolibre=True,
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
        calls_mercadolibre=True,
        params=(PREDICT_SITE, PREDICT_TITLE),
        replies={
            200: Reply("Categories, most likely first", CategoryPredictions),
            422: Reply("No connected account to ask MercadoLibre with"),
        },
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
        replies={
            202: Reply("Queued", Accepted),
            404: Reply("No such account"),
            409: Reply("The account must be connected again"),
        },
    ),
)
