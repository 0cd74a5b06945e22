"""Where handlers find the composition root."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    from entrypoints.container import Container

CONTAINER: web.AppKey[Any] = web.AppKey("container", object)


def container_of(request: web.Request) -> Container:
    return request.app[CONTAINER]
