from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
from aiohttp import web

from sandbox import middlewares
from sandbox.config import SandboxConfig
from sandbox.http import STATE
from sandbox.messaging import ATTACHMENT_MAX_BYTES
from sandbox.pictures import MAX_BYTES
from sandbox.routes import (
    admin,
    catalogue,
    events,
    items,
    messages,
    notifications,
    oauth,
    orders,
    questions,
    shipments,
    users,
    visits,
)
from sandbox.state import SandboxState

# Each module adds its own routes; a new resource family is one more module here.
ROUTE_MODULES = (
    oauth,
    users,
    catalogue,
    items,
    orders,
    shipments,
    questions,
    messages,
    notifications,
    admin,
    events,
    visits,
)


async def background(app: web.Application) -> AsyncIterator[None]:
    """The notification sender and the activity simulator live as long as the app; the
    HTTP session they post with is closed after them."""
    state = app[STATE]
    session = aiohttp.ClientSession()
    await state.start(session)
    try:
        yield
    finally:
        await state.stop()
        await session.close()


def create_app(config: SandboxConfig | None = None) -> web.Application:
    """The sandbox as an aiohttp application, its state in memory."""
    app = web.Application(
        middlewares=[middlewares.jsonp, middlewares.errors, middlewares.api],
        # §8.4: attachments up to 25 MB (pictures, §4.8, up to 10 MB), plus room for the
        # multipart envelope.
        client_max_size=max(MAX_BYTES, ATTACHMENT_MAX_BYTES) + 1024 * 1024,
    )
    app[STATE] = SandboxState(config or SandboxConfig())
    for module in ROUTE_MODULES:
        module.register(app)
    app.cleanup_ctx.append(background)
    return app
