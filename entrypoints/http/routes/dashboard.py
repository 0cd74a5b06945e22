"""The dashboard page and its sign-in (entrypoints/http/pages, sessions.py).

Not part of the REST API (left out of the OpenAPI document): the pages take no API key
header, they check the session cookie themselves, and send a browser without one to the
sign-in form."""

from __future__ import annotations

import logging

from aiohttp import web

from application.errors import ApplicationError
from domain.accounts import AccountStatus
from entrypoints.http.context import container_of
from entrypoints.http.endpoints import Endpoint, Param, Reply
from entrypoints.http.pages.dashboard import PANELS, PERIODS, Panel, View, section
from entrypoints.http.pages.html import SECURITY_HEADERS, Markup, h, join, page
from entrypoints.http.params import query_int
from entrypoints.http.security import API_KEYS
from entrypoints.http.sessions import COOKIE, SessionSigner, clear_session, set_session
from entrypoints.settings import SettingsError

log = logging.getLogger(__name__)

SESSION_SIGNER: web.AppKey[SessionSigner] = web.AppKey("session_signer", SessionSigner)
ACCOUNT = Param.id("account_id", "Only this account (default: all)", "query")
DAYS = Param(
    "days",
    "The period: the last 7, 30, 90 or 365 days (default 30)",
    "integer",
    minimum=1,
    maximum=365,
)
MAX_KEY_LENGTH = 200


def _html(body: Markup, status: int = 200) -> web.Response:
    return web.Response(
        text=str(body), status=status, content_type="text/html", headers=SECURITY_HEADERS
    )


def _signed_in(request: web.Request) -> bool:
    return request.app[SESSION_SIGNER].valid(request.cookies.get(COOKIE))


def _sign_in_form(error: str | None = None) -> Markup:
    return page(
        "Sign in · meli-integration",
        h(
            '<form class="signin" method="post" action="/dashboard/sign-in">'
            "<h1>meli-integration</h1>{error}"
            '<label>API key<input type="password" name="api_key" required '
            'autocomplete="current-password" maxlength="{max}"></label>'
            '<button type="submit">Sign in</button></form>',
            error=h('<p class="error" role="alert">{e}</p>', e=error) if error else "",
            max=MAX_KEY_LENGTH,
        ),
    )


async def sign_in_page(request: web.Request) -> web.Response:
    if _signed_in(request):
        raise web.HTTPSeeOther("/dashboard", headers=SECURITY_HEADERS)
    return _html(_sign_in_form())


async def sign_in(request: web.Request) -> web.Response:
    try:
        form = await request.post()
    except (ValueError, LookupError):  # no boundary, an unknown charset, bytes not text
        return _html(_sign_in_form("The form could not be read; send it again."), status=400)
    key = form.get("api_key")
    key = key.strip() if isinstance(key, str) else ""
    if not key or len(key) > MAX_KEY_LENGTH or not request.app[API_KEYS].accepts(key):
        return _html(_sign_in_form("That API key is not valid."), status=401)
    response = web.HTTPSeeOther("/dashboard", headers=SECURITY_HEADERS)
    set_session(response, request, request.app[SESSION_SIGNER].issue(key))
    raise response


async def sign_out(request: web.Request) -> web.Response:
    response = web.HTTPSeeOther("/dashboard/sign-in", headers=SECURITY_HEADERS)
    clear_session(response, request)
    raise response


def _pickers(view: View) -> Markup:
    accounts = join(
        h(
            '<option value="{id}"{selected}>{name}</option>',
            id=a.id,
            selected=Markup(" selected") if a.id == view.account_id else "",
            name=f"{a.nickname} ({a.site_id})",
        )
        for a in view.accounts
    )
    periods = join(
        h(
            '<option value="{d}"{selected}>last {d} days</option>',
            d=d,
            selected=Markup(" selected") if d == view.days else "",
        )
        for d in PERIODS
    )
    return h(
        '<form class="pickers" method="get" action="/dashboard">'
        '<label>Account<select name="account_id"><option value="">All accounts</option>'
        "{accounts}</select></label>"
        '<label>Period<select name="days">{periods}</select></label>'
        '<button type="submit">Show</button></form>'
        '<form method="post" action="/dashboard/sign-out">'
        '<button class="quiet" type="submit">Sign out</button></form>',
        accounts=accounts,
        periods=periods,
    )


async def _shown(panel: Panel, view: View) -> Markup:
    """The panel, or why it cannot be shown (MercadoLibre down, no application set up):
    one source failing leaves the other panels."""
    try:
        return await panel(view)
    except (ApplicationError, SettingsError) as error:
        log.info("dashboard panel %s not shown: %s", panel.__name__, error)
        return section(
            panel.__name__.replace("_", " ").capitalize(),
            h('<p class="error">Not available now: {e}</p>', e=str(error)),
            name=panel.__name__,
        )


async def dashboard(request: web.Request) -> web.Response:
    if not _signed_in(request):
        raise web.HTTPSeeOther("/dashboard/sign-in", headers=SECURITY_HEADERS)
    container = container_of(request)
    accounts = [
        a for a in await container.list_accounts()() if a.status is not AccountStatus.DISCONNECTED
    ]
    # The picker's "All accounts" sends an empty account_id.
    account_id = query_int(request, ACCOUNT) if request.query.get("account_id") else None
    days = query_int(request, DAYS, 30) or 30
    view = View(container, accounts, account_id, days, container.clock().now())
    panels = [await _shown(panel, view) for panel in PANELS]
    body = h(
        "<header><h1>meli-integration</h1>{pickers}</header><main>{panels}</main>",
        pickers=_pickers(view),
        panels=join(panels),
    )
    return _html(page("Dashboard · meli-integration", body))


_PAGE = Reply("HTML page", content_type="text/html")
ENDPOINTS = (
    Endpoint(
        "GET",
        "/dashboard",
        dashboard,
        "The seller's dashboard (a page; signed-in browsers only)",
        "dashboard",
        public=True,
        in_schema=False,
        params=(ACCOUNT, DAYS),
        replies={200: _PAGE},
    ),
    Endpoint(
        "GET",
        "/dashboard/sign-in",
        sign_in_page,
        "The dashboard's sign-in form",
        "dashboard",
        public=True,
        in_schema=False,
        uses_storage=False,
        replies={200: _PAGE},
    ),
    Endpoint(
        "POST",
        "/dashboard/sign-in",
        sign_in,
        "Sign in with an API key (form field api_key): sets the session cookie",
        "dashboard",
        public=True,
        in_schema=False,
        uses_storage=False,
        replies={303: Reply("Signed in"), 401: _PAGE},
    ),
    Endpoint(
        "POST",
        "/dashboard/sign-out",
        sign_out,
        "Sign out: the session cookie is cleared",
        "dashboard",
        public=True,
        in_schema=False,
        uses_storage=False,
        replies={303: Reply("Signed out")},
    ),
)
