"""Listings: the local copy, publishing and changing them, and the catalogue sync."""

from __future__ import annotations

from decimal import Decimal

import attrs
from aiohttp import web

from adapters.sql.types import AMOUNT_PRECISION, AMOUNT_SCALE
from application import jobs
from application.errors import FieldProblem, ValidationFailed
from application.jobs import job_name
from application.listings.commands import CreateListingCommand, UpdateListingCommand, VariationInput
from application.listings.validation import LISTING_TYPES, MAX_DESCRIPTION, MAX_PICTURES
from application.queries import ListingQuery
from domain.inventory import MAX_QUANTITY, StockOutcome, StockRequest
from domain.listings import Condition, ListingStatus
from domain.sites import SITES
from domain.sync import SyncTrigger
from entrypoints.http.context import container_of
from entrypoints.http.converter import json_response, read_body
from entrypoints.http.endpoints import MAX_ID, Endpoint, Param, Reply, limited
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
from entrypoints.http.views import PageInfo

# MercadoLibre item ids: the site's id and the item number (§0.3).
ITEM_ID_PATTERN = f"^(?:{'|'.join(sorted(SITES))})[0-9]{{1,19}}$"
ITEM_ID_HINT = "MLA1234567890"
# Within what the amount column holds (NUMERIC(20, 2)): its largest power of ten, which
# the OpenAPI document writes exactly (a JSON number is a double).
MAX_PRICE = Decimal(10) ** (AMOUNT_PRECISION - AMOUNT_SCALE - 1)
SITE_IDS = tuple(sorted(SITES))


# Only the bound of what can be stored: a price must also be positive, which the use
# case checks with every other rule of a listing, so that one answer names every problem.
PRICE = {"maximum": MAX_PRICE}
QUANTITY = {"minimum": 0, "maximum": MAX_QUANTITY}


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
    price: Decimal | None = limited(None, **PRICE)
    available_quantity: int | None = limited(None, **QUANTITY)
    picture_ids: list[str] = limited(factory=list, max_items=MAX_PICTURES)
    seller_sku: str | None = limited(None, max_length=255)
    id: int | None = limited(None, minimum=1, maximum=MAX_ID)


@attrs.define
class ShippingBody:
    mode: str | None = limited(None, max_length=32)
    free_shipping: bool = False
    local_pick_up: bool = False


@attrs.define
class CreateProductBody:
    """A new listing. `available_quantity` is the seller's stock; MercadoLibre shows it
    minus the safety stock."""

    account_id: int = limited(minimum=1, maximum=MAX_ID)
    title: str = limited(min_length=1)
    category_id: str = limited(min_length=1, max_length=32)
    price: Decimal = limited(**PRICE)
    available_quantity: int = limited(**QUANTITY)
    condition: str = limited("new", enum=tuple(c.value for c in Condition))
    pictures: list[PictureBody] = limited(factory=list, max_items=MAX_PICTURES)
    description: str | None = limited(None, max_length=MAX_DESCRIPTION)
    shipping: ShippingBody | None = None
    variations: list[VariationBody] = attrs.field(factory=list)
    attributes: list[AttributeBody] = attrs.field(factory=list)
    listing_type_id: str = limited("gold_special", enum=tuple(sorted(LISTING_TYPES)))
    buying_mode: str = limited("buy_it_now", enum=("auction", "buy_it_now", "classified"))
    currency_id: str | None = limited(None, pattern=r"^[A-Z]{3}$", hint="ARS")
    video_id: str | None = limited(None, max_length=255)
    seller_sku: str | None = limited(None, max_length=255)
    safety_stock: int | None = limited(None, **QUANTITY)


@attrs.define
class UpdateProductBody:
    """Only the fields given change; variations left out are kept, never deleted."""

    title: str | None = limited(None, min_length=1)
    price: Decimal | None = limited(None, **PRICE)
    available_quantity: int | None = limited(None, **QUANTITY)
    pictures: list[PictureBody] | None = limited(None, max_items=MAX_PICTURES)
    attributes: list[AttributeBody] | None = None
    variations: list[VariationBody] | None = None
    description: str | None = limited(None, max_length=MAX_DESCRIPTION)
    video_id: str | None = limited(None, max_length=255)
    shipping: ShippingBody | None = None


@attrs.define
class StockBody:
    """The seller's stock for the listing, or for one of its variations."""

    quantity: int = limited(**QUANTITY)
    variation_id: int | None = limited(None, minimum=1, maximum=MAX_ID)
    safety_stock: int | None = limited(None, **QUANTITY)


@attrs.define
class AccountBody:
    account_id: int = limited(minimum=1, maximum=MAX_ID)


def item_id_of(request: web.Request) -> str:
    return path_str(request, ITEM)


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


def create_command(body: CreateProductBody) -> CreateListingCommand:
    shipping = body.shipping
    return CreateListingCommand(
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
