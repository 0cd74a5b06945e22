"""§9.5: the missed feeds of the application; and the claims that topic post_purchase
points at (§9.3)."""

from __future__ import annotations

from aiohttp import web

from sandbox.errors import bad_request, forbidden
from sandbox.http import access_of, path, respond, state_of
from sandbox.notifications import application_id

# §9.5: 10 results by default [INF: at most 100].
DEFAULT_LIMIT = 10
MAX_LIMIT = 100


async def missed_feeds(request: web.Request) -> web.Response:
    """GET /missed_feeds?app_id=&topic=[&offset=&limit=]: notifications not acknowledged
    after every attempt, kept two days; `topic=items` needs `site_id` (400 otherwise)."""
    state = state_of(request)
    params = request.query
    app_id = params.get("app_id", "")
    if not app_id:
        raise bad_request("The parameter app_id is required")
    if app_id != access_of(request).client_id:
        # Only the application's own token reads its feeds [INF].
        raise forbidden(f"The caller is not allowed to read the missed feeds of {app_id}")
    topic = params.get("topic") or None
    site_id = params.get("site_id") or None
    if topic == "items" and site_id is None:
        raise bad_request("The parameter site_id is required for topic items")
    numbers = {}
    for name, default in (("offset", 0), ("limit", DEFAULT_LIMIT)):
        raw = params.get(name)
        if raw is None or raw == "":
            numbers[name] = default
        elif not raw.isdigit():
            raise bad_request(f"Invalid {name}: {raw}")
        else:
            numbers[name] = int(raw)
    if not 1 <= numbers["limit"] <= MAX_LIMIT:
        raise bad_request(f"limit must be between 1 and {MAX_LIMIT}")
    missed = state.notifier.missed(application_id(app_id), topic, site_id)
    page = missed[numbers["offset"] : numbers["offset"] + numbers["limit"]]
    return respond(request, {"messages": [d.missed_json() for d in page]}, trimmed=False)


async def claim(request: web.Request) -> web.Response:
    """GET /post-purchase/v1/claims/{id} [INF: a minimal claim]; the generic 404 and
    403 of the claims API (§2.1)."""
    state = state_of(request)
    found = state.market.mediations.claim(request.match_info["id"])
    if access_of(request).user_id not in (found.seller_id, found.buyer_id):
        raise forbidden_error()
    return respond(request, found.as_json())


def forbidden_error() -> Exception:
    error = forbidden("You don't have permission to access the resource")
    error.body["error"] = "forbidden_error"
    return error


def register(app: web.Application) -> None:
    app.router.add_get("/missed_feeds", missed_feeds)
    app.router.add_get(path("/post-purchase/v1/claims/{id:number}"), claim)
