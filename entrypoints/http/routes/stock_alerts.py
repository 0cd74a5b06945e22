"""Low-stock thresholds per account or listing, and the alerts raised under them."""

from __future__ import annotations

from datetime import datetime

import attrs
from aiohttp import web

from domain.stock_alerts import MAX_THRESHOLD, LowStockAlert, StockThreshold
from entrypoints.http.context import container_of
from entrypoints.http.converter import json_response, read_body
from entrypoints.http.endpoints import Endpoint, Reply, limited
from entrypoints.http.params import path_int
from entrypoints.http.routes.accounts import ACCOUNT
from entrypoints.http.routes.products import ITEM, item_id_of


@attrs.define
class ThresholdBody:
    """Alert (`stock.low`) when a stock level's publishable quantity (count minus safety
    stock) is under `threshold`."""

    threshold: int = limited(minimum=1, maximum=MAX_THRESHOLD)


@attrs.define(frozen=True)
class ThresholdView:
    """`item_id` null: the account's threshold, for its listings without their own."""

    account_id: int
    item_id: str | None
    threshold: int
    updated_at: datetime | None


@attrs.define(frozen=True)
class AlertView:
    """A stock level under its threshold; raised once, until the level is back up."""

    item_id: str
    variation_id: int | None
    threshold: int
    publishable: int
    raised_at: datetime


@attrs.define(frozen=True)
class ThresholdsView:
    account_id: int
    thresholds: list[ThresholdView]
    alerts: list[AlertView]


def threshold_view(threshold: StockThreshold) -> ThresholdView:
    return ThresholdView(
        threshold.account_id, threshold.item_id, threshold.threshold, threshold.updated_at
    )


def alert_view(alert: LowStockAlert) -> AlertView:
    return AlertView(
        alert.item_id, alert.variation_id, alert.threshold, alert.publishable, alert.raised_at
    )


async def list_stock_thresholds(request: web.Request) -> web.Response:
    account_id = path_int(request, ACCOUNT)
    found = await container_of(request).list_stock_thresholds()(account_id)
    return json_response(
        ThresholdsView(
            account_id,
            [threshold_view(t) for t in found.thresholds],
            [alert_view(a) for a in found.alerts],
        )
    )


async def set_account_stock_threshold(request: web.Request) -> web.Response:
    body = await read_body(request, ThresholdBody)
    stored = await container_of(request).set_stock_threshold()(
        body.threshold, account_id=path_int(request, ACCOUNT)
    )
    return json_response(threshold_view(stored))


async def delete_account_stock_threshold(request: web.Request) -> web.Response:
    await container_of(request).delete_stock_threshold()(account_id=path_int(request, ACCOUNT))
    return web.Response(status=204)


async def set_product_stock_threshold(request: web.Request) -> web.Response:
    body = await read_body(request, ThresholdBody)
    stored = await container_of(request).set_stock_threshold()(
        body.threshold, item_id=item_id_of(request)
    )
    return json_response(threshold_view(stored))


async def delete_product_stock_threshold(request: web.Request) -> web.Response:
    await container_of(request).delete_stock_threshold()(item_id=item_id_of(request))
    return web.Response(status=204)


TAG = "inventory"
SET_DESCRIPTION = (
    "Stored, then the account's stock levels are checked at once: one already under it "
    "raises its alert now. An alert is raised once per crossing, as a `stock.low` event "
    "to the subscribers of that topic (or of `*`), and re-armed when the level is back at "
    "or above its threshold."
)

ENDPOINTS = (
    Endpoint(
        "GET",
        "/accounts/{account_id}/stock-thresholds",
        list_stock_thresholds,
        "An account's low-stock thresholds and the alerts raised under them",
        TAG,
        params=(ACCOUNT,),
        replies={
            200: Reply("Thresholds and alerts", ThresholdsView),
            404: Reply("No such account"),
        },
    ),
    Endpoint(
        "PUT",
        "/accounts/{account_id}/stock-threshold",
        set_account_stock_threshold,
        "Set the account's low-stock threshold (for its listings without their own)",
        TAG,
        params=(ACCOUNT,),
        body=ThresholdBody,
        description=SET_DESCRIPTION,
        replies={
            200: Reply("Stored", ThresholdView),
            404: Reply("No such account"),
            422: Reply("Invalid threshold"),
        },
    ),
    Endpoint(
        "DELETE",
        "/accounts/{account_id}/stock-threshold",
        delete_account_stock_threshold,
        "Remove the account's low-stock threshold",
        TAG,
        params=(ACCOUNT,),
        description="The alerts it no longer covers are re-armed.",
        replies={204: Reply("Removed"), 404: Reply("No such account, or no threshold")},
    ),
    Endpoint(
        "PUT",
        "/products/{item_id}/stock-threshold",
        set_product_stock_threshold,
        "Set a listing's own low-stock threshold",
        TAG,
        params=(ITEM,),
        body=ThresholdBody,
        description=SET_DESCRIPTION,
        replies={
            200: Reply("Stored", ThresholdView),
            404: Reply("No such listing in the local copy"),
            422: Reply("Invalid threshold"),
        },
    ),
    Endpoint(
        "DELETE",
        "/products/{item_id}/stock-threshold",
        delete_product_stock_threshold,
        "Remove a listing's own low-stock threshold",
        TAG,
        params=(ITEM,),
        description="The listing falls back on its account's threshold, if any; alerts it "
        "no longer covers are re-armed.",
        replies={204: Reply("Removed"), 404: Reply("No such listing, or no threshold")},
    ),
)
