"""Where handlers find the composition root and the app's own settings."""

from __future__ import annotations

from aiohttp import web

from entrypoints.container import Container

CONTAINER: web.AppKey[Container] = web.AppKey("container", Container)
# Behind a proxy (MELI_TRUST_PROXY), a client's address is the last X-Forwarded-For entry.
TRUST_PROXY: web.AppKey[bool] = web.AppKey("trust_proxy", bool)


def container_of(request: web.Request) -> Container:
    return request.app[CONTAINER]


def client_address(request: web.Request) -> str | None:
    """The address the request came from: the peer, or behind a trusted proxy the last
    entry of X-Forwarded-For (the one the proxy itself saw; earlier entries are the
    client's say)."""
    forwarded_for = request.headers.get("X-Forwarded-For")
    if request.app[TRUST_PROXY] and forwarded_for:
        return forwarded_for.rsplit(",", 1)[-1].strip() or None
    return request.remote
