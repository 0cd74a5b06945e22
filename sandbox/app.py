from __future__ import annotations

from aiohttp import web

from sandbox import middlewares
from sandbox.config import SandboxConfig
from sandbox.http import STATE
from sandbox.pictures import MAX_BYTES
from sandbox.routes import admin, catalogue, items, oauth, users
from sandbox.state import SandboxState

# Each module adds its own routes; a new resource family is one more module here.
ROUTE_MODULES = (oauth, users, catalogue, items, admin)


def create_app(config: SandboxConfig | None = None) -> web.Application:
    """The sandbox as an aiohttp application, its state in memory."""
    app = web.Application(
        middlewares=[middlewares.jsonp, middlewares.errors, middlewares.api],
        # §4.8: pictures up to 10 MB, plus room for the multipart envelope.
        client_max_size=MAX_BYTES + 1024 * 1024,
    )
    app[STATE] = SandboxState(config or SandboxConfig())
    for module in ROUTE_MODULES:
        module.register(app)
    return app
