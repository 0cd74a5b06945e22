"""Small helpers shared by the route modules: the state key, bodies, auth, responses."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from sandbox.errors import bad_request, invalid_token
from sandbox.item_shape import trim
from sandbox.oauth import AccessToken
from sandbox.state import SandboxState
from sandbox.users import User

STATE: web.AppKey[SandboxState] = web.AppKey("sandbox_state", SandboxState)
ACCESS: web.RequestKey[AccessToken] = web.RequestKey("sandbox_access", AccessToken)
PARTIAL: web.RequestKey[bool] = web.RequestKey("sandbox_partial_content", bool)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def public(handler: Handler) -> Handler:
    """Mark a MercadoLibre route that needs no Bearer token (the OAuth endpoints)."""
    handler.sandbox_public = True  # type: ignore[attr-defined]
    return handler


def is_public(handler: Any) -> bool:
    return getattr(handler, "sandbox_public", False)


def rate_group(name: str, per_minute: float) -> Callable[[Handler], Handler]:
    """Give a route its own bucket on top of the application's limit (§12.3: messaging
    has 500 rpm for GET resources and 500 rpm for POST/PUT ones)."""

    def mark(handler: Handler) -> Handler:
        handler.sandbox_rate_group = (name, per_minute)  # type: ignore[attr-defined]
        return handler

    return mark


def rate_group_of(handler: Any) -> tuple[str, float] | None:
    return getattr(handler, "sandbox_rate_group", None)


def state_of(request: web.Request) -> SandboxState:
    return request.app[STATE]


def access_of(request: web.Request) -> AccessToken:
    return request[ACCESS]


def caller(request: web.Request) -> User:
    """The user behind the request's access token."""
    user = state_of(request).user(access_of(request).user_id)
    if user is None:
        raise invalid_token()
    return user


async def json_body(request: web.Request) -> Any:
    text = await request.text()
    if not text.strip():
        raise bad_request("A JSON body is required")
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise bad_request(f"Malformed JSON body: {e.msg}") from None


def attributes_param(request: web.Request) -> list[str] | None:
    raw = request.query.get("attributes")
    if not raw:
        return None
    return [a.strip() for a in raw.split(",") if a.strip()]


def respond(
    request: web.Request,
    body: Any,
    status: int = 200,
    *,
    trimmed: bool = True,
    headers: dict[str, str] | None = None,
) -> web.Response:
    """A JSON response, trimmed to `?attributes=` (§0.3) unless the route trims itself."""
    if trimmed:
        body = trim(body, attributes_param(request))
    return web.json_response(body, status=status, headers=headers)


def respond_in_parts(
    request: web.Request, body: dict[str, Any], sections: tuple[str, ...]
) -> web.Response:
    """§0.3 partial content: when a fault rule asks for it, leave out the sub-sources in
    `sections` and answer 206 with X-Content-Missing naming them."""
    if not request.get(PARTIAL):
        return respond(request, body)
    for section in sections:
        body.pop(section, None)
    return respond(request, body, 206, headers={"X-Content-Missing": ",".join(sections)})


def ids_param(request: web.Request, cap: int = 20) -> list[str]:
    """The `ids=` of a multiget: at most 20 (§3, §4.11) [INF: the error text]."""
    raw = request.query.get("ids", "")
    ids = [i.strip() for i in raw.split(",") if i.strip()]
    if not ids:
        raise bad_request("The ids parameter is required")
    if len(ids) > cap:
        raise bad_request(f"The maximum number of ids is {cap}; {len(ids)} were requested")
    return ids


def user_id_param(request: web.Request, name: str = "user_id") -> int | None:
    raw = request.match_info[name]
    return int(raw) if raw.isdigit() else None
