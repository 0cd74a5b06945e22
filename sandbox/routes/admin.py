"""The admin API under /_sandbox/: not MercadoLibre, no token, never counted or limited."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from sandbox.clock import iso
from sandbox.errors import ApiError, bad_request, item_not_found, not_found
from sandbox.http import json_body, state_of
from sandbox.oauth import App, AuthorizeError
from sandbox.users import User

PREFIX = "/_sandbox"


async def object_body(request: web.Request) -> dict[str, Any]:
    if not await request.text():
        return {}
    body = await json_body(request)
    if not isinstance(body, dict):
        raise bad_request("The body must be a JSON object")
    return body


def int_field(body: dict[str, Any], name: str, *, required: bool = True) -> int | None:
    value = body.get(name)
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).isdigit():
        raise bad_request(f"{name} must be a positive integer")
    return int(value)


def user_in_path(request: web.Request) -> User:
    raw = request.match_info["user_id"]
    user = state_of(request).user(int(raw)) if raw.isdigit() else None
    if user is None:
        raise not_found("User not found")
    return user


def user_json(user: User) -> dict[str, Any]:
    return {**user.summary_json(), "list_allowed": user.list_allowed}


# -- users and sellers ------------------------------------------------------------------------


async def sellers(request: web.Request) -> web.Response:
    return web.json_response([s.summary_json() for s in state_of(request).sellers])


async def users(request: web.Request) -> web.Response:
    return web.json_response([user_json(u) for u in state_of(request).users.all()])


async def create_user(request: web.Request) -> web.Response:
    """A new test user; `{"site_id": "MLA", "nickname": optional}`."""
    body = await object_body(request)
    state = state_of(request)
    site_id = body.get("site_id")
    if state.catalogue.site(site_id if isinstance(site_id, str) else "") is None:
        raise bad_request("site_id must be a MercadoLibre site id")
    nickname = body.get("nickname")
    if nickname is not None and not isinstance(nickname, str):
        raise bad_request("nickname must be a string")
    user = state.users.create(site_id, nickname)
    return web.json_response(user_json(user), status=201)


async def patch_user(request: web.Request) -> web.Response:
    """`{"list_allowed": false}` makes POST /items answer seller.unable_to_list (§4.2)."""
    body = await object_body(request)
    user = user_in_path(request)
    if set(body) - {"list_allowed"}:
        raise bad_request("only list_allowed can change")
    if "list_allowed" in body:
        if not isinstance(body["list_allowed"], bool):
            raise bad_request("list_allowed must be a boolean")
        user.list_allowed = body["list_allowed"]
    return web.json_response(user_json(user))


async def change_password(request: web.Request) -> web.Response:
    """§1.3: a password change invalidates every token of the user, for every app."""
    user = user_in_path(request)
    revoked = state_of(request).oauth.revoke(user.id)
    return web.json_response({"user_id": user.id, "revoked_tokens": revoked})


# -- OAuth ----------------------------------------------------------------------------------


async def authorize(request: web.Request) -> web.Response:
    """The consent click without a browser: answers `{"redirect_url": ...}`."""
    body = await object_body(request)
    user_id = int_field(body, "user_id")
    assert user_id is not None
    strings = {}
    for name in (
        "response_type",
        "client_id",
        "redirect_uri",
        "state",
        "code_challenge",
        "code_challenge_method",
    ):
        value = body.get(name)
        if value is not None and not isinstance(value, str):
            raise bad_request(f"{name} must be a string")
        strings[name] = value
    oauth = state_of(request).oauth
    # Left out, the parameters default to what a correct request sends; given, they are
    # checked exactly as the consent page checks them.
    strings["response_type"] = strings["response_type"] or "code"
    strings["client_id"] = strings["client_id"] or state_of(request).config.client_id
    if strings["redirect_uri"] is None and strings["client_id"] in oauth.apps:
        strings["redirect_uri"] = oauth.apps[strings["client_id"]].redirect_uri
    try:
        url = oauth.authorize(user_id=user_id, **strings)
    except AuthorizeError as e:
        raise ApiError(
            400, {"message": e.message, "error": e.error, "status": 400, "cause": []}
        ) from None
    return web.json_response({"redirect_url": url})


async def revoke_tokens(request: web.Request) -> web.Response:
    """`{"user_id": n, "client_id": optional}`: the user revokes the grant (§1.3)."""
    body = await object_body(request)
    user_id = int_field(body, "user_id")
    assert user_id is not None
    client_id = body.get("client_id", state_of(request).config.client_id)
    revoked = state_of(request).oauth.revoke(user_id, client_id)
    return web.json_response(
        {"user_id": user_id, "client_id": client_id, "revoked_tokens": revoked}
    )


async def apps(request: web.Request) -> web.Response:
    return web.json_response([a.as_json() for a in state_of(request).oauth.apps.values()])


async def register_app(request: web.Request) -> web.Response:
    """Another application (to test that tokens are bound to their client_id, §1.3)."""
    body = await object_body(request)
    fields = {}
    for name in ("client_id", "client_secret", "redirect_uri"):
        if not isinstance(body.get(name), str) or not body[name]:
            raise bad_request(f"{name} is required")
        fields[name] = body[name]
    for name in ("pkce_required", "offline_access"):
        if name in body:
            if not isinstance(body[name], bool):
                raise bad_request(f"{name} must be a boolean")
            fields[name] = body[name]
    oauth = state_of(request).oauth
    if fields["client_id"] in oauth.apps:
        raise bad_request("an application with this client_id exists")
    app = oauth.register_app(App(**fields))
    return web.json_response(app.as_json(), status=201)


async def rotate_secret(request: web.Request) -> web.Response:
    """§1.3: a new Client Secret invalidates every token of the application."""
    body = await object_body(request)
    oauth = state_of(request).oauth
    client_id = request.match_info["client_id"]
    if client_id not in oauth.apps:
        raise not_found("Application not found")
    secret = body.get("client_secret")
    if secret is not None and (not isinstance(secret, str) or not secret):
        raise bad_request("client_secret must be a non-empty string")
    return web.json_response(
        {"client_id": client_id, "client_secret": oauth.rotate_secret(client_id, secret)}
    )


# -- statistics -------------------------------------------------------------------------------


async def stats(request: web.Request) -> web.Response:
    return web.json_response(state_of(request).stats.as_json())


async def reset_stats(request: web.Request) -> web.Response:
    state_of(request).stats.reset()
    return web.json_response(state_of(request).stats.as_json())


async def requests(request: web.Request) -> web.Response:
    """The latest MercadoLibre requests (`?path=` keeps those to one path), oldest first,
    with their query and headers but never the token."""
    return web.json_response(state_of(request).stats.requests_json(request.query.get("path")))


# -- items ----------------------------------------------------------------------------------


async def stored_item(request: web.Request) -> web.Response:
    item = state_of(request).items.get(request.match_info["id"])
    if item is None:
        raise item_not_found(request.match_info["id"])
    return web.json_response(item)


async def patch_item(request: web.Request) -> web.Response:
    """Overwrite stored fields, e.g. `{"status": "under_review", "sub_status": ["forbidden"]}`."""
    body = await object_body(request)
    if not body:
        raise bad_request("nothing to change")
    item = state_of(request).admin_patch_item(request.match_info["id"], body)
    return web.json_response(item)


async def sell(request: web.Request) -> web.Response:
    """A purchase as stock sees it: `{"quantity": n, "variation_id": optional}`."""
    state = state_of(request)
    body = await object_body(request)
    quantity = int_field(body, "quantity")
    assert quantity is not None
    variation_id = int_field(body, "variation_id", required=False)
    item = state.item(request.match_info["id"])
    new = state.rules.record_sale(item, quantity, variation_id)
    state.save_item(new)
    return web.json_response(new)


# -- clock, faults, configuration -----------------------------------------------------------


def clock_json(request: web.Request) -> dict[str, Any]:
    clock = state_of(request).clock
    now = clock.now()
    return {"now": iso(now), "epoch": now, "offset_seconds": clock.offset}


async def clock(request: web.Request) -> web.Response:
    return web.json_response(clock_json(request))


async def advance_clock(request: web.Request) -> web.Response:
    body = await object_body(request)
    seconds = body.get("seconds")
    if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds < 0:
        raise bad_request("seconds must be a non-negative number")
    state_of(request).clock.advance(seconds)
    return web.json_response(clock_json(request))


async def faults(request: web.Request) -> web.Response:
    return web.json_response([r.as_json() for r in state_of(request).faults.rules])


async def add_fault(request: web.Request) -> web.Response:
    body = await object_body(request)
    try:
        rule = state_of(request).faults.add(body)
    except ValueError as e:
        raise bad_request(str(e)) from None
    return web.json_response(rule.as_json(), status=201)


async def clear_faults(request: web.Request) -> web.Response:
    state_of(request).faults.clear()
    return web.json_response([])


async def delete_fault(request: web.Request) -> web.Response:
    raw = request.match_info["id"]
    if not raw.isdigit() or not state_of(request).faults.remove(int(raw)):
        raise not_found("Fault rule not found")
    return web.json_response({})


async def config(request: web.Request) -> web.Response:
    return web.json_response(state_of(request).config.public_view())


async def patch_config(request: web.Request) -> web.Response:
    """Change run-time options, e.g. `{"rate_limit": 0, "optimistic_lock_window": 0}`."""
    body = await object_body(request)
    try:
        new = state_of(request).reconfigure(body)
    except (ValueError, TypeError) as e:
        raise bad_request(str(e)) from None
    return web.json_response(new.public_view())


async def reset(request: web.Request) -> web.Response:
    state_of(request).reset()
    return web.json_response({"reset": True})


def register(app: web.Application) -> None:
    add = app.router.add_route
    add("GET", f"{PREFIX}/sellers", sellers)
    add("GET", f"{PREFIX}/users", users)
    add("POST", f"{PREFIX}/users", create_user)
    add("PATCH", f"{PREFIX}/users/{{user_id}}", patch_user)
    add("POST", f"{PREFIX}/users/{{user_id}}/password", change_password)
    add("POST", f"{PREFIX}/oauth/authorize", authorize)
    add("POST", f"{PREFIX}/tokens/revoke", revoke_tokens)
    add("GET", f"{PREFIX}/apps", apps)
    add("POST", f"{PREFIX}/apps", register_app)
    add("POST", f"{PREFIX}/apps/{{client_id}}/secret", rotate_secret)
    add("GET", f"{PREFIX}/stats", stats)
    add("POST", f"{PREFIX}/stats/reset", reset_stats)
    add("GET", f"{PREFIX}/requests", requests)
    add("GET", f"{PREFIX}/items/{{id}}", stored_item)
    add("PATCH", f"{PREFIX}/items/{{id}}", patch_item)
    add("POST", f"{PREFIX}/items/{{id}}/sale", sell)
    add("GET", f"{PREFIX}/clock", clock)
    add("POST", f"{PREFIX}/clock/advance", advance_clock)
    add("GET", f"{PREFIX}/faults", faults)
    add("POST", f"{PREFIX}/faults", add_fault)
    add("DELETE", f"{PREFIX}/faults", clear_faults)
    add("DELETE", f"{PREFIX}/faults/{{id}}", delete_fault)
    add("GET", f"{PREFIX}/config", config)
    add("PATCH", f"{PREFIX}/config", patch_config)
    add("POST", f"{PREFIX}/reset", reset)
