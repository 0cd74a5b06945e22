"""Small helpers shared by the route modules: the state key, bodies, auth, responses."""

from __future__ import annotations

import json
import re
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
DROP_AFTER: web.RequestKey[bool] = web.RequestKey("sandbox_drop_after", bool)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


# The shapes of the ids in MercadoLibre's paths (§0.3). A route names the shape of each
# id it takes (`/items/{id:item}`), so that a segment of another shape is not taken for
# an id: /items/visits is a path the sandbox does not simulate (501), not an unknown
# item (404).
ID_SHAPES = {
    "item": r"[A-Z]{3}\d+",  # site prefix + digits, e.g. MLA1136716168
    "category": r"[A-Z]{3}\d+",  # e.g. MLA1055
    "site": r"[A-Z]{3}",  # e.g. MLA
    "currency": r"[A-Z]{3}",  # e.g. ARS
    "number": r"\d+",  # users, orders, packs, shipments, payments, questions, claims
    "message": r"[0-9a-f]{32}",  # §8.1, e.g. fd1d2e37ad004ede9e0bf25d1215002d
}
_SHAPED = re.compile(r"\{(\w+):(\w+)\}")


def path(template: str) -> str:
    """The aiohttp route of `template`, its `{name:shape}` segments as their regex."""
    return _SHAPED.sub(lambda m: f"{{{m[1]}:{ID_SHAPES[m[2]]}}}", template)


def public(handler: Handler) -> Handler:
    """Mark a MercadoLibre route that needs no Bearer token (the OAuth endpoints)."""
    handler.sandbox_public = True  # type: ignore[attr-defined]
    return handler


def is_public(handler: Any) -> bool:
    return getattr(handler, "sandbox_public", False)


def public_read(handler: Handler) -> Handler:
    """Mark a read MercadoLibre documents as public (§3, §4.1, §4.9, §4.10, §10): with
    the `public_reads` setting on, it answers without a token, as anyone may see it; a
    token, when sent, is checked and its owner sees what the owner sees."""
    handler.sandbox_public_read = True  # type: ignore[attr-defined]
    return handler


def is_public_read(handler: Any) -> bool:
    return getattr(handler, "sandbox_public_read", False)


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


def viewer_id(request: web.Request) -> int | None:
    """The user behind the token of a public read; None when it came without one."""
    access = request.get(ACCESS)
    return access.user_id if access is not None else None


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
