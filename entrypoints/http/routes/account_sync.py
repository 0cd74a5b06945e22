"""One request to sync everything of one account: listings, stock, orders, questions."""

from __future__ import annotations

import attrs
from aiohttp import web

from application.jobs import job_name
from application.sync_logs.requests import job_for
from entrypoints.http.context import container_of
from entrypoints.http.converter import json_response
from entrypoints.http.endpoints import Endpoint, Reply
from entrypoints.http.listing_views import Accepted
from entrypoints.http.params import path_int
from entrypoints.http.routes.accounts import ACCOUNT


@attrs.define(frozen=True)
class AccountSyncAccepted:
    """One queued run per kind, each its own sync log, in the order they run."""

    account_id: int
    runs: list[Accepted]


async def sync_account(request: web.Request) -> web.Response:
    account_id = path_int(request, ACCOUNT)
    requested = await container_of(request).request_account_sync()(account_id)
    runs = []
    for sync_log in requested:
        assert sync_log.id is not None
        runs.append(
            Accepted(
                job_name(type(job_for(sync_log))),
                f"/sync-logs/{sync_log.id}",
                account_id=account_id,
                sync_log_id=sync_log.id,
            )
        )
    return json_response(AccountSyncAccepted(account_id, runs), status=202)


ENDPOINTS = (
    Endpoint(
        "POST",
        "/accounts/{account_id}/sync",
        sync_account,
        "Sync the account's listings, stock, orders and questions",
        "accounts",
        params=(ACCOUNT,),
        description="Each kind is stored as a queued run (a sync log) before its job is sent, "
        "all in one transaction, so they run even if the queue was down; follow each at "
        "its `status_url`. A run of a kind still queued for the account is that kind's "
        "answer instead of a second one.",
        replies={
            202: Reply("Queued", AccountSyncAccepted),
            404: Reply("No such account"),
            409: Reply("The account must be connected again"),
        },
    ),
)
