"""API-key authentication of every route that is not explicitly public."""

from __future__ import annotations

import re

from aiohttp import web

from entrypoints.api_keys import ApiKeys
from entrypoints.http.endpoints import Handler
from entrypoints.http.problems import AuthenticationRequired

API_KEYS: web.AppKey[ApiKeys] = web.AppKey("api_keys", ApiKeys)
_VISIBLE_ASCII = re.compile(r"[\x20-\x7e]+")
PUBLIC_ROUTES: web.AppKey[frozenset[tuple[str, str]]] = web.AppKey("public_routes", frozenset)


def _is_public(request: web.Request) -> bool:
    route = request.match_info.route
    resource = route.resource
    if resource is None:
        return False
    method = "GET" if request.method == "HEAD" else request.method
    return (method, resource.canonical) in request.app[PUBLIC_ROUTES]


@web.middleware
async def api_key_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    if _is_public(request):
        return await handler(request)
    header = request.headers.get("Authorization", "")
    scheme, _, credential = header.partition(" ")
    if not header:
        raise AuthenticationRequired("send the API key as 'Authorization: Bearer <key>'")
    if not _VISIBLE_ASCII.fullmatch(header):
        # No key of ours has other characters; refused before any comparison (which
        # works on bytes, and a header's non-ASCII bytes arrive as lone surrogates).
        raise AuthenticationRequired("the Authorization header must be printable ASCII")
    if scheme.lower() != "bearer" or not credential.strip():
        raise AuthenticationRequired("the Authorization header must be 'Bearer <key>'")
    if not request.app[API_KEYS].accepts(credential.strip()):
        raise AuthenticationRequired("the API key is not valid")
    return await handler(request)
