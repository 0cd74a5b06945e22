"""Bulk stock updates and the inventory sync."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs
from aiohttp import web
from cattrs.gen import make_dict_structure_fn

from application import jobs
from application.jobs import job_name
from application.queries import InventoryQuery
from domain.inventory import MAX_BATCH, MAX_QUANTITY, StockRequest
from domain.sync import SyncTrigger
from entrypoints.http.context import container_of
from entrypoints.http.converter import converter, json_response, read_body
from entrypoints.http.endpoints import MAX_ID, Endpoint, Param, Reply, limited
from entrypoints.http.listing_views import (
    Accepted,
    BatchAccepted,
    StockBatchView,
    stock_batch_view,
)
from entrypoints.http.params import PAGING_PARAMS, paging, path_int, query_int, query_str
from entrypoints.http.problems import RequestInvalid
from entrypoints.http.routes.product_bodies import ITEM_ID_HINT, ITEM_ID_PATTERN, AccountBody
from entrypoints.http.views import PageInfo


@attrs.define
class StockUpdateBody:
    item_id: str = limited(pattern=ITEM_ID_PATTERN, hint=ITEM_ID_HINT)
    quantity: int = limited(minimum=0, maximum=MAX_QUANTITY)
    variation_id: int | None = limited(None, minimum=1, maximum=MAX_ID)
    safety_stock: int | None = limited(None, minimum=0, maximum=MAX_QUANTITY)


@attrs.define
class BulkUpdateBody:
    """Up to 100 stock updates, applied by a background job."""

    updates: list[StockUpdateBody] = limited(min_items=1, max_items=MAX_BATCH)


UPDATES_SHAPE = "must be a list of {item_id, quantity, variation_id?, safety_stock?}"
_structure_bulk_update_fields = make_dict_structure_fn(BulkUpdateBody, converter)


def _structure_bulk_update(data: Any, cls: type[BulkUpdateBody]) -> BulkUpdateBody:
    """Refuse `updates` that is not a list of objects with one clear problem: cattrs
    would iterate a mapping or a string and report each key or character as a broken
    update (`updates[0]: 'str' object has no attribute 'keys'`)."""
    updates = data.get("updates") if isinstance(data, dict) else None
    if (
        isinstance(data, dict)
        and "updates" in data
        and not (isinstance(updates, list) and all(isinstance(u, dict) for u in updates))
    ):
        raise RequestInvalid(
            "the body does not match the expected shape",
            [{"field": "updates", "reason": UPDATES_SHAPE}],
            status=422,
        )
    return _structure_bulk_update_fields(data, cls)


converter.register_structure_hook(BulkUpdateBody, _structure_bulk_update)


async def bulk_update(request: web.Request) -> web.Response:
    body = await read_body(request, BulkUpdateBody)
    requests = [
        StockRequest(u.item_id, u.quantity, u.variation_id, u.safety_stock) for u in body.updates
    ]
    batch = await container_of(request).submit_stock_batch()(requests)
    return json_response(
        BatchAccepted("apply_stock_batch", f"/inventory/bulk-update/{batch.id}", batch.id),
        status=202,
    )


BATCH = Param.id("batch_id", "Batch id")
VIEW_PARAMS = (
    Param.id("account_id", "Only this account's stock", location="query"),
    Param(
        "below",
        "Only levels whose publishable quantity is under this",
        "integer",
        minimum=0,
        maximum=MAX_QUANTITY + 1,
    ),
    Param("sku", "Only the listings with this seller SKU", max_length=255),
    *PAGING_PARAMS,
)
VIEW_ACCOUNT, VIEW_BELOW, VIEW_SKU = VIEW_PARAMS[:3]


@attrs.define(frozen=True)
class InventoryLineView:
    """One stock level: `quantity` is the seller's count, `safety_stock` what is held
    back, `publishable` what MercadoLibre shows (the difference, at least 0)."""

    item_id: str
    variation_id: int | None
    account_id: int
    title: str
    status: str
    seller_sku: str | None
    quantity: int
    safety_stock: int
    publishable: int
    updated_at: datetime | None


@attrs.define(frozen=True)
class InventoryPage:
    results: list[InventoryLineView]
    paging: PageInfo


async def list_inventory(request: web.Request) -> web.Response:
    query = InventoryQuery(
        account_id=query_int(request, VIEW_ACCOUNT),
        below=query_int(request, VIEW_BELOW),
        sku=query_str(request, VIEW_SKU),
        paging=paging(request),
    )
    page = await container_of(request).list_stock_levels()(query)
    return json_response(
        InventoryPage(
            [
                InventoryLineView(
                    line.level.item_id,
                    line.level.variation_id,
                    line.account_id,
                    line.title,
                    line.status,
                    line.seller_sku,
                    line.level.quantity,
                    line.level.safety_stock,
                    line.level.publishable,
                    line.level.updated_at,
                )
                for line in page.items
            ],
            PageInfo(page.total, page.offset, page.limit),
        )
    )


async def get_batch(request: web.Request) -> web.Response:
    batch = await container_of(request).get_stock_batch()(path_int(request, BATCH))
    return json_response(stock_batch_view(batch))


async def sync_inventory(request: web.Request) -> web.Response:
    body = await read_body(request, AccountBody)
    requested = await container_of(request).request_sync()(
        jobs.SyncInventory(body.account_id, SyncTrigger.API)
    )
    return json_response(
        Accepted(
            job_name(jobs.SyncInventory),
            f"/sync-logs?account_id={body.account_id}&kind=inventory",
            account_id=body.account_id,
            sync_log_id=requested.id,
        ),
        status=202,
    )


ENDPOINTS = (
    Endpoint(
        "GET",
        "/inventory",
        list_inventory,
        "Stock levels with what MercadoLibre shows",
        "inventory",
        params=VIEW_PARAMS,
        description="From the local copy: per listing and variation, the seller's count, "
        "the safety stock and the publishable quantity, for listings still on "
        "MercadoLibre; by account, listing and variation. `below=N`: only levels "
        "whose publishable quantity is under N.",
        replies={200: Reply("A page of stock levels", InventoryPage)},
    ),
    Endpoint(
        "POST",
        "/inventory/bulk-update",
        bulk_update,
        "Update many stock levels",
        "inventory",
        body=BulkUpdateBody,
        description=f"At most {MAX_BATCH} updates (more is a 422, and nothing is "
        "applied). Answers at once; the job records a result per update: applied, "
        "unchanged, rejected with the reason, superseded by a later request, "
        "mismatch, or failed (MercadoLibre could not be written; the error is the "
        "reason).",
        replies={202: Reply("Queued", BatchAccepted), 422: Reply("Refused")},
    ),
    Endpoint(
        "GET",
        "/inventory/bulk-update/{batch_id}",
        get_batch,
        "A bulk update and its results",
        "inventory",
        params=(BATCH,),
        replies={
            200: Reply("Status and one result per update", StockBatchView),
            404: Reply("No such batch"),
        },
    ),
    Endpoint(
        "POST",
        "/inventory/sync",
        sync_inventory,
        "Reconcile an account's stock",
        "inventory",
        body=AccountBody,
        description="Reads stock only and repairs drift without overselling. Stored "
        "as a queued run (a sync log) before its job is sent; follow it at "
        "`/sync-logs/{sync_log_id}`.",
        replies={
            202: Reply("Queued", Accepted),
            404: Reply("No such account"),
            409: Reply("The account must be connected again"),
        },
    ),
)
