"""§3: users, one at a time and in multiget."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from sandbox.errors import error_body, not_found
from sandbox.http import (
    access_of,
    attributes_param,
    ids_param,
    path,
    public_read,
    respond,
    respond_in_parts,
    state_of,
    viewer_id,
)
from sandbox.item_shape import trim
from sandbox.users import User

# §0.3 / §3: a partial answer names the sub-source that failed.
MISSING_SECTIONS = ("seller_reputation",)


def user_body(user: User, viewer: int | None) -> dict[str, Any]:
    return user.private_json() if user.id == viewer else user.public_json()


async def me(request: web.Request) -> web.Response:
    user = state_of(request).user(access_of(request).user_id)
    if user is None:
        raise not_found("User not found")
    return respond(request, user.private_json())


@public_read
async def one(request: web.Request) -> web.Response:
    """§3: GET /users/{id}: the public subset, private fields with the user's own token."""
    user = state_of(request).user(int(request.match_info["user_id"]))
    if user is None:
        raise not_found("User not found")
    body = user_body(user, viewer_id(request))
    return respond_in_parts(request, body, MISSING_SECTIONS)


async def multiget(request: web.Request) -> web.Response:
    """§3: `GET /users?ids=a,b`, at most 20, `[{code, body}]` in request order."""
    state = state_of(request)
    viewer = access_of(request).user_id
    attributes = attributes_param(request)
    result = []
    for raw in ids_param(request):
        user = state.user(int(raw)) if raw.isdigit() else None
        if user is None:
            result.append({"code": 404, "body": error_body(404, "not_found", "User not found")})
        else:
            result.append({"code": 200, "body": trim(user_body(user, viewer), attributes)})
    return respond(request, result, trimmed=False)


def register(app: web.Application) -> None:
    app.router.add_get("/users/me", me)
    app.router.add_get("/users", multiget)
    app.router.add_get(path("/users/{user_id:number}"), one)
