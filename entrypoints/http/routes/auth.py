"""Connecting seller accounts through MercadoLibre's OAuth flow (§1), and disconnecting."""

from __future__ import annotations

import html
from datetime import datetime

import attrs
from aiohttp import web

from application.accounts.errors import GrantContradicted, ProfileUnavailable
from application.errors import AuthorizationRejected
from domain.sites import SITES
from entrypoints.http.context import container_of
from entrypoints.http.converter import json_response
from entrypoints.http.endpoints import Endpoint, Param, Reply
from entrypoints.http.params import path_int, query_str
from entrypoints.http.views import AccountView, account_view


@attrs.define(frozen=True)
class ConnectView:
    """Where to send the seller: MercadoLibre's consent page for this flow."""

    authorization_url: str
    state: str
    site_id: str
    expires_at: datetime


def _wants_json(request: web.Request) -> bool:
    accept = request.headers.get("Accept", "")
    return "application/json" in accept and "text/html" not in accept


SITE = Param(
    "site_id", "Site to connect (default MELI_SITE_ID), e.g. MCO", enum=tuple(sorted(SITES))
)
CODE = Param("code", "Authorization code", max_length=500)
STATE = Param("state", "The flow's state", max_length=200)
REFUSAL = Param("error", "MercadoLibre's reason when the seller did not authorize", max_length=100)
REFUSAL_DETAIL = Param("error_description", "MercadoLibre's explanation", max_length=500)
ACCOUNT_ID = Param.id("account_id", "Local account id")


async def connect(request: web.Request) -> web.Response:
    started = await container_of(request).start_connect()(query_str(request, SITE))
    if _wants_json(request):
        return json_response(
            ConnectView(
                started.authorization_url, started.state, started.site_id, started.expires_at
            )
        )
    raise web.HTTPFound(started.authorization_url)


def _page(title: str, body: str, status: int) -> web.Response:
    return web.Response(
        status=status,
        content_type="text/html",
        text=(
            "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
            f"<title>{html.escape(title)}</title><style>body{{font-family:system-ui,"
            "sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem}</style></head>"
            f"<body><h1>{html.escape(title)}</h1>{body}</body></html>"
        ),
    )


async def callback(request: web.Request) -> web.Response:
    refused = query_str(request, REFUSAL)
    try:
        if refused is not None:
            reason = query_str(request, REFUSAL_DETAIL) or refused
            raise AuthorizationRejected(f"MercadoLibre did not authorize: {reason}")
        result = await container_of(request).complete_connect()(
            query_str(request, CODE), query_str(request, STATE)
        )
    except GrantContradicted as error:
        if _wants_json(request):
            raise
        # Whether an account was connected depends on what was there before.
        return _page(
            "Connection failed",
            f"<p>{html.escape(error.reason)}.</p><p>{html.escape(error.consequence)}</p>",
            400,
        )
    except AuthorizationRejected as error:
        if _wants_json(request):
            raise
        return _page(
            "Connection failed",
            f"<p>{html.escape(str(error))}</p><p>No account was connected.</p>",
            400,
        )
    except ProfileUnavailable as error:
        if _wants_json(request):
            raise
        return _page(
            "Connected, profile pending",
            f"<p>{html.escape(str(error))}</p><p>The account's tokens are stored; nothing "
            "needs to be done again by the seller.</p>",
            503,
        )
    account = result.account
    if _wants_json(request):
        return json_response(account_view(account), status=201 if result.created else 200)
    verb = "connected" if result.created else "connected again"
    return _page(
        "Account connected",
        f"<p>The MercadoLibre seller <strong>{html.escape(account.nickname)}</strong> "
        f"({account.seller_id}, site {html.escape(account.site_id)}) is {verb} as "
        f"account <strong>{account.id}</strong>.</p><p>You can close this page.</p>",
        200,
    )


async def refresh(request: web.Request) -> web.Response:
    account = await container_of(request).refresh_account()(path_int(request, ACCOUNT_ID))
    return json_response(account_view(account))


async def disconnect(request: web.Request) -> web.Response:
    account = await container_of(request).disconnect_account()(path_int(request, ACCOUNT_ID))
    return json_response(account_view(account))


ENDPOINTS = (
    Endpoint(
        "GET",
        "/auth/connect",
        connect,
        "Start connecting a seller account",
        "accounts",
        description="Redirects (302) to the site's MercadoLibre consent page with a "
        "single-use state (valid 10 minutes) and PKCE S256; with `Accept: "
        "application/json` answers the URL instead.",
        params=(SITE,),
        replies={
            200: Reply("The consent URL (JSON clients)", ConnectView),
            302: Reply("Redirect to the consent page"),
            422: Reply("Unknown site"),
        },
    ),
    Endpoint(
        "GET",
        "/auth/callback",
        callback,
        "Where MercadoLibre sends the seller back",
        "accounts",
        public=True,
        description="Checks the state (missing, reused, expired or forged ones are "
        "refused), exchanges the code and stores the account and its encrypted tokens. "
        "Answers an HTML page, or JSON for `Accept: application/json`.",
        params=(CODE, STATE, REFUSAL, REFUSAL_DETAIL),
        replies={
            200: Reply("Connected (HTML page, or the account as JSON)", AccountView),
            201: Reply("A new account (JSON)", AccountView),
            400: Reply(
                "The callback cannot be trusted; no token from it is kept, and the detail "
                "says what became of the seller's account (an HTML page, or problem "
                "details for JSON clients)",
                content_type="text/html",
            ),
        },
    ),
    Endpoint(
        "POST",
        "/auth/refresh/{account_id}",
        refresh,
        "Refresh an account's tokens now",
        "accounts",
        params=(ACCOUNT_ID,),
        replies={
            200: Reply("The account after the refresh", AccountView),
            404: Reply("No such account"),
            409: Reply("The account must be connected again"),
        },
    ),
    Endpoint(
        "DELETE",
        "/accounts/{account_id}",
        disconnect,
        "Disconnect an account",
        "accounts",
        description="Erases its tokens; the local copy of its data stays.",
        params=(ACCOUNT_ID,),
        replies={
            200: Reply("The disconnected account", AccountView),
            404: Reply("No such account"),
        },
    ),
)
