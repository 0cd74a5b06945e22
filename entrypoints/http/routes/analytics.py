"""The seed's dashboard figures and the sales analytics, read from the daily roll-up."""

from __future__ import annotations

from datetime import date

from aiohttp import web

from domain.analytics import Interval
from entrypoints.http.analytics_views import (
    DashboardStatsView,
    ReputationsView,
    SalesReportView,
    TopListingsView,
    VisitsView,
    dashboard_stats_view,
    listing_sales_view,
    reputation_view,
    sales_period_view,
    visits_view,
)
from entrypoints.http.context import container_of
from entrypoints.http.converter import json_response
from entrypoints.http.endpoints import Endpoint, Param, Reply
from entrypoints.http.params import query_enum, query_int, query_str
from entrypoints.http.problems import RequestInvalid

ACCOUNT = Param.id("account_id", "Only this account (default: every connected account)", "query")
DAY = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
FROM = Param(
    "from",
    "First day, in the seller's time zone (default: 29 days before `to`)",
    max_length=10,
    pattern=DAY,
    hint="2026-11-01",
)
TO = Param(
    "to", "Last day, inclusive (default: today)", max_length=10, pattern=DAY, hint="2026-11-30"
)
INTERVAL = Param.choice("interval", "Period of each row (default day)", Interval)
CURRENCY = Param(
    "currency", "Only amounts in this currency", max_length=3, pattern=r"^[A-Z]{3}$", hint="ARS"
)
SORT = Param("sort", "Rank by revenue (default) or units", enum=("revenue", "units"))
LIMIT = Param(
    "limit", "How many listings, 1 to 100 (default 20)", "integer", minimum=1, maximum=100
)
PERIOD = (ACCOUNT, FROM, TO)
_BAD_DAYS = Reply("A day that does not exist, `from` after `to`, or more than 731 days")
ITEM = Param(
    "item_id",
    "Only this listing's visits",
    max_length=32,
    pattern=r"^[A-Z]{3}[0-9]+$",
    hint="MLA1136716168",
)


def _day(request: web.Request, param: Param) -> date | None:
    raw = query_str(request, param)
    if raw is None:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise RequestInvalid(
            f"invalid parameter {param.name}",
            [{"field": param.name, "reason": "is not a real date"}],
            status=422,
        ) from None


def _period(request: web.Request) -> tuple[int | None, date | None, date | None]:
    return query_int(request, ACCOUNT), _day(request, FROM), _day(request, TO)


async def dashboard_stats(request: web.Request) -> web.Response:
    stats = await container_of(request).dashboard_stats()(*_period(request))
    return json_response(dashboard_stats_view(stats))


async def sales_report(request: web.Request) -> web.Response:
    account_id, first, last = _period(request)
    interval = query_enum(request, INTERVAL, Interval) or Interval.DAY
    report = await container_of(request).sales_report()(
        account_id, first, last, interval, query_str(request, CURRENCY)
    )
    return json_response(
        SalesReportView(
            interval=interval.value,
            from_date=report.first_day.isoformat(),
            to_date=report.last_day.isoformat(),
            periods=[sales_period_view(p) for p in report.periods],
        )
    )


async def top_listings(request: web.Request) -> web.Response:
    account_id, first, last = _period(request)
    sort = query_str(request, SORT) or "revenue"
    limit = query_int(request, LIMIT, 20) or 20
    top = await container_of(request).top_listings()(
        account_id, first, last, sort, limit, query_str(request, CURRENCY)
    )
    return json_response(
        TopListingsView(
            sort=sort,
            from_date=top.first_day.isoformat(),
            to_date=top.last_day.isoformat(),
            items=[listing_sales_view(x) for x in top.listings],
        )
    )


async def reputation(request: web.Request) -> web.Response:
    found = await container_of(request).reputation()(query_int(request, ACCOUNT))
    return json_response(ReputationsView([reputation_view(r) for r in found]))


async def visits(request: web.Request) -> web.Response:
    account_id, first, last = _period(request)
    report = await container_of(request).visits()(account_id, first, last, query_str(request, ITEM))
    return json_response(visits_view(report))


ENDPOINTS = (
    Endpoint(
        "GET",
        "/dashboard-stats",
        dashboard_stats,
        "The dashboard's figures: listings, orders, questions, sales per currency",
        "analytics",
        params=PERIOD,
        replies={
            200: Reply("The figures", DashboardStatsView),
            404: Reply("No such account"),
            422: _BAD_DAYS,
        },
        description="Sales are gross less refunds over the days asked, per currency "
        "(amounts in different currencies are never added); the other counts are the "
        "work waiting now.",
    ),
    Endpoint(
        "GET",
        "/analytics/sales",
        sales_report,
        "Sales per day, week or month and currency",
        "analytics",
        params=(*PERIOD, INTERVAL, CURRENCY),
        replies={
            200: Reply("Periods with sales", SalesReportView),
            404: Reply("No such account"),
            422: _BAD_DAYS,
        },
    ),
    Endpoint(
        "GET",
        "/analytics/items",
        top_listings,
        "The listings that sold most, with visits and conversion",
        "analytics",
        params=(*PERIOD, SORT, LIMIT, CURRENCY),
        replies={
            200: Reply("Top listings", TopListingsView),
            404: Reply("No such account"),
            422: _BAD_DAYS,
        },
    ),
    Endpoint(
        "GET",
        "/analytics/reputation",
        reputation,
        "Each account's reputation against MercadoLibre's limits",
        "analytics",
        params=(ACCOUNT,),
        replies={
            200: Reply("Reputations", ReputationsView),
            404: Reply("No such account"),
            422: _BAD_DAYS,
        },
        calls_mercadolibre=True,
        description="Read from MercadoLibre now (GET /users/{id}, one call per account); "
        "an account it does not answer for carries the reason in `error`.",
    ),
    Endpoint(
        "GET",
        "/analytics/visits",
        visits,
        "Visits per day, the sellers' total and each listing's",
        "analytics",
        params=(*PERIOD, ITEM),
        replies={200: Reply("Visits", VisitsView), 404: Reply("No such account"), 422: _BAD_DAYS},
        description="As read and stored by the periodic `visits` job.",
    ),
)
