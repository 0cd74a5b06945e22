"""The history of synchronisation runs, whoever started them."""

from __future__ import annotations

from aiohttp import web

from application.queries import SyncLogQuery
from domain.sync import SyncKind
from entrypoints.http.context import container_of
from entrypoints.http.converter import json_response
from entrypoints.http.endpoints import Endpoint, Param, Reply
from entrypoints.http.params import PAGING_PARAMS, paging, path_int, query_enum, query_int
from entrypoints.http.views import PageInfo, SyncLogPage, SyncLogView, sync_log_view

LIST_PARAMS = (
    Param.id("account_id", "Only runs of this account", location="query"),
    Param.choice("kind", "Only runs of this kind", SyncKind),
    *PAGING_PARAMS,
)
ACCOUNT_FILTER, KIND = LIST_PARAMS[:2]
SYNC_LOG = Param.id("sync_log_id", "Run id")


async def list_sync_logs(request: web.Request) -> web.Response:
    kind = query_enum(request, KIND, SyncKind)
    query = SyncLogQuery(
        account_id=query_int(request, ACCOUNT_FILTER),
        kind=kind.value if kind else None,
        paging=paging(request),
    )
    page = await container_of(request).list_sync_logs()(query)
    return json_response(
        SyncLogPage(
            [sync_log_view(log) for log in page.items],
            PageInfo(page.total, page.offset, page.limit),
        )
    )


async def get_sync_log(request: web.Request) -> web.Response:
    log = await container_of(request).get_sync_log()(path_int(request, SYNC_LOG))
    return json_response(sync_log_view(log))


ENDPOINTS = (
    Endpoint(
        "GET",
        "/sync-logs",
        list_sync_logs,
        "Synchronisation runs, newest first",
        "sync",
        params=LIST_PARAMS,
        replies={200: Reply("A page of runs", SyncLogPage)},
    ),
    Endpoint(
        "GET",
        "/sync-logs/{sync_log_id}",
        get_sync_log,
        "One synchronisation run",
        "sync",
        params=(SYNC_LOG,),
        replies={200: Reply("The run", SyncLogView), 404: Reply("No such run")},
    ),
)
