"""Connected seller accounts."""

from __future__ import annotations

from aiohttp import web

from domain.accounts import AccountStatus
from entrypoints.http.context import container_of
from entrypoints.http.converter import json_response
from entrypoints.http.endpoints import Endpoint, Param, Reply
from entrypoints.http.params import path_int, query_enum
from entrypoints.http.views import AccountPage, AccountView, account_view

STATUS = Param.choice("status", "Only accounts in this status", AccountStatus)
ACCOUNT = Param.id("account_id", "Local account id")


async def list_accounts(request: web.Request) -> web.Response:
    status = query_enum(request, STATUS, AccountStatus)
    accounts = await container_of(request).list_accounts()(status)
    return json_response(AccountPage([account_view(a) for a in accounts]))


async def get_account(request: web.Request) -> web.Response:
    account = await container_of(request).get_account()(path_int(request, ACCOUNT))
    return json_response(account_view(account))


ENDPOINTS = (
    Endpoint(
        "GET",
        "/accounts",
        list_accounts,
        "Connected seller accounts",
        "accounts",
        params=(STATUS,),
        replies={200: Reply("The accounts, by id", AccountPage)},
    ),
    Endpoint(
        "GET",
        "/accounts/{account_id}",
        get_account,
        "One connected account",
        "accounts",
        params=(ACCOUNT,),
        replies={
            200: Reply("The account (status, site, token expiry; never a token)", AccountView),
            404: Reply("No such account"),
        },
    ),
)
